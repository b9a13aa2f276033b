"""Reporting a device lost ends every session on it, and only on it (R2.5)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from renkei.accounts.models import EndReason, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.devices.actions import report_device_lost
from renkei.devices.models import Device, DeviceState
from renkei.errors import NotFound, RuleViolation
from tests.devices.conftest import PC, PHONE, sign_in_page
from tests.support.region import PASSWORD


def _devices(member) -> tuple[Device, Device]:  # type: ignore[no-untyped-def]
    phone = Device.objects.get(member=member, kind="smartphone")
    pc = Device.objects.get(member=member, kind="pc")
    return phone, pc


def _is_signed_out(client: Client) -> bool:
    page = client.get("/")
    api = client.get("/api/v1/me")
    return (
        page.status_code == 302
        and page["Location"].startswith("/signin/")
        and api.status_code == 401
    )


@pytest.mark.rule("R2.5")
def test_the_owner_reports_a_device_lost_from_another_device(
    region, browser_of, django_capture_on_commit_callbacks
):
    phone_client = browser_of(region.nurse, PHONE)
    pc_client = browser_of(region.nurse, PC)
    other_member = browser_of(region.doctor, PHONE)
    phone, pc = _devices(region.nurse)
    with django_capture_on_commit_callbacks(execute=True):
        response = pc_client.post(f"/account/devices/{phone.public_id}/lost/")
    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.state == DeviceState.LOST
    assert phone.reported_lost_by == region.nurse
    assert phone.reported_lost_at is not None
    # The phone's session is refused at once, pages and API alike ...
    assert _is_signed_out(phone_client)
    ended = UserSession.objects.get(device=phone)
    assert ended.end_reason == EndReason.DEVICE_LOST
    # ... and only the phone's: the member's PC and other members go on.
    assert pc_client.get("/").status_code == 200
    assert pc_client.get("/api/v1/me").status_code == 200
    assert other_member.get("/").status_code == 200
    pc.refresh_from_db()
    assert pc.state == DeviceState.ACTIVE
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_REPORTED_LOST)
    assert event.actor_id == region.nurse.pk
    assert event.object_id == str(phone.pk)
    assert event.facility_id == region.clinic.pk
    assert event.detail == {"owner_id": region.nurse.pk, "sessions_ended": 1}
    # The clinic's facility admins are told; nobody else.
    assert sorted(m.to[0] for m in mail.outbox) == ["adm.tanaka@example.jp", "dr.yamada@example.jp"]
    assert "佐藤 花子" in mail.outbox[0].subject
    assert f"/facilities/{region.clinic.public_id}/devices/" in mail.outbox[0].body


@pytest.mark.rule("R2.5")
def test_reporting_the_device_in_hand_signs_it_out(region, browser_of):
    client = browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    response = client.post(f"/account/devices/{device.public_id}/lost/")
    assert response.status_code == 302
    assert response["Location"] == "/signin/"
    assert _is_signed_out(client)


@pytest.mark.rule("R2.5")
def test_a_facility_admin_reports_a_staff_device_lost(region, browser_of):
    nurse = browser_of(region.nurse)
    admin = browser_of(region.clinic_admin, PC)
    device = Device.objects.get(member=region.nurse)
    url = f"/facilities/{region.clinic.public_id}/devices/{device.public_id}/lost/"
    response = admin.post(url)
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.state == DeviceState.LOST
    assert device.reported_lost_by == region.clinic_admin
    assert _is_signed_out(nurse)
    assert admin.get("/").status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_REPORTED_LOST)
    assert event.actor_id == region.clinic_admin.pk


@pytest.mark.rule("R2.5")
def test_an_admin_of_either_facility_may_report_a_shared_members_device(region, browser_of):
    browser_of(region.shared_nurse)
    device = Device.objects.get(member=region.shared_nurse)
    report_device_lost(region.visiting_nurse, device_id=device.pk)  # the station's admin
    device.refresh_from_db()
    assert device.state == DeviceState.LOST
    facilities = set(
        AuditEvent.objects.filter(action=AuditAction.DEVICE_REPORTED_LOST).values_list(
            "facility_id", flat=True
        )
    )
    assert facilities == {region.clinic.pk, region.station.pk}


@pytest.mark.rule("R2.5")
@pytest.mark.parametrize(
    "who", ["admin_of_another_facility", "care_manager", "pharmacist", "helper", "secretariat"]
)
def test_nobody_else_may_report_a_device_lost(region, browser_of, who):
    nurse = browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    actor = {
        "admin_of_another_facility": region.visiting_nurse,  # an admin, of another facility
        "care_manager": region.care_manager,  # same facility, not an admin
        "pharmacist": region.pharmacist,
        "helper": region.helper,
        "secretariat": region.secretariat,
    }[who]
    with pytest.raises(NotFound):
        report_device_lost(actor, device_id=device.pk)
    device.refresh_from_db()
    assert device.state == DeviceState.ACTIVE
    assert nurse.get("/").status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.DEVICE_REPORTED_LOST).exists()


@pytest.mark.rule("R2.5")
def test_the_pages_answer_404_to_others(region, browser_of):
    browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    care_manager = browser_of(region.care_manager, PC)
    pharmacist = browser_of(region.pharmacist, PC)
    # Another member cannot use the owner's page for a device that is not theirs ...
    assert care_manager.post(f"/account/devices/{device.public_id}/lost/").status_code == 404
    # ... nor the console of a facility they do not administer, nor of another facility.
    clinic_url = f"/facilities/{region.clinic.public_id}/devices/{device.public_id}/lost/"
    pharmacy_url = f"/facilities/{region.pharmacy.public_id}/devices/{device.public_id}/lost/"
    assert care_manager.post(clinic_url).status_code == 404
    assert pharmacist.post(clinic_url).status_code == 404
    assert pharmacist.post(pharmacy_url).status_code == 404
    device.refresh_from_db()
    assert device.state == DeviceState.ACTIVE


@pytest.mark.rule("R2.5")
def test_a_lost_device_cannot_sign_in_again(region, browser_of):
    client = browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    report_device_lost(region.nurse, device_id=device.pk)
    # Not as its owner ...
    assert sign_in_page(client, region.nurse) == 401
    # ... nor as anybody else on that browser.
    assert sign_in_page(client, region.doctor) == 401
    assert not UserSession.objects.filter(ended_at__isnull=True).exists()
    refused = AuditEvent.objects.filter(action=AuditAction.DEVICE_SIGN_IN_REFUSED)
    assert sorted(refused.values_list("actor_id", flat=True)) == sorted(
        [region.nurse.pk, region.doctor.pk]
    )
    page = client.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD}).content.decode()
    assert "この端末は紛失または利用停止として届け出られているため" in page
    # The member signs in from another browser as before.
    assert sign_in_page(Client(HTTP_USER_AGENT=PC), region.nurse) == 302


def test_a_device_is_reported_lost_once(region, browser_of):
    browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    report_device_lost(region.nurse, device_id=device.pk)
    with pytest.raises(RuleViolation):
        report_device_lost(region.clinic_admin, device_id=device.pk)
    device.refresh_from_db()
    assert device.reported_lost_by == region.nurse
    assert AuditEvent.objects.filter(action=AuditAction.DEVICE_REPORTED_LOST).count() == 1
