"""The Rufbus in the one search: the hook ``journeys.one_search`` calls (a read, no writes).

When origin and destination lie in one Rufbus zone during its service window, the option is
the ride alone, door to door. When only the origin does, the option is the ride to a stop in
the zone nearer the destination, then the bus (``one_search.transit_options`` from there).
Times are the exact insertion into the run as it stands now (``ondemand.domain.insertion``),
so a shown option can be booked unless someone else books first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gtfs.models import Stop
from gtfs.selectors import haversine_m
from mobility.errors import DomainError
from mobility.timestamps import iso_local

from . import conf, selectors, services
from .domain.insertion import Request, best_insertion

#: Pickup windows start on this grid (minutes).
GRID_MIN = 5
#: From the Rufbus to the bus at a transfer stop.
TRANSFER_MARGIN = timedelta(minutes=3)
#: Transfer stops tried for "Rufbus, then the bus".
MAX_TRANSFER_STOPS = 2


@dataclass(frozen=True)
class Quote:
    """A feasible Rufbus ride now: the window promised and the planned times (aware)."""

    window: selectors.ZoneWindow
    pickup: tuple[float, float]
    dropoff: tuple[float, float]
    earliest_pickup: datetime
    latest_pickup: datetime
    pickup_at: datetime
    dropoff_at: datetime
    deadline: datetime


def _grid_ceil(moment: datetime) -> datetime:
    moment = timezone.localtime(moment).replace(second=0, microsecond=0)
    return moment + timedelta(minutes=(-moment.minute) % GRID_MIN)


def ondemand_quote(
    *, pickup: tuple[float, float], dropoff: tuple[float, float], earliest: datetime, seats: int = 1, now=None
) -> Quote | None:
    """The first Rufbus ride from ``earliest`` on (pickup windows on a 5-minute grid) that can
    still be booked and fits into the run, or ``None``."""
    now = now or timezone.now()
    candidates = services.windows_for(services.Place(*pickup), services.Place(*dropoff), earliest)
    if not candidates:
        return None
    try:
        graph = services.road_graph()
    except DomainError:
        return None
    times = services.TravelTimes(graph)
    window_s = conf.pickup_window_s()
    for window, a, b in candidates:
        if window.flex_stop_time.trip.capacity < seats:
            continue
        start = _grid_ceil(max(earliest, window.opens_at, now))
        rule = window.booking_rule
        if rule is not None and rule.booking_type == 1 and rule.prior_notice_duration_min:
            start = max(start, _grid_ceil(now + timedelta(minutes=rule.prior_notice_duration_min)))
        if start + timedelta(seconds=window_s) > window.closes_at:
            continue
        deadline = services.booking_deadline_for(window, start)
        if now > deadline:
            continue
        try:
            run = services.domain_run_for_window(window, graph)
            p = services.snap(graph, a.lat, a.lon, "pickup")
            q = services.snap(graph, b.lat, b.lon, "dropoff")
        except DomainError:
            continue
        direct = times(p, q)
        if not math.isfinite(direct):
            continue
        request = Request(
            key="quote",
            pickup_node=p,
            dropoff_node=q,
            earliest_pickup_s=start.timestamp(),
            latest_pickup_s=start.timestamp() + window_s,
            max_ride_s=round(conf.ride_factor() * direct + conf.ride_slack_s()),
            seats=seats,
        )
        found = best_insertion([run], request, times, lower_bound=times.lower_bound)
        if found is None:
            continue
        return Quote(
            window=window,
            pickup=(a.lat, a.lon),
            dropoff=(b.lat, b.lon),
            earliest_pickup=start,
            latest_pickup=start + timedelta(seconds=window_s),
            pickup_at=services._at(found.pickup_s),
            dropoff_at=services._at(found.dropoff_s),
            deadline=deadline,
        )
    return None


def _hhmm(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _note(quote: Quote, *, door: bool) -> str:
    values = {
        "start": _hhmm(quote.earliest_pickup),
        "end": _hhmm(quote.latest_pickup),
        "deadline": _hhmm(quote.deadline),
    }
    if door:
        return _("On-demand bus, pickup %(start)s–%(end)s at your door, book by %(deadline)s") % values
    return _("On-demand bus, pickup %(start)s–%(end)s at the stop, book by %(deadline)s") % values


def _leg(quote: Quote, origin, to: dict[str, Any]) -> dict[str, Any]:
    rule = quote.window.booking_rule
    return {
        "mode": "ondemand",
        "from": {"name": origin.name, "lat": quote.pickup[0], "lon": quote.pickup[1]},
        "to": to,
        "departure": iso_local(quote.pickup_at),
        "arrival": iso_local(quote.dropoff_at),
        "zone": quote.window.zone.name or quote.window.zone.location_id,
        "line": quote.window.flex_stop_time.trip.route.short_name,
        "pickup_window_from": iso_local(quote.earliest_pickup),
        "pickup_window_to": iso_local(quote.latest_pickup),
        "booking_deadline": iso_local(quote.deadline),
        "booking_message": rule.message if rule else "",
        "booking_phone": rule.phone_number if rule else "",
    }


def _booking_step(quote: Quote, seats: int):
    from journeys.one_search import BookingStep

    return BookingStep(
        what=_("Book the on-demand bus ride"),
        action="ondemand-booking-list",
        body={
            "pickup": {"lat": quote.pickup[0], "lon": quote.pickup[1]},
            "dropoff": {"lat": quote.dropoff[0], "lon": quote.dropoff[1]},
            "earliest_pickup": iso_local(quote.earliest_pickup),
            "seats": seats,
        },
    )


def ondemand_options(query, transit_options=None) -> list:
    """The hook for ``journeys.one_search``: Rufbus options for a ``SearchQuery`` (departures
    only). ``transit_options`` is the search's transit planner, for "Rufbus, then the bus"."""
    from journeys.one_search import Option, Point

    if query.depart_at is None:
        return []
    origin, destination = query.origin, query.destination
    options = []
    quote = ondemand_quote(
        pickup=(origin.lat, origin.lon),
        dropoff=(destination.lat, destination.lon),
        earliest=query.depart_at,
        seats=query.seats,
    )
    if quote is not None:
        to_door = {"name": destination.name, "lat": quote.dropoff[0], "lon": quote.dropoff[1]}
        options.append(
            Option(
                kind="ondemand",
                departure=quote.pickup_at,
                arrival=quote.dropoff_at,
                transfers=0,
                walk_m=0.0,
                legs=[_leg(quote, origin, to_door)],
                book=[_booking_step(quote, query.seats)],
                notes=[_note(quote, door=True)],
            )
        )
        return options
    if transit_options is None:
        return options
    for window in selectors.zone_windows(day=timezone.localdate(query.depart_at), lat=origin.lat, lon=origin.lon):
        if window.zone.kind != window.zone.Kind.AREA:
            continue
        stops = list(
            Stop.objects.filter(version_id=window.zone.version_id, stop_id__in=window.zone.stop_ids, lat__isnull=False)
        )
        here = haversine_m(origin.lat, origin.lon, destination.lat, destination.lon)
        stops = [s for s in stops if haversine_m(s.lat, s.lon, destination.lat, destination.lon) < here]
        stops.sort(key=lambda s: haversine_m(s.lat, s.lon, destination.lat, destination.lon))
        for stop in stops[:MAX_TRANSFER_STOPS]:
            quote = ondemand_quote(
                pickup=(origin.lat, origin.lon),
                dropoff=(stop.lat, stop.lon),
                earliest=query.depart_at,
                seats=query.seats,
            )
            if quote is None:
                continue
            stop_point = Point(stop.lat, stop.lon, stop.name)
            onward = transit_options(
                replace(query, origin=stop_point, depart_at=quote.dropoff_at + TRANSFER_MARGIN, window_min=0)
            )
            if not onward:
                continue
            bus = min(onward, key=lambda o: (o.arrival, o.transfers))
            leg = _leg(quote, origin, {"name": stop.name, "lat": stop.lat, "lon": stop.lon, "stop": None})
            options.append(
                Option(
                    kind="ondemand+transit",
                    departure=quote.pickup_at,
                    arrival=bus.arrival,
                    transfers=1 + bus.transfers,
                    walk_m=bus.walk_m,
                    legs=[leg, *bus.legs],
                    book=[_booking_step(quote, query.seats), *bus.book],
                    price_cents=bus.price_cents,
                    notes=[_note(quote, door=True), *bus.notes],
                )
            )
            break
    return options
