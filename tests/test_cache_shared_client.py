"""The Redis cache keeps one connection pool per process: under ASGI Django builds a cache
backend for every request (``caches`` is local to the request's context), and a client of
each backend's own opened a new Redis connection for every request (the throttle of every
journey search paid for it)."""

from __future__ import annotations

import pytest
from django.conf import settings

from mobility.cache import ResilientRedisCache

pytestmark = pytest.mark.redis

# options of these tests only, so that no other test shares their client
OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2.5}


def _created_connections(backend: ResilientRedisCache) -> int:
    pools = backend._cache._pools.values()
    return sum(pool._created_connections for pool in pools)


def test_backends_of_the_same_servers_share_one_client_and_its_connection():
    backends = [ResilientRedisCache(settings.REDIS_URL, {"OPTIONS": OPTIONS}) for _ in range(20)]
    for n, backend in enumerate(backends):
        backend.set(f"test-shared-client-{n}", n, 30)
        assert backend.get(f"test-shared-client-{n}") == n
    assert len({id(backend._cache) for backend in backends}) == 1
    assert _created_connections(backends[0]) == 1  # one after another: one connection, reused
    other = ResilientRedisCache(settings.REDIS_URL, {"OPTIONS": {**OPTIONS, "socket_timeout": 3}})
    assert other._cache is not backends[0]._cache  # other options: a client of its own
