"""Per-client limits for the sign-in, registration and reset forms (same rate as the API's)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def _rate() -> tuple[int, int]:
    count, _, period = settings.AUTH_THROTTLE_RATE.partition("/")
    return int(count), _PERIODS[period]


def auth_attempt_allowed(request: HttpRequest, scope: str) -> bool:
    """Count one attempt for this client; False once it is over the rate in this period."""
    limit, period = _rate()
    window = int(time.time() // period)
    key = f"web-throttle:{scope}:{request.META.get('REMOTE_ADDR', '')}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return count <= limit
