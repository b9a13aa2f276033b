"""A facility admin cuts a device off (R2.5, R2.10); the owner and others cannot."""

from __future__ import annotations

import pytest

from renkei.accounts.models import EndReason, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.devices.actions import cut_off_device, report_device_lost
from renkei.devices.models import Device, DeviceState
from renkei.errors import NotFound, RuleViolation
from tests.devices.conftest import PC, sign_in_page


@pytest.mark.rule("R2.5")
def test_the_admin_cuts_off_a_lost_device(region, browser_of):
    client = browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    report_device_lost(region.nurse, device_id=device.pk)
    admin = browser_of(region.clinic_admin, PC)
    url = f"/facilities/{region.clinic.public_id}/devices/{device.public_id}/cut-off/"
    assert admin.post(url).status_code == 302
    device.refresh_from_db()
    assert device.state == DeviceState.CUT_OFF
    assert device.cut_off_by == region.clinic_admin
    assert sign_in_page(client, region.nurse) == 401
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_CUT_OFF)
    assert event.actor_id == region.clinic_admin.pk
    assert event.detail == {"owner_id": region.nurse.pk, "sessions_ended": 0}


@pytest.mark.rule("R2.5")
def test_cutting_off_a_device_in_use_ends_its_session(region, browser_of):
    client = browser_of(region.nurse)
    other = browser_of(region.nurse, PC)
    device = Device.objects.get(member=region.nurse, kind="smartphone")
    cut_off_device(region.doctor, device_id=device.pk)  # the manager, also a facility admin
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 200
    assert UserSession.objects.get(device=device).end_reason == EndReason.DEVICE_CUT_OFF


@pytest.mark.rule("R2.5")
@pytest.mark.parametrize("who", ["nurse", "care_manager", "pharmacist", "secretariat", "helper"])
def test_only_a_facility_admin_of_the_owner_cuts_off(region, browser_of, who):
    browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    with pytest.raises(NotFound):
        cut_off_device(getattr(region, who), device_id=device.pk)
    device.refresh_from_db()
    assert device.state == DeviceState.ACTIVE
    assert not AuditEvent.objects.filter(action=AuditAction.DEVICE_CUT_OFF).exists()


def test_a_device_is_cut_off_once(region, browser_of):
    browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    cut_off_device(region.clinic_admin, device_id=device.pk)
    with pytest.raises(RuleViolation):
        cut_off_device(region.doctor, device_id=device.pk)
    with pytest.raises(RuleViolation):
        report_device_lost(region.nurse, device_id=device.pk)
    assert AuditEvent.objects.filter(action=AuditAction.DEVICE_CUT_OFF).count() == 1
