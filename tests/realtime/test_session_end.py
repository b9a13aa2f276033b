"""A live connection lives only as long as its session: ending the session closes it (R1.2).

The connections go through the whole ASGI application (origin check, session cookie, consumer).
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from renkei.accounts.actions import sign_out_everywhere
from renkei.asgi import application
from renkei.facilities.actions import deregister_staff
from renkei.realtime.consumers import CLOSE_SIGNED_OUT
from tests.realtime.conftest import LiveClient
from tests.support.region import sign_in

# The consumer reads the database from another thread, so the data must really be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def _session_key(member) -> str:  # type: ignore[no-untyped-def]
    return sign_in(Client(), member)


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


@pytest.mark.rule("R1.2")
async def test_deregistration_closes_the_members_live_connections(live_region, layer):
    region = live_region
    nurse_key = await sync_to_async(_session_key)(region.nurse)
    doctor_key = await sync_to_async(_session_key)(region.doctor)
    nurse = await _connect(nurse_key)
    doctor = await _connect(doctor_key)
    await sync_to_async(deregister_staff)(
        region.clinic_admin, facility_id=region.clinic.pk, member_id=region.nurse.pk
    )
    await _assert_ended(nurse, "deregistered")
    await _assert_still_open(doctor)


async def test_sign_out_everywhere_closes_every_device_of_the_member(live_region, layer):
    region = live_region
    keys = [await sync_to_async(_session_key)(region.nurse) for _ in range(2)]
    phone, tablet = [await _connect(key) for key in keys]
    other = await _connect(await sync_to_async(_session_key)(region.pharmacist))
    await sync_to_async(sign_out_everywhere)(region.nurse)
    await _assert_ended(phone, "everywhere")
    await _assert_ended(tablet, "everywhere")
    await _assert_still_open(other)


@pytest.mark.rule("R1.2")
async def test_an_ended_session_cannot_open_a_live_connection(live_region, layer):
    region = live_region
    key = await sync_to_async(_session_key)(region.nurse)
    await sync_to_async(deregister_staff)(
        region.clinic_admin, facility_id=region.clinic.pk, member_id=region.nurse.pk
    )
    await _refused(key)


def _signed_in_without_factor(member) -> str:  # type: ignore[no-untyped-def]
    """Sign in through the sign-in page as an admin who has no second factor yet: the session
    is held at enrolment (the policy's default requires one of admins)."""
    from renkei.twofactor.models import TotpAuthenticator
    from tests.support.region import PASSWORD

    TotpAuthenticator.objects.filter(member=member).delete()
    client = Client()
    answer = client.post("/signin/", {"login_id": member.login_id, "password": PASSWORD})
    assert answer.status_code == 302
    assert client.get("/")["Location"] == "/account/two-factor/"
    return client.session.session_key or ""


def _live(key: str) -> LiveClient:
    """A live connection of session ``key`` through the whole ASGI application, not yet open."""
    return LiveClient(
        application,
        "/ws/live/",
        headers=[
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()),
            (b"origin", b"http://127.0.0.1"),
        ],
    )


async def _refused(key: str) -> None:
    """The session ``key`` cannot open a live connection: it is closed as signed out."""
    communicator = _live(key)
    connected, code = await communicator.connect(timeout=5)
    assert not connected
    assert code == CLOSE_SIGNED_OUT


@pytest.mark.rule("R2.3")
async def test_a_session_held_at_second_factor_enrolment_opens_no_live_connection(
    live_region, layer
):
    key = await sync_to_async(_signed_in_without_factor)(live_region.clinic_admin)
    await _refused(key)
    # The same kind of session of a member the policy does not hold opens one.
    member_key = await sync_to_async(_session_key)(live_region.nurse)
    communicator = _live(member_key)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    await communicator.disconnect()
