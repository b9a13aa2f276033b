"""Two-factor sign-in through the real pages (R2.3): enrolment by QR code, the second step with
a code or a recovery code, pending sign-ins that expire, throttling, and the enrolment guard
for members whom the policy requires to have a second factor."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.test import Client

from renkei.accounts.models import UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.actions import change_policy
from renkei.policy.queries import current_policy
from renkei.twofactor.guard import PENDING_KEY, PENDING_SECONDS
from renkei.twofactor.models import TotpAuthenticator
from renkei.twofactor.queries import has_second_factor
from tests.support.region import PASSWORD
from tests.support.twofactor import SECRETS, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R2.3")]
UA = "Mozilla/5.0 (X11; Linux x86_64) RenkeiTest/1.0"


def _password(client: Client, login_id: str, next_url: str = ""):  # type: ignore[no-untyped-def]
    return client.post("/signin/", {"login_id": login_id, "password": PASSWORD, "next": next_url})


def _open_sessions(member) -> int:  # type: ignore[no-untyped-def]
    return UserSession.objects.filter(member=member, ended_at__isnull=True).count()


def test_a_member_with_a_factor_gets_no_session_before_the_second_step(region):
    client = Client(HTTP_USER_AGENT=UA)
    answer = _password(client, "dr.yamada", "/spaces/")
    assert answer.status_code == 302
    assert answer["Location"] == "/signin/verify/"
    assert _open_sessions(region.doctor) == 0
    # Still signed out: any page sends back to the sign-in.
    assert client.get("/spaces/")["Location"].startswith("/signin/?")
    assert client.get("/api/v1/spaces").status_code == 401
    page = client.get("/signin/verify/")
    assert page.status_code == 200
    assert "ログインの2段階目" in page.content.decode()

    wrong = client.post(
        "/signin/verify/", {"code": "000000" if totp_code(region.doctor) != "000000" else "111111"}
    )
    assert wrong.status_code == 401
    assert "正しくない" in wrong.content.decode()
    assert _open_sessions(region.doctor) == 0

    right = client.post("/signin/verify/", {"code": totp_code(region.doctor)})
    assert right.status_code == 302
    assert right["Location"] == "/spaces/"
    assert _open_sessions(region.doctor) == 1
    assert client.get("/spaces/").status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_VERIFIED, actor_id=region.doctor.pk
    ).exists()


def test_a_code_used_once_cannot_sign_in_again(region):
    code = totp_code(region.pharmacist)
    first = Client(HTTP_USER_AGENT=UA)
    _password(first, "ph.ito")
    assert first.post("/signin/verify/", {"code": code}).status_code == 302
    thief = Client(HTTP_USER_AGENT=UA)
    _password(thief, "ph.ito")
    replay = thief.post("/signin/verify/", {"code": code})
    assert replay.status_code == 401
    assert _open_sessions(region.pharmacist) == 1


def test_an_expired_code_is_refused(region):
    client = Client(HTTP_USER_AGENT=UA)
    _password(client, "ph.ito")
    old = client.post("/signin/verify/", {"code": totp_code(region.pharmacist, steps_from_now=-4)})
    assert old.status_code == 401
    assert _open_sessions(region.pharmacist) == 0


def test_the_pending_sign_in_expires(region):
    client = Client(HTTP_USER_AGENT=UA)
    _password(client, "dr.yamada")
    session = client.session
    pending = session[PENDING_KEY]
    pending["at"] -= PENDING_SECONDS + 1
    session[PENDING_KEY] = pending
    session.save()
    answer = client.post("/signin/verify/", {"code": totp_code(region.doctor)})
    assert answer.status_code == 400
    assert "もう一度ログイン" in answer.content.decode()
    assert _open_sessions(region.doctor) == 0


def test_the_second_step_without_a_password_first_is_refused(region):
    client = Client(HTTP_USER_AGENT=UA)
    assert client.post("/signin/verify/", {"code": totp_code(region.doctor)}).status_code == 400
    assert _open_sessions(region.doctor) == 0


def test_wrong_codes_are_throttled_like_passwords(region):
    client = Client(HTTP_USER_AGENT=UA)
    _password(client, "dr.yamada")
    for _ in range(current_policy().signin_failures_per_account):
        assert client.post("/signin/verify/", {"code": "999999x"}).status_code == 401
    paused = client.post("/signin/verify/", {"code": totp_code(region.doctor)})
    assert paused.status_code == 429
    assert "分" in paused.content.decode()
    assert _open_sessions(region.doctor) == 0


def test_enrolling_an_authenticator_app_by_qr_code_and_signing_in_with_it(region, client_for):
    nurse = region.nurse
    client = client_for(nurse)
    page = client.get("/account/two-factor/app/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code, drawn here: no outside service
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", html).group(1).replace(" ", "")
    assert not has_second_factor(nurse)
    assert client.post("/account/two-factor/app/", {"code": "12"}).status_code == 422
    done = client.post("/account/two-factor/app/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"] == "/account/two-factor/codes/"
    assert has_second_factor(nurse)
    codes_page = client.get("/account/two-factor/codes/")
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", codes_page.content.decode())
    assert len(codes) == 10
    assert codes_page["Cache-Control"] == "no-store"
    # Shown once only.
    assert client.get("/account/two-factor/codes/")["Location"] == "/account/two-factor/"

    # From now on the nurse signs in with both; a recovery code works once.
    fresh = Client(HTTP_USER_AGENT=UA)
    assert _password(fresh, "ns.sato")["Location"] == "/signin/verify/"
    signed_in = fresh.post("/signin/verify/", {"code": codes[0]})
    assert signed_in.status_code == 302
    assert "回復コード" in fresh.get("/").content.decode()  # how many are left
    again = Client(HTTP_USER_AGENT=UA)
    _password(again, "ns.sato")
    assert again.post("/signin/verify/", {"code": codes[0]}).status_code == 401


def test_removing_a_factor_needs_the_password(region, client_for):
    client = client_for(region.doctor)
    client.post("/account/two-factor/app/remove/", {"password": "wrong"})
    assert has_second_factor(region.doctor)
    client.post("/account/two-factor/app/remove/", {"password": PASSWORD})
    assert not has_second_factor(region.doctor)
    # The doctor is a facility admin: without a factor, only the enrolment pages are open.
    assert client.get("/spaces/")["Location"] == "/account/two-factor/"


def _without_factor(member) -> None:  # type: ignore[no-untyped-def]
    TotpAuthenticator.objects.filter(member=member).delete()
    SECRETS.pop(member.login_id, None)


@pytest.mark.parametrize("role", ["clinic_admin", "secretariat", "operator"])
def test_an_admin_without_a_factor_can_only_enrol(region, role):
    admin = region.cast[role]
    _without_factor(admin)
    client = Client(HTTP_USER_AGENT=UA)
    signed_in = _password(client, admin.login_id)
    assert signed_in.status_code == 302
    assert client.get("/")["Location"] == "/account/two-factor/"
    assert client.get("/spaces/")["Location"] == "/account/two-factor/"
    api = client.get("/api/v1/spaces")
    assert api.status_code == 403
    assert api.json()["code"] == "second_factor_required"
    assert "2段階" in api.json()["detail"]
    enrol_page = client.get("/account/two-factor/")
    assert enrol_page.status_code == 200
    assert "必須" in enrol_page.content.decode()

    html = client.get("/account/two-factor/app/").content.decode()
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", html).group(1).replace(" ", "")
    client.post("/account/two-factor/app/", {"code": pyotp.TOTP(secret).now()})
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/spaces").status_code == 200


def test_the_policy_decides_who_must_enrol(region):
    nurse_client = Client(HTTP_USER_AGENT=UA)
    _password(nurse_client, "ns.sato")
    assert nurse_client.get("/").status_code == 200  # "admins": a nurse may choose
    change_policy(region.secretariat, changes={"two_factor_required": "everyone"})
    # The open session is held at enrolment as soon as the policy changes.
    assert nurse_client.get("/")["Location"] == "/account/two-factor/"

    change_policy(region.secretariat, changes={"two_factor_required": "none"})
    _without_factor(region.clinic_admin)
    admin_client = Client(HTTP_USER_AGENT=UA)
    _password(admin_client, "adm.tanaka")
    assert admin_client.get("/").status_code == 200
    assert nurse_client.get("/").status_code == 200


def test_a_session_that_skipped_the_second_step_is_ended(region):
    """A session opened for a member with a factor without the second step (no marker) is
    refused at once, whatever opened it."""
    from renkei.accounts.actions import open_session

    client = Client(HTTP_USER_AGENT=UA)
    client.force_login(region.doctor)
    open_session(region.doctor, session_key=client.session.session_key)
    answer = client.get("/spaces/")
    assert answer["Location"].startswith("/signin/")
    assert _open_sessions(region.doctor) == 0
