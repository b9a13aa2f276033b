"""Several server processes share a space's live events through Redis (issue 3, "Scale from
the start"): a member connected to a second worker process sees a post made in this one,
and a member of the region who is not in the space, connected to the same worker, does not.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from renkei.spaces.models import SpaceKind
from renkei.timeline.actions import acknowledge, post_message
from tests.realtime.live import make_space

# The second worker and the Redis layer of this process, shared with the deregistration test.
from tests.realtime.test_redis_workers import other_worker, redis_layer  # noqa: F401
from tests.support.region import build_region, sign_in

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _messages(ws: ClientConnection, kind: str, *, timeout: float) -> list[dict]:
    """The messages of type ``kind`` received until ``timeout`` seconds pass in silence."""
    found = []
    while True:
        try:
            message = json.loads(ws.recv(timeout=timeout))
        except TimeoutError:
            return found
        if message["type"] == kind:
            found.append(message)


def _first(ws: ClientConnection, kind: str, *, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == kind:
            return message  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind!r} message")


@pytest.mark.rule("R2.6")
def test_a_post_made_in_one_process_reaches_a_member_connected_to_another(
    redis_layer: None,  # noqa: F811
    other_worker: str,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    region = build_region()
    space = make_space(region, SpaceKind.PATIENT_GROUP, region.doctor, region.pharmacist)
    ws_base = other_worker.replace("http://", "ws://")
    stack = ExitStack()
    request.addfinalizer(stack.close)

    def open_live(member) -> ClientConnection:  # type: ignore[no-untyped-def]
        key = sign_in(Client(), member)
        ws = stack.enter_context(
            connect(
                f"{ws_base}/ws/live/",
                origin="http://127.0.0.1",  # type: ignore[arg-type]
                additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"},
                open_timeout=10,
            )
        )
        assert json.loads(ws.recv(timeout=10)) == {"type": "hello"}
        return ws

    member_ws = open_live(region.pharmacist)
    outsider_ws = open_live(region.nurse)
    # The pub/sub subscriptions of the other worker are asynchronous; let them settle.
    time.sleep(0.5)

    post = post_message(
        region.doctor, space_id=space.pk, body="退院は金曜日です", client_id="redis-0001"
    )
    message = _first(member_ws, "post")
    assert message["event"] == "created"
    assert message["space"] == str(space.public_id)
    assert message["post"]["id"] == str(post.public_id)
    assert message["post"]["body"] == "退院は金曜日です"

    # The other way round: the member's 了解 in this process reaches their own connection.
    acknowledge(region.pharmacist, post_id=post.pk)
    assert _first(member_ws, "ack")["ack_count"] == 1

    try:
        assert _messages(outsider_ws, "post", timeout=1.0) == []
        assert _messages(outsider_ws, "ack", timeout=0.1) == []
    except ConnectionClosed:  # pragma: no cover - the outsider's connection must stay open
        pytest.fail("the outsider's connection was closed")
    outsider_ws.send('{"type": "ping"}')
    assert json.loads(outsider_ws.recv(timeout=10)) == {"type": "pong"}
