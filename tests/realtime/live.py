"""Helpers for the live-space tests: signed-in connections through the whole ASGI application,
spaces built through the real actions, and reading what a connection was sent."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from renkei.accounts.models import Member
from renkei.asgi import application
from renkei.spaces import actions as space_actions
from renkei.spaces.models import Space, SpaceKind
from tests.realtime.conftest import LiveClient
from tests.support.approval import approve_pending
from tests.support.consent import record_consent
from tests.support.region import Region, sign_in

# How long a connection must stay silent to count as "received nothing". Delivery to a member
# takes a few milliseconds here; a quiet period far longer than that is a real absence.
QUIET = 0.6


async def connect(member: Member) -> LiveClient:
    """Sign ``member`` in and open their live connection; the greeting is consumed."""
    key = await sync_to_async(sign_in)(Client(), member)
    return await connect_with(key)


async def connect_with(session_key: str) -> LiveClient:
    client = LiveClient(
        application,
        "/ws/live/",
        headers=[
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()),
            (b"origin", b"http://127.0.0.1"),
        ],
    )
    connected, _ = await client.connect(timeout=5)
    assert connected
    assert await client.receive_json_from(timeout=5) == {"type": "hello"}
    return client


async def next_message(client: LiveClient, timeout: float = 5) -> dict[str, Any] | None:
    """The next message sent to the connection, or None after ``timeout`` seconds. (The
    communicator's own timeout would cancel the application: this one leaves it running.)"""
    try:
        response = await asyncio.wait_for(client.output_queue.get(), timeout)
    except TimeoutError:
        return None
    assert response["type"] == "websocket.send", response
    return json.loads(response["text"])  # type: ignore[no-any-return]


async def drain(client: LiveClient, quiet: float = QUIET) -> list[dict[str, Any]]:
    """Every message the connection is sent until it stays quiet for ``quiet`` seconds."""
    messages = []
    while (message := await next_message(client, quiet)) is not None:
        messages.append(message)
    return messages


async def until(client: LiveClient, kind: str, timeout: float = 5) -> dict[str, Any]:
    """The next message of type ``kind``, skipping others (such as notification counts)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (message := await next_message(client, max(0.01, deadline - loop.time()))) is not None:
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind!r} message within {timeout} s")


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == kind]


async def assert_silent(client: LiveClient) -> None:
    """Nothing arrives, and the connection still answers (it was not silent by being dead)."""
    assert await drain(client) == []
    await client.send_json_to({"type": "ping"})
    assert await client.receive_json_from(timeout=5) == {"type": "pong"}
    assert await drain(client) == []


def patient() -> space_actions.PatientInput:
    return space_actions.PatientInput(
        name="朝霞 花子",
        furigana="あさか はなこ",
        birth_date=date(1938, 5, 12),
        sex="female",
        address="埼玉県朝霞市本町1-2-3",
    )


def make_space(region: Region, kind: str, author: Member, reader: Member) -> Space:
    """A space of ``kind`` whose only active members are ``author`` and ``reader``."""
    if kind == SpaceKind.PATIENT_GROUP:
        facility = region.clinic
        space = space_actions.create_patient_group(
            author, facility_id=facility.pk, patient=patient()
        )
        record_consent(space, by=author)  # the patient signed form 4 (R3.2)
        space_actions.invite_to_patient_group(author, space_id=space.pk, member_ids=[reader.pk])
        approve_pending(space)  # a reader of another facility, approved by it (R2.10)
        return space
    if kind == SpaceKind.GROUP:
        space = space_actions.create_group(author, name="連携の会", member_ids=[reader.pk])
        approve_pending(space)
        return space
    space = space_actions.request_connection(author, member_id=reader.pk)
    space_actions.accept_connection(reader, space_id=space.pk)
    return space
