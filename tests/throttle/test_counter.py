"""The counters under concurrent use (R2.3): never more uses than the limit get through, in one
process's memory (the SQLite mode) and in Redis shared by several workers, each of which holds
its own connection as the threads here do."""

from __future__ import annotations

import dataclasses
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import translation

from renkei import throttle
from renkei.errors import Throttled
from renkei.policy.queries import current_policy

LIMIT = 37
USES = 16 * 6


def _race(member) -> int:  # type: ignore[no-untyped-def]
    policy = dataclasses.replace(
        current_policy(), posts_per_minute=LIMIT, posts_per_minute_address=10_000
    )

    def use(_: int) -> bool:
        try:
            throttle.hit("post", member=member, address="192.0.2.1", policy=policy)
        except Throttled:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        return sum(pool.map(use, range(USES)))


@pytest.mark.rule("R2.3")
def test_concurrent_uses_in_one_process_never_pass_the_limit(region, clock):
    assert _race(region.nurse) == LIMIT


@pytest.mark.redis
@pytest.mark.rule("R2.3")
def test_concurrent_uses_through_redis_never_pass_the_limit(region, clock, settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "renkei.redis_cache.SharedPoolRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    assert _race(region.nurse) == LIMIT


@pytest.mark.rule("R2.3")
def test_the_wait_is_told_in_seconds_then_in_minutes(region, clock):
    with translation.override("ja"):
        assert throttle.wait_text(1) == "1秒"
        assert throttle.wait_text(59) == "59秒"
        assert throttle.wait_text(60) == "1分"
        assert throttle.wait_text(61) == "2分"
