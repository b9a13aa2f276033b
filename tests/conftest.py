"""Fixtures shared by the whole suite; see tests/support for the region and the SMTP server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from channels.layers import get_channel_layer
from django.test import Client

from tests.support.region import Region, build_region, sign_in
from tests.support.smtp import Mailbox, smtp_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(id): the rule of RULES.md that the test proves")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a rule marker that names no rule, so a typo cannot leave a rule untested, and let
    ``-k R1.2`` select the tests of a rule."""
    from renkei.rules import RULES

    for item in items:
        for marker in item.iter_markers("rule"):
            item.extra_keyword_matches.update(marker.args)

    unknown = sorted(
        {
            f"{item.nodeid}: {rule_id!r}"
            for item in items
            for marker in item.iter_markers("rule")
            for rule_id in marker.args
            if rule_id not in RULES
        }
    )
    if unknown:
        raise pytest.UsageError("unknown rule ids in markers:\n" + "\n".join(unknown))


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["tests.support.hashers.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache(settings) -> None:  # type: ignore[no-untyped-def]
    # Rate-limit counters live in the cache (renkei.throttle): each test starts with none, and
    # never shares them with another test or another test run on the same Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture(autouse=True)
def _own_erasure_ledger(settings, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    # A complete deletion appends to the deletion ledger (renkei.backups.ledger): each test
    # keeps its own, never the one of the installation in var/.
    settings.ERASURE_LEDGER = str(tmp_path_factory.mktemp("ledger") / "erasures.jsonl")


@pytest.fixture
def region(db: None) -> Region:
    """The fixed cast of a small region (see tests/support/region.py)."""
    return build_region()


@pytest.fixture
def live_region(transactional_db: None) -> Region:
    """The same region, committed: live connections and servers read it from other threads."""
    return build_region()


@pytest.fixture
async def layer() -> AsyncIterator[object]:
    """The channel layer, emptied after the test so that no event reaches the next one."""
    channel_layer = get_channel_layer()
    yield channel_layer
    await channel_layer.flush()


@pytest.fixture
def client_for(db: None):  # type: ignore[no-untyped-def]
    """``client_for(member)``: a test client signed in as ``member`` with an open session."""

    def make(member) -> Client:  # type: ignore[no-untyped-def]
        client = Client()
        sign_in(client, member)
        return client

    return make


@pytest.fixture
def smtp(settings) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    """Route the region's mail through a real SMTP server on loopback and collect it."""
    with smtp_server() as (mailbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield mailbox


@pytest.fixture
def redis_url() -> str:
    """The Redis server of the Redis suite; the test is skipped when none is configured."""
    url = os.environ.get("REDIS_TEST_URL", "")
    if not url:
        pytest.skip("REDIS_TEST_URL is not set (the Redis suite runs in CI)")
    return url
