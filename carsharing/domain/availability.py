"""Free and busy intervals of one vehicle. Pure functions on (start, end) pairs.

Intervals are half-open ``[start, end)`` and may be any ordered type (datetimes in the app,
integers in tests). A busy interval is a reservation's occupied range (start to end + buffer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def merge(intervals: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """Sort and merge overlapping or touching intervals."""
    merged: list[tuple[T, T]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:  # type: ignore[operator]
            if end > merged[-1][1]:  # type: ignore[operator]
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def busy_within(busy: Iterable[tuple[T, T]], window_start: T, window_end: T) -> list[tuple[T, T]]:
    """The busy intervals clipped to the window, merged."""
    clipped = [
        (max(s, window_start), min(e, window_end))  # type: ignore[type-var,call-overload]
        for s, e in busy
        if s < window_end and e > window_start  # type: ignore[operator]
    ]
    return merge(clipped)


def free_within(busy: Iterable[tuple[T, T]], window_start: T, window_end: T) -> list[tuple[T, T]]:
    """The gaps between busy intervals inside the window."""
    free: list[tuple[T, T]] = []
    cursor = window_start
    for s, e in busy_within(busy, window_start, window_end):
        if s > cursor:  # type: ignore[operator]
            free.append((cursor, s))
        cursor = max(cursor, e)  # type: ignore[type-var,call-overload]
    if cursor < window_end:  # type: ignore[operator]
        free.append((cursor, window_end))
    return free


def overlaps(a_start: T, a_end: T, b_start: T, b_end: T) -> bool:
    """Whether half-open ``[a_start, a_end)`` and ``[b_start, b_end)`` share any instant."""
    return a_start < b_end and b_start < a_end  # type: ignore[operator]
