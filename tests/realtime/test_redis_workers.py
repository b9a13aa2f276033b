"""Several server processes share live events through Redis (the region deployment).

A second worker process, started with ``REDIS_URL``, holds a member's live connection; this
process deregisters the member, and the event crosses Redis to close that connection (R1.2).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from renkei.facilities.actions import deregister_staff
from renkei.realtime.consumers import CLOSE_SIGNED_OUT
from tests.support.region import Region, build_region, sign_in

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis_layer(settings, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url]},
        }
    }


@pytest.fixture
def other_worker(redis_url: str, transactional_db: None) -> Iterator[str]:
    """A second server process on the same database and Redis; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "RENKEI_SECRET_KEY": settings.SECRET_KEY,
        "RENKEI_MASTER_KEY": settings.MASTER_KEY,
        "DJANGO_SETTINGS_MODULE": "renkei.settings",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "renkei.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            # the URL is our own loopback http server, never a user-given scheme
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, err = process.communicate(timeout=5)
                pytest.fail(f"the second worker did not start:\n{err.decode()[-2000:]}")
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.rule("R1.2")
def test_deregistration_in_one_worker_closes_a_live_connection_held_by_another(
    redis_layer: None, other_worker: str, request: pytest.FixtureRequest
) -> None:
    region: Region = build_region()
    nurse_key = sign_in(Client(), region.nurse)
    doctor_key = sign_in(Client(), region.doctor)
    ws_base = other_worker.replace("http://", "ws://")

    def open_live(key: str):  # type: ignore[no-untyped-def]
        ws = stack.enter_context(
            connect(
                f"{ws_base}/ws/live/",
                origin="http://127.0.0.1",  # type: ignore[arg-type]
                additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"},
                open_timeout=10,
            )
        )
        assert ws.recv(timeout=10) == '{"type": "hello"}'
        return ws

    stack = ExitStack()
    request.addfinalizer(stack.close)
    nurse_ws = open_live(nurse_key)
    doctor_ws = open_live(doctor_key)
    # The pub/sub subscription of the other worker is asynchronous; give it a moment to settle.
    time.sleep(0.5)

    deregister_staff(region.clinic_admin, facility_id=region.clinic.pk, member_id=region.nurse.pk)

    assert nurse_ws.recv(timeout=10) == '{"type": "session_ended", "reason": "deregistered"}'
    with pytest.raises(ConnectionClosed) as closed:
        nurse_ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == CLOSE_SIGNED_OUT
    # The colleague's connection on that worker stays open.
    doctor_ws.send('{"type": "ping"}')
    assert doctor_ws.recv(timeout=10) == '{"type": "pong"}'
