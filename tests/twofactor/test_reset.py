"""A facility admin resets a member's second factor (R2.3, R2.10): only for staff of their own
facility (the secretariat for anyone), audited, mailed to the member, every session ended."""

from __future__ import annotations

import pytest

from renkei.accounts.models import UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, NotFound
from renkei.twofactor import actions
from renkei.twofactor.models import Passkey, RecoveryCode, TotpAuthenticator
from renkei.twofactor.queries import has_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R2.3")]


def _open(member) -> int:  # type: ignore[no-untyped-def]
    return UserSession.objects.filter(member=member, ended_at__isnull=True).count()


def _give_factors(member) -> None:  # type: ignore[no-untyped-def]
    """An authenticator app (from the region), a passkey and recovery codes."""
    Passkey.objects.create(
        member=member, credential_id=f"cred-{member.pk}", public_key=b"k", name="phone"
    )
    RecoveryCode.objects.create(member=member, digest="0" * 64)


@pytest.mark.rule("R2.10")
def test_the_facility_admin_resets_a_staff_members_factor(
    region, client_for, smtp, django_capture_on_commit_callbacks
):
    nurse = region.nurse
    actions.begin_totp(nurse)  # pending app: removed too
    _give_factors(nurse)
    nurse_client = client_for(nurse)
    client_for(nurse)
    assert _open(nurse) == 2

    admin = client_for(region.clinic_admin)
    page = admin.get(f"/members/{nurse.public_id}/two-factor/reset/")
    assert page.status_code == 200
    assert nurse.name in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(f"/members/{nurse.public_id}/two-factor/reset/")
    assert done.status_code == 302
    assert not has_second_factor(nurse)
    assert not TotpAuthenticator.objects.filter(member=nurse).exists()
    assert not RecoveryCode.objects.filter(member=nurse).exists()
    assert _open(nurse) == 0
    assert nurse_client.get("/")["Location"].startswith("/signin/")
    event = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_RESET)
    assert event.actor_id == region.clinic_admin.pk
    assert event.object_id == str(nurse.pk)
    assert event.detail["sessions"] == 2
    (mail,) = smtp.to(nurse.email)
    assert "2段階認証" in mail["Subject"]
    assert "リセット" in smtp.body(mail)


def test_the_secretariat_resets_anyones_factor_and_an_admins_too(region):
    ended = actions.reset_second_factor(region.secretariat, member=region.pharmacist)
    assert not has_second_factor(region.pharmacist)
    assert ended == 0


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("pharmacist", "nurse"),  # admin of another facility
        ("visiting_nurse", "nurse"),  # admin of another facility
        ("nurse", "doctor"),  # not an admin
        ("care_manager", "nurse"),  # colleague, not an admin
        ("clinic_admin", "helper"),  # the helper works for no facility of theirs
    ],
)
def test_nobody_else_may_reset_and_the_answer_reveals_nothing(region, client_for, actor, target):
    member = region.cast[target]
    _give_factors(member)
    with pytest.raises(NotFound):
        actions.reset_second_factor(region.cast[actor], member=member)
    client = client_for(region.cast[actor])
    assert client.get(f"/members/{member.public_id}/two-factor/reset/").status_code == 404
    assert client.post(f"/members/{member.public_id}/two-factor/reset/").status_code == 404
    assert client.post("/members/not-a-uuid/two-factor/reset/").status_code == 404
    assert Passkey.objects.filter(member=member).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_RESET).exists()


def test_a_shared_nurse_is_reset_by_either_of_her_facilities(region):
    actions.reset_second_factor(region.visiting_nurse, member=region.shared_nurse)
    actions.reset_second_factor(region.doctor, member=region.shared_nurse)
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_RESET).count() == 2


def test_an_admin_cannot_reset_their_own_factor_this_way(region):
    with pytest.raises(DomainError):
        actions.reset_second_factor(region.clinic_admin, member=region.clinic_admin)
    assert has_second_factor(region.clinic_admin)


@pytest.mark.rule("R2.10")
def test_the_staff_page_links_to_the_reset_for_the_admin_only(region, client_for):
    nurse = region.nurse
    page = f"/facilities/{region.clinic.public_id}/members/{nurse.public_id}/"
    reset = f"/members/{nurse.public_id}/two-factor/reset/"
    shown = client_for(region.clinic_admin).get(page)
    assert shown.status_code == 200
    assert reset in shown.content.decode()
    assert "2段階認証をリセット" in shown.content.decode()
    # Not on their own page: an admin never resets their own factor this way.
    admin = region.clinic_admin
    own = client_for(admin).get(f"/facilities/{region.clinic.public_id}/members/{admin.public_id}/")
    assert own.status_code == 200
    assert f"/members/{admin.public_id}/two-factor/reset/" not in own.content.decode()
