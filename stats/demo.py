"""Demo data for the statistics: a year of history across every app (``stats.demo_history``).

This app is listed after gtfs, rides and carsharing, so its loader runs after theirs: the
fleet, the Bürgerbus timetable and the sample rides exist, and the history is generated
around them (reservations, official trips, ride offers and bookings, Bürgerbus bookings and
the journey-search log). Deterministic for a given "today".
"""

from __future__ import annotations

from django.utils import timezone

from .demo_history import HISTORY_DAYS, history_generate


def load(files, stdout) -> None:
    summary = history_generate(today=timezone.localdate())
    stdout.write(
        f"    {HISTORY_DAYS} days of history: {summary.reservations} car-sharing reservations "
        f"({summary.official_trips} official trips), {summary.ride_offers} ride offers with "
        f"{summary.ride_bookings} bookings, {summary.ride_requests} ride requests, "
        f"{summary.buergerbus_bookings} Bürgerbus bookings, {summary.searches} journey searches"
    )
