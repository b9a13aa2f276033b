"""A member's sign-in from a browser is tied to a registered device (R2.3)."""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.accounts.models import UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.devices.browser import COOKIE_NAME
from renkei.devices.models import Device, DeviceKind, DeviceState
from tests.devices.conftest import PC, PHONE, sign_in_page


@pytest.mark.rule("R2.3")
def test_first_sign_in_from_a_browser_registers_a_device(region, browser_of):
    client = browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    assert device.kind == DeviceKind.SMARTPHONE
    assert device.name == "Safari / iPhone"
    assert device.state == DeviceState.ACTIVE
    session = UserSession.objects.get(session_key=client.session.session_key)
    assert session.device == device
    cookie = client.cookies[COOKIE_NAME]
    assert cookie["httponly"]
    assert int(cookie["max-age"]) > 365 * 24 * 3600
    assert cookie["samesite"] == "Lax"
    assert cookie.value != device.browser_key  # signed, so a copied key alone is worth nothing
    event = AuditEvent.objects.get(action=AuditAction.DEVICE_REGISTERED)
    assert event.actor_id == region.nurse.pk
    assert event.object_id == str(device.pk)


@pytest.mark.rule("R2.3")
def test_signing_in_again_from_the_same_browser_reuses_its_device(region, browser_of):
    client = browser_of(region.nurse)
    client.post("/signout/")
    assert sign_in_page(client, region.nurse) == 302
    assert Device.objects.filter(member=region.nurse).count() == 1
    sessions = UserSession.objects.filter(member=region.nurse)
    assert sessions.count() == 2
    assert {s.device_id for s in sessions} == {Device.objects.get(member=region.nurse).pk}
    assert AuditEvent.objects.filter(action=AuditAction.DEVICE_REGISTERED).count() == 1


@pytest.mark.rule("R2.3")
def test_another_browser_is_another_device(region, browser_of):
    browser_of(region.nurse, PHONE)
    browser_of(region.nurse, PC)
    kinds = sorted(Device.objects.filter(member=region.nurse).values_list("kind", flat=True))
    assert kinds == [DeviceKind.PC, DeviceKind.SMARTPHONE]


@pytest.mark.rule("R2.3")
def test_two_members_on_one_browser_each_get_their_own_device(region, browser_of):
    client = browser_of(region.nurse)
    client.post("/signout/")
    assert sign_in_page(client, region.doctor) == 302
    nurse_device = Device.objects.get(member=region.nurse)
    doctor_device = Device.objects.get(member=region.doctor)
    assert nurse_device.browser_key == doctor_device.browser_key
    assert nurse_device.pk != doctor_device.pk


@pytest.mark.rule("R2.3")
def test_a_forged_device_cookie_is_ignored(region, browser_of):
    victim = browser_of(region.nurse)
    key = Device.objects.get(member=region.nurse).browser_key
    forger = Client(HTTP_USER_AGENT=PHONE)
    forger.cookies[COOKIE_NAME] = key  # the bare key, without a valid signature
    assert sign_in_page(forger, region.doctor) == 302
    assert Device.objects.get(member=region.doctor).browser_key != key
    assert victim.get("/").status_code == 200


def test_a_failed_sign_in_registers_no_device(region):
    client = Client(HTTP_USER_AGENT=PHONE)
    response = client.post("/signin/", {"login_id": "ns.sato", "password": "Wrong-pass-123"})
    assert response.status_code == 401
    assert not Device.objects.exists()
    assert COOKIE_NAME not in client.cookies


def test_last_seen_follows_the_session(region, browser_of):
    from datetime import timedelta

    from django.utils import timezone

    client = browser_of(region.nurse)
    device = Device.objects.get(member=region.nurse)
    earlier = timezone.now() - timedelta(minutes=5)
    Device.objects.filter(pk=device.pk).update(last_seen_at=earlier)
    UserSession.objects.filter(device=device).update(last_seen_at=earlier)
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.last_seen_at > earlier + timedelta(minutes=4)
