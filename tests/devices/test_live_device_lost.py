"""A lost-device report closes the live connections of that device's sessions only (R2.5).

The connections go through the whole ASGI application (origin check, session cookie, consumer).
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from renkei.asgi import application
from renkei.devices.actions import cut_off_device, report_device_lost
from renkei.devices.models import Device
from renkei.realtime.consumers import CLOSE_SIGNED_OUT
from tests.devices.conftest import PC, PHONE, sign_in_page
from tests.realtime.conftest import LiveClient

# The consumer reads the database from another thread, so the data must really be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def _browser(member, user_agent: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """Sign in on the sign-in page; the session key and the device it is tied to."""
    client = Client(HTTP_USER_AGENT=user_agent)
    assert sign_in_page(client, member) == 302
    key = client.session.session_key
    assert key is not None
    device = Device.objects.get(member=member, kind="smartphone" if user_agent == PHONE else "pc")
    return key, device.pk


async def _connect(session_key: str) -> LiveClient:
    communicator = LiveClient(
        application,
        "/ws/live/",
        headers=[
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()),
            (b"origin", b"http://127.0.0.1"),
        ],
    )
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello"}
    return communicator


async def _assert_ended(communicator: LiveClient, reason: str) -> None:
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "session_ended",
        "reason": reason,
    }
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": CLOSE_SIGNED_OUT}


async def _assert_still_open(communicator: LiveClient) -> None:
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.rule("R2.5")
async def test_a_lost_report_closes_that_devices_live_connection_only(live_region, layer):
    region = live_region
    phone_key, phone_id = await sync_to_async(_browser)(region.nurse, PHONE)
    pc_key, _pc_id = await sync_to_async(_browser)(region.nurse, PC)
    doctor_key, _doctor_id = await sync_to_async(_browser)(region.doctor, PHONE)
    phone = await _connect(phone_key)
    pc = await _connect(pc_key)
    doctor = await _connect(doctor_key)
    await sync_to_async(report_device_lost)(region.clinic_admin, device_id=phone_id)
    await _assert_ended(phone, "device_lost")
    await _assert_still_open(pc)
    await _assert_still_open(doctor)


@pytest.mark.rule("R2.5")
async def test_cutting_off_closes_the_live_connection_and_it_cannot_reopen(live_region, layer):
    region = live_region
    phone_key, phone_id = await sync_to_async(_browser)(region.nurse, PHONE)
    phone = await _connect(phone_key)
    await sync_to_async(cut_off_device)(region.clinic_admin, device_id=phone_id)
    await _assert_ended(phone, "device_cut_off")
    again = LiveClient(
        application,
        "/ws/live/",
        headers=[
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={phone_key}".encode()),
            (b"origin", b"http://127.0.0.1"),
        ],
    )
    connected, code = await again.connect(timeout=5)
    assert not connected
    assert code == CLOSE_SIGNED_OUT
