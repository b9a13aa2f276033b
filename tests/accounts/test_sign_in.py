"""Signing in with a login ID and password (R2.1), and how the sign-in page treats bad input."""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.accounts.models import SignInAttempt, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from tests.accounts.conftest import USER_AGENT, without_csrf
from tests.support.region import PASSWORD
from tests.support.twofactor import totp_code


def test_the_page_has_labelled_fields_with_autocomplete(db):
    page = Client().get("/signin/").content.decode()
    assert '<label for="id_login_id">ログインID</label>' in page
    assert '<label for="id_password">パスワード</label>' in page
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert 'lang="ja"' in page


def test_sign_in_opens_a_session_and_lands_on_home(region, browser):
    response = browser.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    session = UserSession.objects.get(member=region.nurse)
    assert session.session_key == browser.session.session_key
    assert session.ip == "127.0.0.1"
    assert session.user_agent == USER_AGENT
    assert browser.get("/").status_code == 200


@pytest.mark.rule("R2.1")
def test_login_ids_are_matched_without_regard_to_case(region, browser):
    response = browser.post("/signin/", {"login_id": "  NS.Sato ", "password": PASSWORD})
    assert response.status_code == 302
    assert UserSession.objects.get(session_key=browser.session.session_key).member == region.nurse


@pytest.mark.rule("R2.1")
def test_wrong_id_and_wrong_password_get_the_same_answer(region):
    def attempt(login_id: str, password: str) -> tuple[int, str]:
        response = Client().post("/signin/", {"login_id": login_id, "password": password})
        # The typed ID is shown again; take it out so only the answer is compared.
        page = without_csrf(response.content.decode()).replace(login_id, "<typed>")
        return response.status_code, page

    unknown_id = attempt("no.such.person", PASSWORD)
    wrong_password = attempt("ns.sato", "Wrong-pass-123")
    assert unknown_id == wrong_password
    status, page = unknown_id
    assert status == 401
    assert "ログインIDまたはパスワードが正しくありません。" in page
    assert not UserSession.objects.exists()


def test_password_is_never_shown_again_but_the_login_id_is(region):
    response = Client().post("/signin/", {"login_id": "ns.sato", "password": "Wrong-pass-123"})
    page = response.content.decode()
    assert 'value="ns.sato"' in page
    assert "Wrong-pass-123" not in page


def test_a_safe_next_is_followed(region, browser):
    response = browser.post(
        "/signin/", {"login_id": "ns.sato", "password": PASSWORD, "next": "/help/"}
    )
    assert response["Location"] == "/help/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "http:/x"]
)
def test_a_next_leading_elsewhere_is_ignored(region, browser, target):
    response = browser.post(
        "/signin/", {"login_id": "ns.sato", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_next_of_a_redirect_to_sign_in_is_carried_through_the_form(region, browser):
    page = browser.get("/signin/?next=/help/").content.decode()
    assert 'name="next" value="/help/"' in page
    outside = browser.get("/signin/?next=https://evil.example/").content.decode()
    assert 'name="next" value="https' not in outside


def test_a_signed_in_member_visiting_sign_in_goes_home(region, client_for):
    response = client_for(region.nurse).get("/signin/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_signing_in_again_on_a_signed_in_browser_ends_the_earlier_session(region, browser):
    browser.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    first = browser.session.session_key
    browser.post("/signin/", {"login_id": "dr.yamada", "password": PASSWORD})
    assert UserSession.objects.get(session_key=first).ended_at is not None
    browser.post("/signin/verify/", {"code": totp_code(region.doctor)})  # a facility admin (R2.3)
    assert UserSession.objects.filter(member=region.doctor, ended_at__isnull=True).count() == 1


def test_audit_records_success_and_failure_with_address_and_user_agent(region, browser):
    browser.post("/signin/", {"login_id": "ns.sato", "password": "Wrong-pass-123"})
    browser.post("/signin/", {"login_id": "nobody.here", "password": PASSWORD})
    browser.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    failed_known, failed_unknown = AuditEvent.objects.filter(
        action=AuditAction.SIGN_IN_FAILED
    ).order_by("id")
    assert failed_known.actor_id == region.nurse.pk
    assert failed_unknown.actor_id is None
    assert failed_unknown.actor_label == "nobody.here"
    success = AuditEvent.objects.get(action=AuditAction.SIGN_IN)
    assert success.actor_id == region.nurse.pk
    for event in (failed_known, failed_unknown, success):
        assert event.ip == "127.0.0.1"
        assert event.user_agent == USER_AGENT
    assert PASSWORD not in str(list(AuditEvent.objects.values()))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"login_id": "", "password": ""}, "login_id", "ログインIDを入力してください。"),
        ({"login_id": "ns.sato", "password": ""}, "password", "パスワードを入力してください。"),
        ({"login_id": "x" * 5000, "password": PASSWORD}, "login_id", "32文字以内で"),
        ({"login_id": "ns.sato", "password": "a1" * 5000}, "password", "128文字以内で"),
    ],
)
def test_empty_or_overlong_fields_are_refused_next_to_the_field(region, data, field, message):
    response = Client().post("/signin/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'aria-invalid="true" aria-describedby="id_{field}_error"' in page
    assert not UserSession.objects.exists()
    assert not SignInAttempt.objects.exists()


def test_script_in_the_login_id_is_shown_as_text(region):
    response = Client().post(
        "/signin/", {"login_id": "<script>alert(1)</script>", "password": PASSWORD}
    )
    page = response.content.decode()
    assert response.status_code == 401
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "Traceback" not in page


def test_sign_out_only_accepts_post(region, client_for):
    client = client_for(region.nurse)
    assert client.get("/signout/").status_code == 405
    assert client.get("/signout/everywhere/").status_code == 405
    assert client.get("/").status_code == 200
