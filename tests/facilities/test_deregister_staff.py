"""Deregistering a staff member (R1.2): the loss-of-eligibility date is recorded, the row stays
on the form-3 list and the member's access ends at once; the last admin stays (R2.8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from renkei import authz
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.actions import revoke_admin
from renkei.facilities.models import Affiliation
from tests.facilities.pages import JAPANESE, field_errors, widget


def _url(facility, member) -> str:  # type: ignore[no-untyped-def]
    return f"/facilities/{facility.public_id}/members/{member.public_id}/deregister/"


def _row(facility, member) -> Affiliation:  # type: ignore[no-untyped-def]
    return Affiliation.objects.get(facility=facility, member=member)


@pytest.mark.rule("R1.2")
def test_the_confirm_step_defaults_to_today(region, client_for):
    response = client_for(region.clinic_admin).get(_url(region.clinic, region.nurse))
    assert response.status_code == 200
    page = response.content.decode()
    assert region.nurse.name in page
    assert f'value="{timezone.localdate().isoformat()}"' in widget(page, "id_on")
    assert _row(region.clinic, region.nurse).lost_on is None


@pytest.mark.rule("R1.2")
def test_deregistering_records_the_date_keeps_the_row_and_ends_the_members_sessions(
    region, client_for
):
    nurse = client_for(region.nurse)
    assert nurse.get("/").status_code == 200
    admin = client_for(region.clinic_admin)
    lost_on = timezone.localdate() - timedelta(days=1)

    response = admin.post(_url(region.clinic, region.nurse), {"on": lost_on.isoformat()})
    assert response.status_code == 302
    row = _row(region.clinic, region.nurse)
    assert row.lost_on == lost_on
    assert row.deregistered_by == region.clinic_admin

    # The record stays on the list, with its date.
    page = admin.get(response["Location"]).content.decode()
    assert "佐藤 花子さんを登録解除しました。" in page
    assert region.nurse.name in page
    assert lost_on.isoformat() in page
    assert "登録解除済み" in page

    # The signed-in nurse is refused on the next request and can no longer sign in.
    refused = nurse.get("/")
    assert refused.status_code == 302
    assert refused["Location"].startswith("/signin/")
    assert not authz.is_eligible(region.nurse)

    event = AuditEvent.objects.get(action=AuditAction.STAFF_DEREGISTERED)
    assert event.facility_id == region.clinic.pk
    assert event.object_id == str(region.nurse.pk)
    assert event.detail["lost_on"] == lost_on.isoformat()
    assert event.detail["sessions_ended"] == 1


@pytest.mark.rule("R1.2")
def test_a_person_deregistered_from_one_facility_keeps_the_other(region, client_for):
    response = client_for(region.clinic_admin).post(
        _url(region.clinic, region.shared_nurse), {"on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    assert authz.is_eligible(region.shared_nurse)
    client = client_for(region.shared_nurse)
    assert client.get(f"/facilities/{region.station.public_id}/").status_code == 200
    assert client.get(f"/facilities/{region.clinic.public_id}/").status_code == 404


@pytest.mark.rule("R1.2")
@pytest.mark.parametrize(
    "days",
    [pytest.param(1, id="future"), pytest.param(-31, id="before-registration")],
)
def test_a_date_in_the_future_or_before_registration_is_refused(region, client_for, days):
    client = client_for(region.clinic_admin)
    events = AuditEvent.objects.count()
    on = timezone.localdate() + timedelta(days=days)
    response = client.post(_url(region.clinic, region.nurse), {"on": on.isoformat()})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'aria-invalid="true"' in widget(page, "id_on")
    assert JAPANESE.search(field_errors(page, "id_on"))
    assert _row(region.clinic, region.nurse).lost_on is None
    assert AuditEvent.objects.count() == events
    assert client_for(region.nurse).get("/").status_code == 200


@pytest.mark.rule("R2.8")
def test_the_last_facility_admin_cannot_be_deregistered(region, client_for):
    # The manager gives up the admin role, so the clerk is the clinic's only admin.
    revoke_admin(region.doctor, facility_id=region.clinic.pk, member_id=region.doctor.pk)
    client = client_for(region.clinic_admin)
    response = client.post(
        _url(region.clinic, region.clinic_admin), {"on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "最後の管理者は解除できません" in page
    assert _row(region.clinic, region.clinic_admin).lost_on is None
    assert authz.is_facility_admin(region.clinic_admin, region.clinic)


@pytest.mark.rule("R2.8")
def test_the_facility_manager_cannot_be_deregistered(region, client_for):
    client = client_for(region.clinic_admin)
    assert client.post(_url(region.clinic, region.doctor), {}).status_code == 422  # no date
    response = client.post(
        _url(region.clinic, region.doctor), {"on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "事業所管理者は登録解除できません" in page
    assert _row(region.clinic, region.doctor).lost_on is None


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize("actor", ["nurse", "care_manager", "pharmacist", "visiting_nurse"])
def test_only_a_facility_admin_of_that_facility_deregisters(region, client_for, actor):
    client = client_for(region.cast[actor])
    url = _url(region.clinic, region.care_manager if actor == "nurse" else region.nurse)
    assert client.get(url).status_code == 404
    assert client.post(url, {"on": timezone.localdate().isoformat()}).status_code == 404
    assert not Affiliation.objects.filter(facility=region.clinic, lost_on__isnull=False).exists()


@pytest.mark.rule("R2.10")
def test_deregister_buttons_are_offered_to_admins_only(region, client_for):
    link = _url(region.clinic, region.nurse)
    admin_page = client_for(region.clinic_admin).get(f"/facilities/{region.clinic.public_id}/")
    nurse_page = client_for(region.nurse).get(f"/facilities/{region.clinic.public_id}/")
    assert link in admin_page.content.decode()
    assert link not in nurse_page.content.decode()
