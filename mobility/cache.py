"""A Redis cache that degrades instead of failing when Redis is down.

The cache holds only what can be recomputed (throttle counters, the matching index version,
generated files), so while Redis is unreachable every read is a miss and every write is
dropped, with one warning per outage in the log; requests that do not need Redis keep
working. After a failure Redis is left alone for ``RETRY_AFTER_S`` seconds, so an outage does
not add a connection attempt to every request.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 2.0
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, but one ``redis.Redis`` per connection pool and process instead
    of a new one per cache operation (building one costs about a millisecond of CPU: it
    fills its table of response callbacks). ``redis.Redis`` over a pool is thread-safe."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


_clients_lock = threading.Lock()
_clients: dict[tuple[tuple[str, ...], str], ReusedClientRedisCacheClient] = {}


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_until = 0.0
        self._lock = threading.Lock()

    @cached_property
    def _cache(self) -> ReusedClientRedisCacheClient:
        """One client, so one connection pool, per process for the same servers and options.
        Under ASGI Django builds a cache backend for every request (``caches`` is local to the
        request's context): a client of its own opened a new Redis connection per request,
        which cost more CPU than the request's cache operations themselves."""
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

    def raw_client(self) -> Any:
        """The process's shared ``redis.Redis`` (this cache's pool and socket timeouts) for
        commands the cache API lacks, such as lists. Keys are not prefixed and nothing
        degrades: the caller handles Redis errors."""
        return self._cache.get_client(write=True)

    def _call(self, name: str, fallback: Any, *args, **kwargs) -> Any:
        return self._guarded(lambda: getattr(super(ResilientRedisCache, self), name)(*args, **kwargs), fallback)

    def _guarded(self, operation: Any, fallback: Any) -> Any:
        """``operation()``, or ``fallback`` while Redis is down (see the module)."""
        if time.monotonic() < self._down_until:
            return fallback
        try:
            result = operation()
        except _UNAVAILABLE as exc:
            with self._lock:
                first = self._down_until == 0.0
                self._down_until = time.monotonic() + RETRY_AFTER_S
            if first:
                logger.warning("Redis cache unavailable, running without cache: %r", exc)
            return fallback
        if self._down_until:
            with self._lock:
                if self._down_until:
                    self._down_until = 0.0
                    logger.warning("Redis cache reachable again")
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", None, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)

    def window_hit(self, current_key: str, previous_key: str, timeout: int) -> tuple[int, int] | None:
        """Count one hit on ``current_key`` (expiring after ``timeout`` s) and read
        ``previous_key``, in one round trip; (previous, current) or None while Redis is down.
        The counters are plain Redis integers (``INCR``), like Django's own ``incr``."""

        def hit() -> tuple[int, int]:
            client = self._cache.get_client(current_key, write=True)
            current, previous = self.make_and_validate_key(current_key), self.make_and_validate_key(previous_key)
            pipe = client.pipeline(transaction=False)
            pipe.incr(current)
            pipe.expire(current, timeout)
            pipe.get(previous)
            counted, _, before = pipe.execute()
            return int(before or 0), int(counted)

        return self._guarded(hit, None)

    def window_unhit(self, current_key: str, timeout: int) -> None:
        """Take back one hit counted by ``window_hit`` (a refused request counts nothing); the
        expiry is set again, so a counter that expired meanwhile does not stay forever at -1."""

        def unhit() -> None:
            client = self._cache.get_client(current_key, write=True)
            key = self.make_and_validate_key(current_key)
            pipe = client.pipeline(transaction=False)
            pipe.decr(key)
            pipe.expire(key, timeout)
            pipe.execute()

        self._guarded(unhit, None)
