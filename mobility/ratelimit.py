"""The sliding-window counter of the API's rate limits (pure: no Django, no Redis).

Requests are counted per fixed window of ``duration`` seconds (one counter per window, one
round trip to the cache per request); the rate over the last ``duration`` seconds is estimated
by weighing the previous window's count with the part of it still inside the sliding window:

    estimate = previous × (1 − elapsed / duration) + current

where ``elapsed`` is how far the current window has run and ``current`` includes the request
being decided. A request is allowed while ``estimate ≤ limit``. This is the approximation
large API gateways use: at most ``limit`` requests get through in any window aligned to the
counters, and never more than twice that over an arbitrary ``duration`` span, instead of
DRF's exact list of timestamps, which costs a read and a write of the whole list per request.
"""

from __future__ import annotations

import math


def window_of(now: float, duration: int) -> tuple[int, float]:
    """The index of the fixed window ``now`` lies in, and the seconds since it began."""
    index = math.floor(now / duration)
    return index, now - index * duration


def estimate(previous: int, current: int, elapsed: float, duration: int) -> float:
    """Requests in the sliding window ending now (``current`` includes the one deciding)."""
    return previous * (1.0 - elapsed / duration) + current


def allowed(previous: int, current: int, elapsed: float, duration: int, limit: int) -> bool:
    return estimate(previous, current, elapsed, duration) <= limit


def wait_s(previous: int, current: int, elapsed: float, duration: int, limit: int) -> float:
    """Seconds until one more request would be allowed, with ``current`` the requests
    counted in this window so far (the refused one not included); to the millisecond, so that
    float noise (21.000000000000004) does not cost a whole second where it is rounded up."""
    return round(_wait_s(previous, current, elapsed, duration, limit), 3)


def _wait_s(previous: int, current: int, elapsed: float, duration: int, limit: int) -> float:
    if limit <= 0:
        return float(duration - elapsed)
    if current + 1 <= limit:
        # this window has room: wait until enough of the previous window has slid out
        if previous <= 0:
            return 0.0
        needed = duration * (1.0 - (limit - current - 1) / previous) - elapsed
        return max(0.0, needed)
    # the current window is full (current ≥ limit ≥ 1): the next one starts with this one as
    # its "previous", which must slide out until one more fits
    return (duration - elapsed) + duration * (1.0 - (limit - 1) / current)
