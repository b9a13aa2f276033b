"""The secretariat decides an application (R1.1): acceptance activates the facility and mails
each listed person a one-time link; rejection needs a reason."""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.accounts.actions import activate_account, authenticate
from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import NotFound, ValidationFailed
from renkei.facilities.actions import accept_application, reject_application
from renkei.facilities.models import Affiliation, Facility, FacilityState
from tests.facilities.pages import activation_path, application_data
from tests.support.region import PASSWORD


def _apply(**over) -> Facility:  # type: ignore[no-untyped-def]
    response = Client().post("/apply/", application_data(**over))
    assert response.status_code == 302, response.content.decode()[:500]
    return Facility.objects.get(name=over.get("name", "みなみ在宅診療所"))


@pytest.mark.rule("R1.1")
def test_acceptance_activates_the_facility_and_mails_each_listed_user_a_one_time_link(
    region, smtp, django_capture_on_commit_callbacks
):
    facility = _apply()
    with django_capture_on_commit_callbacks(execute=True):
        accept_application(region.secretariat, facility_id=facility.pk)

    facility.refresh_from_db()
    assert facility.state == FacilityState.ACTIVE
    assert facility.decided_by == region.secretariat
    emails = ["minami@example.jp", "nishi@example.jp", "higashi@example.jp"]
    for email in emails:
        [message] = smtp.to(email)
        activation_path(smtp.body(message))
    rows = Affiliation.objects.filter(facility=facility).order_by("number")
    assert [(r.number, r.member.email, r.is_manager, r.is_admin) for r in rows] == [
        (1, "minami@example.jp", True, True),  # the manager is the first admin (R2.8)
        (2, "nishi@example.jp", False, False),
        (3, "higashi@example.jp", False, False),
    ]
    assert AuditEvent.objects.filter(
        action=AuditAction.FACILITY_ACCEPTED, facility_id=facility.pk
    ).exists()
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.STAFF_REGISTERED, facility_id=facility.pk
        ).count()
        == 3
    )

    # The link works once: the nurse chooses a login ID and password and can then sign in.
    token = activation_path(smtp.body(smtp.to("nishi@example.jp")[0]))
    activate_account(token=token, login_id="ns.nishi", password=PASSWORD)
    assert authenticate(login_id="ns.nishi", password=PASSWORD).email == "nishi@example.jp"
    with pytest.raises(NotFound):
        activate_account(token=token, login_id="ns.nishi2", password=PASSWORD)


@pytest.mark.rule("R1.1")
def test_before_acceptance_nobody_listed_can_use_the_network(region, client_for):
    facility = _apply()
    assert not Member.objects.filter(email__in=["minami@example.jp", "nishi@example.jp"]).exists()
    # The pending facility's page is the secretariat's alone; members of the region see nothing.
    assert client_for(region.doctor).get(f"/facilities/{facility.public_id}/").status_code == 404
    page = client_for(region.secretariat).get(f"/facilities/{facility.public_id}/")
    assert page.status_code == 200
    assert "申請中" in page.content.decode()


@pytest.mark.rule("R1.1")
@pytest.mark.rule("R2.1")
def test_a_person_already_in_the_network_keeps_one_account(
    region, smtp, django_capture_on_commit_callbacks
):
    users = [
        {
            "name": "佐藤 花子",
            "furigana": "さとう はなこ",
            "profession": "nurse",
            "email": "NS.SATO@example.jp",
        }
    ]
    facility = _apply(users=users)
    with django_capture_on_commit_callbacks(execute=True):
        accept_application(region.secretariat, facility_id=facility.pk)

    assert Member.objects.filter(email__iexact="ns.sato@example.jp").count() == 1
    facilities = set(
        Affiliation.objects.filter(member=region.nurse, lost_on__isnull=True).values_list(
            "facility_id", flat=True
        )
    )
    assert facilities == {region.clinic.pk, facility.pk}
    [message] = smtp.to("ns.sato@example.jp")
    assert "/activate/" not in smtp.body(message)  # told of the registration, no new account
    region.nurse.refresh_from_db()
    assert region.nurse.login_id == "ns.sato"


@pytest.mark.rule("R1.1")
@pytest.mark.parametrize("actor", ["doctor", "clinic_admin", "helper"])
def test_only_the_secretariat_decides(region, actor):
    facility = _apply()
    with pytest.raises(NotFound):
        accept_application(region.cast[actor], facility_id=facility.pk)
    with pytest.raises(NotFound):
        reject_application(region.cast[actor], facility_id=facility.pk, reason="不備")
    facility.refresh_from_db()
    assert facility.state == FacilityState.APPLIED


@pytest.mark.rule("R1.1")
def test_rejection_needs_a_reason_which_is_mailed_to_the_manager(
    region, smtp, django_capture_on_commit_callbacks
):
    facility = _apply()
    with pytest.raises(ValidationFailed) as refused:
        reject_application(region.secretariat, facility_id=facility.pk, reason="   ")
    assert "reason" in refused.value.errors
    facility.refresh_from_db()
    assert facility.state == FacilityState.APPLIED

    with django_capture_on_commit_callbacks(execute=True):
        reject_application(
            region.secretariat, facility_id=facility.pk, reason="誓約同意書の原本が届いていません"
        )
    facility.refresh_from_db()
    assert facility.state == FacilityState.REJECTED
    [message] = smtp.to("minami@example.jp")
    assert "誓約同意書の原本が届いていません" in smtp.body(message)
    assert not Member.objects.filter(email="minami@example.jp").exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.FACILITY_REJECTED, facility_id=facility.pk
    ).exists()
