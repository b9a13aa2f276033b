"""The device registry of a facility (its admins only) and each member's own devices."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.devices.models import Device
from tests.devices.conftest import PC


@pytest.mark.rule("R2.5")
def test_the_registry_lists_the_staffs_devices_for_admins(region, browser_of):
    browser_of(region.nurse)
    browser_of(region.pharmacist)
    admin = browser_of(region.clinic_admin, PC)
    page = admin.get(f"/facilities/{region.clinic.public_id}/devices/").content.decode()
    nurse_device = Device.objects.get(member=region.nurse)
    assert f'data-device="{nurse_device.public_id}"' in page
    assert "佐藤 花子" in page
    assert "Safari / iPhone" in page
    assert "スマートフォン" in page
    assert "伊藤 健" not in page  # staff of another facility
    detail = admin.get(f"/facilities/{region.clinic.public_id}/").content.decode()
    assert f"/facilities/{region.clinic.public_id}/devices/" in detail


@pytest.mark.rule("R2.5")
@pytest.mark.parametrize("who", ["nurse", "care_manager", "pharmacist", "secretariat"])
def test_the_registry_is_for_the_facilitys_admins_only(region, browser_of, who):
    client = browser_of(getattr(region, who), PC)
    assert client.get(f"/facilities/{region.clinic.public_id}/devices/").status_code == 404
    detail = client.get(f"/facilities/{region.clinic.public_id}/")
    assert f"/facilities/{region.clinic.public_id}/devices/" not in detail.content.decode()


def test_a_member_sees_only_their_own_devices(region, browser_of):
    nurse = browser_of(region.nurse)
    browser_of(region.doctor)
    page = nurse.get("/account/devices/").content.decode()
    own = Device.objects.get(member=region.nurse)
    other = Device.objects.get(member=region.doctor)
    assert f'data-device="{own.public_id}"' in page
    assert f'data-device="{other.public_id}"' not in page
    assert "この端末" in page
    assert "/account/devices/" in nurse.get("/").content.decode()


def test_the_owner_renames_a_device(region, browser_of):
    nurse = browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    nurse.post(f"/account/devices/{device.public_id}/rename/", {"name": "  仕事用 スマホ "})
    device.refresh_from_db()
    assert device.name == "仕事用 スマホ"
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_RENAMED)
    assert event.object_label == "仕事用 スマホ"


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_a_bad_name_changes_nothing(region, browser_of, name):
    nurse = browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    nurse.post(f"/account/devices/{device.public_id}/rename/", {"name": name})
    device.refresh_from_db()
    assert device.name == "Safari / iPhone"
    assert not AuditEvent.objects.filter(action=AuditAction.DEVICE_RENAMED).exists()


def test_nobody_renames_another_members_device(region, browser_of):
    browser_of(region.nurse)
    admin = browser_of(region.clinic_admin, PC)
    device = Device.objects.get(member=region.nurse)
    response = admin.post(f"/account/devices/{device.public_id}/rename/", {"name": "x"})
    assert response.status_code == 404
    device.refresh_from_db()
    assert device.name == "Safari / iPhone"
