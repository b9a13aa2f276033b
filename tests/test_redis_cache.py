"""Django's Redis cache over one connection pool per process (renkei/redis_cache.py): the cache
objects of different requests share the pool, so a request does not connect to Redis anew."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis

from renkei.redis_cache import SharedPoolRedisCache


def _cache(url: str, prefix: str) -> SharedPoolRedisCache:
    return SharedPoolRedisCache(url, {"KEY_PREFIX": prefix})


@pytest.mark.redis
def test_caches_of_different_requests_share_one_pool_and_its_connections(redis_url):
    prefix = f"test-{uuid.uuid4().hex}"
    first, second = _cache(redis_url, prefix), _cache(redis_url, prefix)
    first.set("k", "値", 30)
    assert second.get("k") == "値"
    pool = first._cache._get_connection_pool(True)
    assert second._cache._get_connection_pool(True) is pool
    assert second._cache._get_connection_pool(False) is pool  # one server: reads go there too

    # Twenty requests one after another, each with a cache object of its own, as under ASGI.
    first.set("n", 0, 30)

    def opened() -> int:
        return len(pool._available_connections) + len(pool._in_use_connections)

    before = opened()

    def request() -> None:
        _cache(redis_url, prefix).incr("n")

    for _ in range(20):
        t = threading.Thread(target=request)
        t.start()
        t.join(10)
    assert first.get("n") == 20
    assert opened() == before  # the pool's connection was used again each time
    first.delete_many(["k", "n"])


@pytest.mark.redis
def test_other_servers_or_options_get_pools_of_their_own(redis_url):
    base = redis.connection.parse_url(redis_url)
    other_db = f"redis://{base.get('host', '127.0.0.1')}:{base.get('port', 6379)}/15"
    a = _cache(redis_url, "a")._cache._get_connection_pool(True)
    b = _cache(other_db, "b")._cache._get_connection_pool(True)
    c = SharedPoolRedisCache(redis_url, {"OPTIONS": {"socket_timeout": 3}})._cache
    assert a is not b
    assert c._get_connection_pool(True) not in (a, b)
