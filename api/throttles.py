import contextlib

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from mobility import ratelimit


def _window_hit(cache, current_key: str, previous_key: str, timeout: int) -> tuple[int, int] | None:
    """(previous window's count, this window's count with this request), or None while the
    cache is unreachable. One round trip on the project's Redis cache; any other Django cache
    (the laptop's local memory) through its ``add``/``incr``/``get``."""
    if hasattr(cache, "window_hit"):
        return cache.window_hit(current_key, previous_key, timeout)
    cache.add(current_key, 0, timeout)
    try:
        current = cache.incr(current_key)
    except ValueError:  # evicted between add and incr
        cache.set(current_key, 1, timeout)
        current = 1
    return int(cache.get(previous_key, 0)), int(current)


def _window_unhit(cache, current_key: str, timeout: int) -> None:
    if hasattr(cache, "window_unhit"):
        cache.window_unhit(current_key, timeout)
        return
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
        cache.decr(current_key)


class SettingsRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is read from ``settings.<rate_setting>`` on every request, so it
    can be changed without touching class attributes (and in tests). Signed-in users are
    counted per account, anonymous clients per address."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view) -> bool:
        """Counted with ``mobility.ratelimit``'s sliding-window counter: one round trip to the
        cache per request (DRF's own throttle reads and writes a list of timestamps). While
        the cache is unreachable nothing is counted and every request is let through."""
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        index, elapsed = ratelimit.window_of(self.now, self.duration)
        current_key, previous_key = f"{self.key}:w{index}", f"{self.key}:w{index - 1}"
        timeout = 2 * self.duration + 1  # a counter is read as "previous" during the next window
        counted = _window_hit(self.cache, current_key, previous_key, timeout)
        if counted is None:
            return True
        previous, current = counted
        if ratelimit.allowed(previous, current, elapsed, self.duration, self.num_requests):
            return True
        _window_unhit(self.cache, current_key, timeout)
        self._refused = (previous, current - 1, elapsed)
        return False

    def wait(self) -> float | None:
        previous, current, elapsed = self._refused
        return ratelimit.wait_s(previous, current, elapsed, self.duration, self.num_requests)

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthRateThrottle(SettingsRateThrottle):
    """Login, registration, verification and reset attempts (``AUTH_THROTTLE_RATE``)."""

    scope = "auth"
    rate_setting = "AUTH_THROTTLE_RATE"


class SearchRateThrottle(SettingsRateThrottle):
    """Journey searches, which run the planner and the matcher (``SEARCH_THROTTLE_RATE``)."""

    scope = "search"
    rate_setting = "SEARCH_THROTTLE_RATE"


class BenchThrottle(SettingsRateThrottle):
    """Requests at a Mitfahrbank, which notify drivers (``RIDES_BENCH_THROTTLE_RATE``, default 10/hour)."""

    scope = "bench"

    def get_rate(self) -> str:
        from rides import conf

        return conf.bench_throttle_rate()
