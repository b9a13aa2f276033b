"""Facility admins (R2.8): the manager is the first; only the manager or the secretariat
appoints and revokes them; the last one cannot be revoked."""

from __future__ import annotations

import pytest

from renkei import authz
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import Affiliation


def _url(facility, member, verb: str) -> str:  # type: ignore[no-untyped-def]
    return f"/facilities/{facility.public_id}/members/{member.public_id}/admin/{verb}/"


@pytest.mark.rule("R2.8")
def test_the_manager_appoints_and_revokes_an_admin(region, client_for):
    client = client_for(region.doctor)
    response = client.post(_url(region.clinic, region.nurse, "appoint"))
    assert response.status_code == 302
    assert authz.is_facility_admin(region.nurse, region.clinic)
    page = client.get(response["Location"]).content.decode()
    assert "佐藤 花子さんをシステム管理者に任命しました。" in page
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_APPOINTED)
    assert (event.facility_id, event.object_id) == (region.clinic.pk, str(region.nurse.pk))

    response = client.post(_url(region.clinic, region.nurse, "revoke"))
    assert response.status_code == 302
    assert not authz.is_facility_admin(region.nurse, region.clinic)
    event = AuditEvent.objects.get(action=AuditAction.ADMIN_REVOKED)
    assert (event.facility_id, event.object_id) == (region.clinic.pk, str(region.nurse.pk))


@pytest.mark.rule("R2.8")
def test_the_secretariat_may_appoint_for_a_facility(region, client_for):
    response = client_for(region.secretariat).post(
        _url(region.pharmacy, region.pharmacist, "revoke")
    )
    assert response.status_code == 302
    assert authz.is_facility_admin(region.pharmacist, region.pharmacy)  # the last one stays
    client_for(region.secretariat).post(_url(region.clinic, region.care_manager, "appoint"))
    assert authz.is_facility_admin(region.care_manager, region.clinic)


@pytest.mark.rule("R2.8")
@pytest.mark.parametrize("actor", ["clinic_admin", "nurse", "pharmacist", "helper"])
def test_nobody_else_appoints_or_revokes(region, client_for, actor):
    client = client_for(region.cast[actor])
    assert client.post(_url(region.clinic, region.care_manager, "appoint")).status_code == 404
    assert client.post(_url(region.clinic, region.clinic_admin, "revoke")).status_code == 404
    assert not authz.is_facility_admin(region.care_manager, region.clinic)
    assert authz.is_facility_admin(region.clinic_admin, region.clinic)
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.ADMIN_APPOINTED, AuditAction.ADMIN_REVOKED]
    ).exists()


@pytest.mark.rule("R2.8")
def test_the_last_facility_admin_cannot_be_revoked(region, client_for):
    client = client_for(region.pharmacist)
    response = client.post(_url(region.pharmacy, region.pharmacist, "revoke"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "最後の管理者は解除できません" in page
    assert authz.is_facility_admin(region.pharmacist, region.pharmacy)
    assert not AuditEvent.objects.filter(action=AuditAction.ADMIN_REVOKED).exists()


@pytest.mark.rule("R2.8")
def test_appointing_an_admin_twice_says_so(region, client_for):
    client = client_for(region.doctor)
    response = client.post(_url(region.clinic, region.clinic_admin, "appoint"))
    page = client.get(response["Location"]).content.decode()
    assert "この方はすでにシステム管理者です。" in page


@pytest.mark.rule("R2.8")
def test_the_console_offers_admin_buttons_to_the_manager_only(region, client_for):
    appoint = _url(region.clinic, region.nurse, "appoint")
    url = f"/facilities/{region.clinic.public_id}/"
    assert appoint in client_for(region.doctor).get(url).content.decode()
    assert appoint not in client_for(region.clinic_admin).get(url).content.decode()


@pytest.mark.rule("R2.8")
def test_every_facility_of_the_region_has_an_admin_and_the_manager_is_one(region):
    for facility in (region.clinic, region.pharmacy, region.station):
        manager = Affiliation.objects.get(facility=facility, is_manager=True)
        assert manager.is_admin
