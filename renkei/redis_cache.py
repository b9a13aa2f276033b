"""Django's Redis cache, with one connection pool per server for the whole process.

Django makes a cache object per request context (its cache handler is context-local under
ASGI), and each object's client opened its own pool, so every request that touched the cache
(each post: the rate limit) connected to Redis anew and ran the client's handshake: about a
twentieth of a post's server time on PostgreSQL + Redis. The pools are kept here instead, one
per server address and options; redis-py's pool is safe to share between threads.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[tuple[str, str], Any] = {}
_pools_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    """A client whose connection pools are the process's, not its own."""

    def _get_connection_pool(self, write: bool) -> Any:
        django_client: Any = self  # its attributes are private to Django, not in the stubs
        server = django_client._servers[django_client._get_connection_pool_index(write)]
        options = django_client._pool_options
        key = (server, repr(sorted(options.items(), key=lambda kv: kv[0])))
        with _pools_lock:
            pool = _pools.get(key)
            if pool is None:
                pool = _pools[key] = django_client._pool_class.from_url(server, **options)
        return pool


class SharedPoolRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` over the process's shared pools."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
