"""The device operations of the JSON API: the same actions and the same answers as the pages."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.devices.models import Device, DeviceState
from tests.devices.conftest import PC


def test_a_member_lists_their_own_devices(region, browser_of):
    nurse = browser_of(region.nurse)
    browser_of(region.nurse, PC)
    browser_of(region.doctor)
    body = nurse.get("/api/v1/me/devices").json()
    assert sorted(d["kind"] for d in body) == ["pc", "smartphone"]
    assert {d["owner"]["name"] for d in body} == {"佐藤 花子"}
    assert [d["current"] for d in body if d["kind"] == "smartphone"] == [True]
    assert "browser_key" not in body[0]


@pytest.mark.rule("R2.5")
def test_the_owner_reports_a_device_lost_through_the_api(region, browser_of):
    phone = browser_of(region.nurse)
    pc = browser_of(region.nurse, PC)
    device = Device.objects.get(member=region.nurse, kind="smartphone")
    response = pc.post(f"/api/v1/me/devices/{device.public_id}/lost")
    assert response.status_code == 200
    assert response.json()["state"] == "lost"
    assert phone.get("/api/v1/me").status_code == 401
    assert pc.get("/api/v1/me").status_code == 200
    again = pc.post(f"/api/v1/me/devices/{device.public_id}/lost")
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action=AuditAction.DEVICE_REPORTED_LOST).count() == 1


@pytest.mark.rule("R2.5")
def test_the_facility_admin_uses_the_registry(region, browser_of):
    nurse = browser_of(region.nurse)
    admin = browser_of(region.clinic_admin, PC)
    device = Device.objects.get(member=region.nurse)
    base = f"/api/v1/facilities/{region.clinic.public_id}/devices"
    listed = {d["public_id"]: d for d in admin.get(base).json()}
    assert listed[str(device.public_id)]["owner"]["name"] == "佐藤 花子"
    assert admin.post(f"{base}/{device.public_id}/lost").json()["state"] == "lost"
    assert nurse.get("/api/v1/me").status_code == 401
    assert admin.post(f"{base}/{device.public_id}/cut-off").json()["state"] == "cut_off"


@pytest.mark.rule("R2.5")
@pytest.mark.parametrize("who", ["nurse", "care_manager", "pharmacist", "secretariat"])
def test_others_get_404_from_the_registry(region, browser_of, who):
    browser_of(region.doctor)
    device = Device.objects.get(member=region.doctor)
    client = browser_of(getattr(region, who), PC)
    base = f"/api/v1/facilities/{region.clinic.public_id}/devices"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/{device.public_id}/lost").status_code == 404
    assert client.post(f"{base}/{device.public_id}/cut-off").status_code == 404
    assert client.post(f"/api/v1/me/devices/{device.public_id}/lost").status_code == 404
    device.refresh_from_db()
    assert device.state == DeviceState.ACTIVE
