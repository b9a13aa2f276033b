"""A clock the rate-limit tests control: frozen at five seconds past the next full hour, so that
the minute and hour windows both start just before it and "after the window" is one shift."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from tests.support.region import sign_in

START_OFFSET = 5  # seconds into the windows


@pytest.fixture
def clock(region) -> Iterator[time_machine.Coordinates]:  # type: ignore[no-untyped-def]
    """Frozen after the region is built (its rows lie in the past of the frozen time)."""
    start = math.floor(time.time() / 3600 + 1) * 3600 + START_OFFSET
    with time_machine.travel(datetime.fromtimestamp(start, tz=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(clock):  # type: ignore[no-untyped-def]
    """``signed_in(member, ip=...)``: a client signed in as ``member`` that comes from ``ip``."""

    def make(member, ip: str = "127.0.0.1") -> Client:  # type: ignore[no-untyped-def]
        client = Client(REMOTE_ADDR=ip)
        sign_in(client, member)
        return client

    return make
