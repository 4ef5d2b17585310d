"""One search over buses, the Bürgerbus, ride-sharing and car-sharing.

``journeys_search`` answers "I am here, I need to be there (by …); how?" with one ranked
list of options: transit journeys over every active feed (Bürgerbus legs marked, with free
seats and the booking deadline where the line needs booking), ride-sharing offers that
match, combinations (a carpool to a bus stop, then the bus), and free car-sharing vehicles
nearby with a price quote. Every option says its legs, times, walking, price where known and
the requests that book it. Each kind is capped separately before the merge, so carpools can
never crowd transit out of the answer.

Units: times are aware datetimes (Europe/Berlin in the output), distances in metres,
prices in euro cents, ``score`` in "equivalent minutes" (lower is better).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gtfs.domain.booking import Occupancy, booking_deadline, max_load
from gtfs.models import BuergerbusBooking, Trip
from gtfs.selectors import active_versions, booking_rule_spec
from mobility.errors import DomainError, ValidationFailed
from mobility.geo import haversine_m

from .domain.raptor import Journey, Place, TransitLeg, WalkLeg, earliest_arrival, latest_departure, range_query
from .timetable_store import (
    SearchRows,
    from_service_time,
    local_tz,
    search_rows,
    timetable_for,
    to_service_time,
    version_tz,
)

logger = logging.getLogger(__name__)

MODES = frozenset({"transit", "ride", "carsharing", "ondemand"})
# Caps per kind before merging (transit is never crowded out by the others).
CAP = {"transit": 5, "ride": 5, "ride+transit": 3, "carsharing": 3, "ondemand": 2, "ondemand+transit": 2}
TRANSFER_PENALTY_MIN = 5.0
WALK_PENALTY_MIN_PER_KM = 6.0  # on top of the walking time itself
MINUTES_PER_EURO = 6.0  # a value of time of 10 € per hour
RIDE_TO_BUS_MARGIN = timedelta(minutes=3)  # from the car to the bus
CAR_SPEED_KMH = 50.0  # only without a road graph: straight line × detour factor at this speed
ROAD_DETOUR = 1.3
ROUTE_TYPES = {0: "tram", 1: "subway", 2: "rail", 3: "bus", 4: "ferry", 7: "funicular", 11: "trolleybus"}


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    name: str = ""


@dataclass(frozen=True)
class SearchQuery:
    """``depart_at`` or ``arrive_by`` (aware), walking limit, transfers, seats, modes."""

    origin: Point
    destination: Point
    depart_at: datetime | None = None
    arrive_by: datetime | None = None
    max_walk_m: float = 1000.0
    max_transfers: int = 4
    seats: int = 1
    modes: frozenset[str] = MODES
    rental_hours: float = 2.0
    pickup_mode: str = "door"
    window_min: int = 0  # > 0 with depart_at: every good transit departure in this many minutes
    max_duration_min: int = 360  # transit journeys longer than this are left out (and counted)
    women_drivers_only: bool = False  # carpools only with drivers who declare themselves women

    @property
    def moment(self) -> datetime:
        return self.depart_at or self.arrive_by  # type: ignore[return-value]


@dataclass(frozen=True)
class BookingStep:
    """One request that books (part of) an option. ``action`` is the API operation's URL
    name; the API layer turns it into a path. ``path_id_from_step`` (1-based): the path's
    ``{id}`` is the id that step answered; ``body_ids_from_steps`` fills body fields the same way."""

    what: str
    action: str
    body: dict[str, Any] | None  # None: the request has no body
    method: str = "POST"
    path_id_from_step: int | None = None
    body_ids_from_steps: dict[str, int] = field(default_factory=dict)


@dataclass
class Option:
    kind: str
    departure: datetime
    arrival: datetime
    transfers: int
    walk_m: float
    legs: list[dict[str, Any]]
    book: list[BookingStep] = field(default_factory=list)
    price_cents: int | None = None
    notes: list[str] = field(default_factory=list)
    score: float = 0.0

    @property
    def duration_min(self) -> int:
        return round((self.arrival - self.departure).total_seconds() / 60)


@dataclass
class Suggestion:
    kind: str  # later_transit | earlier_transit | sign_in | post_ride_request
    message: str
    option: Option | None = None
    book: BookingStep | None = None


@dataclass
class SearchResult:
    query: SearchQuery
    options: list[Option]
    suggestions: list[Suggestion]
    limits: dict[str, Any] = field(default_factory=dict)  # see _limits

    @property
    def nothing_found(self) -> bool:
        return not self.options


def _iso(moment: datetime) -> str:
    """Local time with its offset (the API's one convention), to the whole second."""
    local = moment.astimezone(local_tz())
    if local.microsecond >= 500_000:
        local += timedelta(seconds=1)
    return local.replace(microsecond=0).isoformat()


def _walk_seconds(metres: float) -> float:
    from . import conf

    return metres / conf.JOURNEYS_WALK_SPEED_MPS


def _score(option: Option, query: SearchQuery) -> float:
    if query.depart_at is not None:
        base = (option.arrival - query.depart_at).total_seconds() / 60
    else:
        base = (query.arrive_by - option.departure).total_seconds() / 60  # type: ignore[operator]
    price = (option.price_cents or 0) / 100 * MINUTES_PER_EURO
    return base + option.transfers * TRANSFER_PENALTY_MIN + option.walk_m / 1000 * WALK_PENALTY_MIN_PER_KM + price


# --- Transit ----------------------------------------------------------------------------------


class _TransitContext:
    """What the legs of several journeys of one service day need besides the timetable: the
    trips' rows (cached per active version, ``timetable_store.search_rows``) and, for Bürgerbus
    trips only, their capacity and confirmed bookings (read live: two queries for every
    journey's trips together)."""

    def __init__(self, tt, day: date, seats: int, rows: SearchRows) -> None:
        self.tt = tt
        # plain arrays over the timetable's memory-mapped ones: one element at a time, a
        # memmap answers through its subclass machinery, several times slower
        self._lat, self._lon = np.asarray(tt.stop_lat), np.asarray(tt.stop_lon)
        self.day = day
        self.seats = seats
        self.rows = rows  # of the same active versions as ``tt``
        self._booked: dict[tuple[int, date], list[Occupancy]] = {}
        self._capacity: dict[int, int] = {}

    def load(self, journeys: list[Journey]) -> None:
        wanted: set[tuple[int, date]] = set()
        for journey in journeys:
            for leg in journey.legs:
                if isinstance(leg, TransitLeg):
                    trip = self.rows.trips[int(leg.trip_id)]
                    if self.rows.is_buergerbus(trip):
                        wanted.add((trip.pk, self.day + timedelta(days=leg.service_day_offset)))
        wanted -= set(self._booked)
        if not wanted:
            return
        for pair in wanted:
            self._booked[pair] = []
        # seats are sold live: the capacity is read with the bookings, not from the cache
        self._capacity.update(Trip.objects.filter(pk__in={trip for trip, _ in wanted}).values_list("pk", "capacity"))
        found = BuergerbusBooking.objects.filter(
            trip_id__in={trip for trip, _ in wanted},
            service_date__in={day for _, day in wanted},
            status=BuergerbusBooking.Status.CONFIRMED,
        ).values_list("trip_id", "service_date", "from_sequence", "to_sequence", "seats")
        for trip_id, service_date, a, b, n in found:
            if (trip_id, service_date) in self._booked:
                self._booked[(trip_id, service_date)].append(Occupancy(a, b, n))

    def _place(self, index: int) -> dict[str, Any]:
        return {
            "name": self.tt.stop_names[index],
            "lat": float(self._lat[index]),
            "lon": float(self._lon[index]),
            "stop": int(self.tt.stop_ids[index]),
        }

    def stop(self, index: int | None, fallback: Point) -> dict[str, Any]:
        if index is None:
            return {"name": fallback.name or "", "lat": fallback.lat, "lon": fallback.lon, "stop": None}
        return self._place(index)

    def transit_leg(self, leg: TransitLeg) -> tuple[dict[str, Any], BookingStep | None, list[str]]:
        trip = self.rows.trips[int(leg.trip_id)]
        board, alight = self._place(leg.board_stop), self._place(leg.alight_stop)
        service_day = self.day + timedelta(days=leg.service_day_offset)
        departure = from_service_time(self.day, leg.depart)
        out: dict[str, Any] = {
            "mode": ROUTE_TYPES.get(trip.route_type, "bus"),
            "line": trip.line,
            "headsign": trip.headsign,
            "trip": trip.pk,
            "service_date": service_day.isoformat(),
            "from": board,
            "to": alight,
            "departure": _iso(departure),
            "arrival": _iso(from_service_time(self.day, leg.arrive)),
            "buergerbus": self.rows.is_buergerbus(trip),
            "booking_required": False,
        }
        notes: list[str] = []
        if not out["buergerbus"]:
            return out, None, notes
        board_call = self.rows.calls.get((trip.pk, board["stop"]))
        alight_call = self.rows.calls.get((trip.pk, alight["stop"]))
        needs_booking = trip.booking_rule_id is not None or (board_call is not None and board_call[1] == 2)
        out["booking_required"] = needs_booking
        if (trip.pk, service_day) not in self._booked:
            self.load([Journey(0, 0, 0, 1, 0.0, (leg,))])  # a leg not seen by ``load`` (not expected)
        booked = self._booked[(trip.pk, service_day)]
        capacity = self._capacity.get(trip.pk, trip.capacity)
        if board_call is not None and alight_call is not None:
            free = max(capacity - max_load(booked, board_call[0], alight_call[0]), 0)
        else:
            free = capacity
        out["free_seats"] = free
        rule = None if trip.booking_rule_id is None else self.rows.booking_rules.get(trip.booking_rule_id)
        deadline = booking_deadline(
            booking_rule_spec(rule),
            departure=departure,
            service_date=service_day,
            tz=version_tz(self.rows.active, trip.version_id),  # a deadline counts in the feed's zone
        )
        out["booking_deadline"] = _iso(deadline)
        too_late = timezone.now() > deadline
        out["bookable"] = free >= self.seats and not too_late
        out["runs_anyway"] = False
        if rule is not None:
            out["booking_message"] = rule.message
            out["booking_phone"] = rule.phone_number
        if too_late and needs_booking:
            if not booked:
                raise _TripDoesNotRun  # runs only when booked, nobody booked, too late to book
            out["runs_anyway"] = True  # others booked it: it runs, but this seat can no longer be booked
            notes.append(_("The booking deadline has passed; the trip runs because others booked it."))
        elif too_late:
            notes.append(_("The booking deadline has passed; the bus runs to the timetable."))
        elif free < self.seats:
            notes.append(_("The Bürgerbus is full on this trip."))
        if not out["bookable"]:
            return out, None, notes
        book = BookingStep(
            what=_("Seat on Bürgerbus %(line)s") % {"line": out["line"]},
            action="buergerbus-booking-list",
            body={
                "trip": trip.pk,
                "date": service_day.isoformat(),
                "from_stop": board["stop"],
                "to_stop": alight["stop"],
                "seats": self.seats,
            },
        )
        return out, book, notes


class _TripDoesNotRun(Exception):
    """A journey's on-demand Bürgerbus trip will not run: nobody booked it in time."""


def _transit_option(journey: Journey, ctx: _TransitContext, query: SearchQuery, origin: Point) -> Option | None:
    """The option for ``journey``; None when one of its trips will not run (on demand, unbooked)."""
    legs: list[dict[str, Any]] = []
    book: list[BookingStep] = []
    notes: list[str] = []
    for leg in journey.legs:
        if isinstance(leg, WalkLeg):
            if round(leg.walk_m) == 0:
                continue  # already there: no walk to show
            legs.append(
                {
                    "mode": "walk",
                    "from": ctx.stop(leg.from_stop, origin),
                    "to": ctx.stop(leg.to_stop, query.destination),
                    "departure": _iso(from_service_time(ctx.day, leg.depart)),
                    "arrival": _iso(from_service_time(ctx.day, leg.arrive)),
                    "distance_m": round(leg.walk_m),
                }
            )
        else:
            try:
                out, booking, leg_notes = ctx.transit_leg(leg)
            except _TripDoesNotRun:
                return None
            legs.append(out)
            notes.extend(leg_notes)
            if booking is not None and out["booking_required"]:
                book.append(booking)
    if not any(leg["mode"] != "walk" for leg in legs):
        notes.append("Walking is quicker than any bus.")
    return Option(
        kind="transit",
        departure=from_service_time(ctx.day, journey.departure),
        arrival=from_service_time(ctx.day, journey.arrival),
        transfers=journey.transfers,
        walk_m=journey.walk_m,
        legs=legs,
        book=book,
        notes=notes,
    )


def _walked_place(tt, point: Point, max_walk_m: float, *, outgoing: bool) -> Place:
    """The query point with its walks to (``outgoing``) or from the stops in reach measured on
    the walking graph; a plain point (straight line × detour) when there is none."""
    from . import roads

    stops, _ = tt.stops_near(point.lat, point.lon, max_walk_m * tt.config.detour_factor)  # a superset
    place = Place.at(point.lat, point.lon)
    if not len(stops):
        return place
    metres = roads.walks_to_points(
        point.lat, point.lon, tt.stop_lat[stops], tt.stop_lon[stops], max_walk_m, outgoing=outgoing
    )
    if metres is None:
        return place
    walks = tuple((int(s), float(m)) for s, m in zip(stops.tolist(), metres.tolist(), strict=True) if m <= max_walk_m)
    return replace(place, walks=walks)


def _direct_road_walk(a: Point, b: Point, max_walk_m: float) -> float | None:
    """Walking metres between two points on the walking graph (``inf`` beyond the limit;
    ``None``: no walking graph, estimate as before)."""
    from . import roads

    if haversine_m(a.lat, a.lon, b.lat, b.lon) > max_walk_m:
        return math.inf
    walked = roads.walk(a.lat, a.lon, b.lat, b.lon)
    return None if walked is None else walked.metres


def _plan_transit(
    query: SearchQuery,
    origin: Place,
    origin_point: Point,
    moment: datetime,
    *,
    arrive_by: bool,
    max_walk_m: float,
    cut: dict[str, int] | None = None,
    road_walks: bool = True,
) -> tuple[list[Journey], _TransitContext | None]:
    """Transit journeys for the query; those taking longer than ``query.max_duration_min``
    (from the asked departure time to the arrival, or from the departure to the asked arrival
    time) are dropped and counted in ``cut["transit"]``. The search itself is not pruned, so a
    slow journey with fewer transfers is seen and reported rather than silently missing."""
    day, seconds = to_service_time(moment)
    active = active_versions()  # one reading for the timetable and its trips' rows
    tt = timetable_for(day, active=active)
    if tt is None:
        return [], None
    destination = Place.at(query.destination.lat, query.destination.lon)
    if road_walks:
        destination = _walked_place(tt, query.destination, max_walk_m, outgoing=False)
    if road_walks and not origin.is_stop:
        origin = _walked_place(tt, origin_point, max_walk_m, outgoing=True)
        direct = _direct_road_walk(origin_point, query.destination, max_walk_m)
        if direct is not None:
            origin = replace(origin, direct_walk_m=direct)
            destination = replace(destination, direct_walk_m=direct)
    ranged = query.window_min > 0 and not arrive_by and not origin.is_stop
    if ranged:
        journeys = range_query(
            tt,
            origin,
            destination,
            seconds,
            seconds + query.window_min * 60,
            max_transfers=query.max_transfers,
            max_walk_m=max_walk_m,
        )
    else:
        planner = latest_departure if arrive_by else earliest_arrival
        journeys = planner(
            tt,
            origin,
            destination,
            seconds,
            max_transfers=query.max_transfers,
            max_walk_m=max_walk_m,
        )
    longest_s = query.max_duration_min * 60

    def duration_s(journey: Journey) -> int:
        # from the asked time (waiting included) to the arrival, or from the departure to the
        # asked arrival; in a window of departures from each journey's own departure
        if ranged:
            return journey.arrival - journey.departure
        return seconds - journey.departure if arrive_by else journey.arrival - seconds

    kept = [journey for journey in journeys if duration_s(journey) <= longest_s]
    if cut is not None and len(kept) < len(journeys):
        cut["transit"] = cut.get("transit", 0) + len(journeys) - len(kept)
    journeys = kept
    ctx = _TransitContext(tt, day, query.seats, search_rows(active))
    ctx.load(journeys)
    return journeys, ctx


def transit_options(query: SearchQuery, cut: dict[str, int] | None = None) -> list[Option]:
    origin = Place.at(query.origin.lat, query.origin.lon)
    journeys, ctx = _plan_transit(
        query,
        origin,
        query.origin,
        query.moment,
        arrive_by=query.arrive_by is not None,
        max_walk_m=query.max_walk_m,
        cut=cut,
    )
    if ctx is None:
        return []
    options = [_transit_option(j, ctx, query, query.origin) for j in journeys]
    return [option for option in options if option is not None]


# --- Ride-sharing -------------------------------------------------------------------------------


def _ride_matches(query: SearchQuery, user, origin: Point, destination: Point, earliest: datetime, latest: datetime):
    from rides.matching_index import active_graph_model
    from rides.models import RideRequest
    from rides.selectors import request_matches

    if user is None or not user.is_authenticated:
        return []  # carpool offers are shown to signed-in residents only
    try:
        graph = active_graph_model()
    except DomainError:
        return []
    request = RideRequest(
        rider=user,
        graph=graph,
        origin_lat=origin.lat,
        origin_lon=origin.lon,
        destination_lat=destination.lat,
        destination_lon=destination.lon,
        earliest_departure=earliest,
        latest_arrival=latest,
        seats=query.seats,
        pickup_mode=query.pickup_mode,
        max_walk_m=int(min(query.max_walk_m, 3000)),
        women_drivers_only=query.women_drivers_only,
        status="open",
    )
    return request_matches(request=request)


def _ride_window(query: SearchQuery) -> tuple[datetime, datetime]:
    if query.depart_at is not None:
        return query.depart_at, query.depart_at + timedelta(hours=3)
    return query.arrive_by - timedelta(hours=3), query.arrive_by  # type: ignore[operator]


def _place(lat: float, lon: float, point, exact: bool = True) -> dict[str, Any]:
    if point is not None:
        return {"name": point.name, "lat": point.lat, "lon": point.lon, "meeting_point": point.pk}
    if not exact:  # one of the driver's own places: coarsened like the offer's origin
        from rides import conf as rides_conf
        from rides.domain.privacy import coarse_position

        lat, lon = coarse_position(lat, lon, rides_conf.privacy_grid_m())
        return {"name": "", "lat": lat, "lon": lon, "meeting_point": None, "exact": False}
    return {"name": "", "lat": round(lat, 6), "lon": round(lon, 6), "meeting_point": None}


def _ride_legs(match, origin: Point, destination: Point) -> list[dict[str, Any]]:
    m = match.match
    pickup_time, dropoff_time = match.pickup_time, match.dropoff_time
    legs = []
    if m.pickup.walk_m > 1:
        legs.append(
            {
                "mode": "walk",
                "from": {"name": origin.name, "lat": origin.lat, "lon": origin.lon},
                "to": _place(match.pickup_lat, match.pickup_lon, match.pickup_point, match.pickup_exact),
                "departure": _iso(pickup_time - timedelta(seconds=m.pickup.walk_s)),
                "arrival": _iso(pickup_time),
                "distance_m": round(m.pickup.walk_m),
            }
        )
    legs.append(
        {
            "mode": "carpool",
            "offer": match.offer.pk,
            "occurrence_date": match.occurrence_date.isoformat(),
            "from": _place(match.pickup_lat, match.pickup_lon, match.pickup_point, match.pickup_exact),
            "to": _place(match.dropoff_lat, match.dropoff_lon, match.dropoff_point, match.dropoff_exact),
            "departure": _iso(pickup_time),
            "arrival": _iso(dropoff_time),
            "driver_detour_min": round(m.added_s / 60, 1),
            "cost_share_cents": match.offer.cost_share_cents,
            "confirmation": _("The driver confirms the booking; exact places and contact details are shared then."),
        }
    )
    if m.dropoff.walk_m > 1:
        legs.append(
            {
                "mode": "walk",
                "from": _place(match.dropoff_lat, match.dropoff_lon, match.dropoff_point, match.dropoff_exact),
                "to": {"name": destination.name, "lat": destination.lat, "lon": destination.lon},
                "departure": _iso(dropoff_time),
                "arrival": _iso(dropoff_time + timedelta(seconds=m.dropoff.walk_s)),
                "distance_m": round(m.dropoff.walk_m),
            }
        )
    return legs


def _ride_request_body(query: SearchQuery, origin: Point, destination: Point, earliest, latest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "origin": {"lat": origin.lat, "lon": origin.lon},
        "destination": {"lat": destination.lat, "lon": destination.lon},
        "earliest_departure": _iso(earliest),
        "latest_arrival": _iso(latest),
        "seats": query.seats,
        "pickup_mode": query.pickup_mode,
        "max_walk_m": int(min(query.max_walk_m, 3000)),
    }
    if query.women_drivers_only:  # the request keeps the choice, so the booking honours it too
        body["women_drivers_only"] = True
    return body


def _ride_booking_steps(
    query: SearchQuery, match, origin: Point, destination: Point, earliest, latest
) -> list[BookingStep]:
    return [
        BookingStep(
            what=_("1. Your ride request (drivers on this route are notified)"),
            action="ride-request-list",
            body=_ride_request_body(query, origin, destination, earliest, latest),
        ),
        BookingStep(
            what=_("2. Ask the driver for seats (request = the id from step 1)"),
            action="ride-booking-list",
            body={"request": None, "offer": match.offer.pk, "occurrence_date": match.occurrence_date.isoformat()},
            body_ids_from_steps={"request": 1},
        ),
    ]


def ride_options(query: SearchQuery, user) -> list[Option]:
    earliest, latest = _ride_window(query)
    options = []
    for match in _ride_matches(query, user, query.origin, query.destination, earliest, latest):
        legs = _ride_legs(match, query.origin, query.destination)
        options.append(
            Option(
                kind="ride",
                departure=datetime.fromisoformat(legs[0]["departure"]),
                arrival=datetime.fromisoformat(legs[-1]["arrival"]),
                transfers=0,
                walk_m=match.match.walk_m,
                legs=legs,
                book=_ride_booking_steps(query, match, query.origin, query.destination, earliest, latest),
                price_cents=match.offer.cost_share_cents * query.seats,
            )
        )
    return options


def combined_options(query: SearchQuery, user, transit: list[Option]) -> list[Option]:
    """A carpool to a bus stop the walk cannot reach, then the bus from there.

    Candidate stops are the first boarding stops of transit journeys found with a wide
    access radius (as if anyone could bring you there), beyond the rider's walking limit.
    """
    if query.depart_at is None or user is None or not user.is_authenticated:
        return []  # carpools are matched for signed-in residents only
    wide, ctx = _plan_transit(
        query,
        Place.at(query.origin.lat, query.origin.lon),
        query.origin,
        query.depart_at,
        arrive_by=False,
        max_walk_m=max(query.max_walk_m, 8000.0),
        road_walks=False,  # only candidate stops come from this search; nobody walks 8 km
    )
    if ctx is None:
        return []
    candidates: list[tuple[int, int]] = []  # (stop index, boarding seconds)
    for journey in wide:
        first = next((leg for leg in journey.legs if isinstance(leg, TransitLeg)), None)
        if first is None:
            continue
        lat, lon = float(ctx.tt.stop_lat[first.board_stop]), float(ctx.tt.stop_lon[first.board_stop])
        if haversine_m(query.origin.lat, query.origin.lon, lat, lon) * 1.0 <= query.max_walk_m:
            continue  # walkable: plain transit covers it
        if first.board_stop not in [c[0] for c in candidates]:
            candidates.append((first.board_stop, first.depart))
    options = []
    for stop_index, _boarding in candidates[:3]:
        stop_point = Point(
            float(ctx.tt.stop_lat[stop_index]), float(ctx.tt.stop_lon[stop_index]), ctx.tt.stop_names[stop_index]
        )
        matches = _ride_matches(
            query, user, query.origin, stop_point, query.depart_at, query.depart_at + timedelta(hours=3)
        )
        if not matches:
            continue
        match = matches[0]
        arrive_stop = match.dropoff_time + timedelta(seconds=match.match.dropoff.walk_s) + RIDE_TO_BUS_MARGIN
        journeys, onward = _plan_transit(
            query, Place.at_stop(stop_index), stop_point, arrive_stop, arrive_by=False, max_walk_m=query.max_walk_m
        )
        if not journeys or onward is None:
            continue
        bus = _transit_option(min(journeys, key=lambda j: (j.arrival, j.transfers)), onward, query, stop_point)
        if bus is None:
            continue
        ride_legs = _ride_legs(match, query.origin, stop_point)
        earliest, latest = query.depart_at, query.depart_at + timedelta(hours=3)
        options.append(
            Option(
                kind="ride+transit",
                departure=datetime.fromisoformat(ride_legs[0]["departure"]),
                arrival=bus.arrival,
                transfers=1 + bus.transfers,
                walk_m=match.match.walk_m + bus.walk_m,
                legs=ride_legs + bus.legs,
                book=_ride_booking_steps(query, match, query.origin, stop_point, earliest, latest) + bus.book,
                price_cents=match.offer.cost_share_cents * query.seats,
                notes=bus.notes,
            )
        )
    return options


# --- Car-sharing --------------------------------------------------------------------------------


def _grid_ceil(moment: datetime, minutes: int) -> datetime:
    moment = moment.astimezone(local_tz()).replace(second=0, microsecond=0)
    extra = (-moment.minute) % minutes
    return moment + timedelta(minutes=extra)


#: How long a process trusts its list of the stations with cars in service (seconds). It only
#: decides whether the availability search runs at all (which reads everything afresh), so a
#: car put into service shows in searches of other processes within this delay.
CARS_TTL_S = 5.0
_cars: tuple[float, list[tuple[float, float]] | None] = (0.0, None)


def cars_in_service_forget() -> None:
    global _cars
    _cars = (0.0, None)


def _car_stations() -> list[tuple[float, float]]:
    """(lat, lon) of every station with a car in service; remembered for ``CARS_TTL_S`` outside
    transactions (inside one, what is read may be rolled back)."""
    global _cars
    import time

    from django.db import connection

    from carsharing.models import Vehicle

    until, known = _cars
    if known is not None and time.monotonic() < until and not connection.in_atomic_block:
        return known
    stations = list(Vehicle.objects.filter(in_service=True).values_list("station__lat", "station__lon").distinct())
    if not connection.in_atomic_block:
        _cars = (time.monotonic() + CARS_TTL_S, stations)
    return stations


def _vehicles_near(origin: Point, radius_km: float) -> bool:
    """Whether a car in service stands within ``radius_km`` (straight line, a superset of what
    the availability search accepts), so most searches in a region without a car nearby skip it."""
    # 1 % on top: a superset whatever earth radius the availability search measures with
    return any(haversine_m(origin.lat, origin.lon, lat, lon) <= radius_km * 1010.0 for lat, lon in _car_stations())


def carsharing_options(query: SearchQuery, user) -> list[Option]:
    from carsharing import conf as car_conf
    from carsharing.selectors import vehicle_availability, vehicles_free_near
    from carsharing.services import quote

    grid = int(car_conf.get("CARSHARING_GRID_MINUTES"))
    from . import roads

    radius_km = max(query.max_walk_m, 500.0) / 1000
    if not _vehicles_near(query.origin, radius_km):
        return []  # no car in service within reach: nothing to price or drive
    straight = haversine_m(query.origin.lat, query.origin.lon, query.destination.lat, query.destination.lon)
    road = roads.drive(query.origin.lat, query.origin.lon, query.destination.lat, query.destination.lon)
    # on the car graph when there is one; straight line x detour at 50 km/h otherwise
    drive_s = road.seconds if road is not None else straight * ROAD_DETOUR / (CAR_SPEED_KMH / 3.6)
    road_m = road.metres if road is not None else straight * ROAD_DETOUR
    if query.depart_at is not None:
        start = _grid_ceil(query.depart_at, grid)
    else:
        start = _grid_ceil(query.arrive_by - timedelta(seconds=drive_s) - timedelta(minutes=grid), grid)
        start -= timedelta(minutes=grid)
    end = start + timedelta(hours=query.rental_hours)
    km_estimate = math.ceil(2 * road_m / 1000)  # there and back
    member = bool(user is not None and user.is_authenticated and user.is_member)
    now = timezone.now()
    options = []
    offered: set[tuple[int, int, int]] = set()  # (station, vehicle type, price): the same option to a user
    for vehicle, distance_km in vehicles_free_near(
        start=start, end=end, lat=query.origin.lat, lon=query.origin.lon, radius_km=radius_km, now=now
    ):
        if len(options) >= CAP["carsharing"]:
            break
        station = vehicle.station
        walked = roads.walk(query.origin.lat, query.origin.lon, station.lat, station.lon)
        walk_m = walked.metres if walked is not None else (distance_km or 0.0) * 1000 * ROAD_DETOUR
        driven = roads.drive(station.lat, station.lon, query.destination.lat, query.destination.lon)
        car_s = driven.seconds if driven is not None else drive_s
        v_start, v_end = start, end
        if query.depart_at is not None:
            # The rental starts when the walk to the station is done, not before depart_at.
            needed = _grid_ceil(query.depart_at + timedelta(seconds=_walk_seconds(walk_m)), grid)
            if needed > start:
                v_start, v_end = needed, needed + timedelta(hours=query.rental_hours)
                blocked_until = v_end + timedelta(minutes=int(car_conf.get("CARSHARING_BUFFER_MINUTES")))
                if vehicle_availability(vehicle=vehicle, start=v_start, end=blocked_until, now=now).busy:
                    continue
        walk_start = v_start - timedelta(seconds=_walk_seconds(walk_m))
        arrival = v_start + timedelta(seconds=car_s)  # to the second in the answer (_iso)
        try:
            price = quote(vehicle=vehicle, start=v_start, end=v_end, km=km_estimate)
        except DomainError:
            continue
        same = (station.pk, vehicle.vehicle_type_id, price.total_cents)
        if same in offered:
            continue  # another car of the same type at the same station for the same price
        offered.add(same)
        legs = []
        if round(walk_m) > 0:
            legs.append(
                {
                    "mode": "walk",
                    "from": {"name": query.origin.name, "lat": query.origin.lat, "lon": query.origin.lon},
                    "to": {"name": station.name, "lat": station.lat, "lon": station.lon},
                    "departure": _iso(walk_start),
                    "arrival": _iso(v_start),
                    "distance_m": round(walk_m),
                }
            )
        legs.append(
            {
                "mode": "car",
                "vehicle": vehicle.pk,
                "plate": vehicle.plate,
                "vehicle_type": vehicle.vehicle_type.name,
                "station": {"id": station.pk, "name": station.name, "lat": station.lat, "lon": station.lon},
                "from": {"name": station.name, "lat": station.lat, "lon": station.lon},
                "to": {"name": query.destination.name, "lat": query.destination.lat, "lon": query.destination.lon},
                "departure": _iso(v_start),
                "arrival": _iso(arrival),
                "rental": {"start": _iso(v_start), "end": _iso(v_end), "km_estimate": km_estimate},
                "price": {
                    "total_cents": price.total_cents,
                    "vat_cents": price.vat_cents,
                    "vat_rate_bp": price.vat_rate_bp,
                    "time_cents": price.time_cents,
                    "distance_cents": price.distance_cents,
                },
            }
        )
        book = [
            BookingStep(
                what=_("1. Reserve car %(plate)s from %(start)s to %(end)s (held until confirmed)")
                % {"plate": vehicle.plate, "start": _iso(v_start), "end": _iso(v_end)},
                action="carsharing-reservations",
                body={"vehicle": vehicle.pk, "start": _iso(v_start), "end": _iso(v_end)},
            ),
            BookingStep(
                what=_("2. Confirm the held reservation (the estimated price is paid or invoiced)"),
                action="carsharing-reservation-confirm",
                body=None,
                path_id_from_step=1,
            ),
        ]
        notes = [] if member else [_("A car-sharing car needs a membership; please apply first.")]
        options.append(
            Option(
                kind="carsharing",
                departure=walk_start if legs[0]["mode"] == "walk" else v_start,
                arrival=arrival,
                transfers=0,
                walk_m=walk_m,
                legs=legs,
                book=book,
                price_cents=price.total_cents,
                notes=notes,
            )
        )
    return options


# --- The search ---------------------------------------------------------------------------------


# Slack for "now": an option leaving within this many seconds is still catchable.
PAST_SLACK = timedelta(minutes=1)


def _fits(option: Option, query: SearchQuery, now: datetime) -> bool:
    if option.departure < now - PAST_SLACK:
        return False  # nothing is offered that has already left
    if query.arrive_by is not None:
        return option.arrival <= query.arrive_by
    return option.departure >= query.depart_at - PAST_SLACK  # type: ignore[operator]


def _suggestions(query: SearchQuery, found_kinds: set[str], signed_in: bool) -> list[Suggestion]:
    suggestions: list[Suggestion] = []
    if "transit" in query.modes and "transit" not in found_kinds:
        later = query.moment + timedelta(hours=3) if query.depart_at else query.moment - timedelta(hours=3)
        relaxed = SearchQuery(
            origin=query.origin,
            destination=query.destination,
            depart_at=later if query.depart_at else None,
            arrive_by=later if query.arrive_by else None,
            max_walk_m=max(query.max_walk_m, 2000.0),
            max_transfers=query.max_transfers,
            seats=query.seats,
        )
        alternatives = [o for o in transit_options(relaxed) if o.departure >= timezone.now() - PAST_SLACK]
        if alternatives:
            best = min(alternatives, key=lambda o: o.arrival if query.depart_at else -o.departure.timestamp())
            best.score = _score(best, relaxed)
            suggestions.append(
                Suggestion(
                    kind="later_transit" if query.depart_at else "earlier_transit",
                    message=_("No bus fits your times; this is the nearest one (up to 2 km on foot)."),
                    option=best,
                )
            )
    if "ride" in query.modes and not signed_in:
        suggestions.append(Suggestion(kind="sign_in", message=_("Sign in to see your neighbours' ride offers.")))
    elif "ride" in query.modes and "ride" not in found_kinds:
        earliest, latest = _ride_window(query)
        suggestions.append(
            Suggestion(
                kind="post_ride_request",
                message=_("Post a ride request: drivers on your route are notified and can offer you a seat."),
                book=BookingStep(
                    what=_("Your ride request (drivers on this route are notified)"),
                    action="ride-request-list",
                    body=_ride_request_body(query, query.origin, query.destination, earliest, latest),
                ),
            )
        )
    return suggestions


def journeys_search(
    *, query: SearchQuery, user=None, after_answer: Callable[[Callable[[], None]], None] | None = None
) -> SearchResult:
    """Every way from origin to destination for the query, ranked; see the module docstring.

    A ``depart_at`` in the past searches from now, and no option leaves before now.
    ``after_answer`` (the HTTP layer's "once the response is sent") receives the work the
    answer does not need, the search-log entry; without it that work is done here.
    """
    if query.depart_at is None and query.arrive_by is None:
        raise ValidationFailed("Give depart_at or arrive_by.", code="journey_time_missing")
    now = timezone.now()
    if query.depart_at is not None and query.depart_at < now:
        query = replace(query, depart_at=now)  # a departure in the past is a departure now
    by_kind: dict[str, list[Option]] = {}
    cut: dict[str, int] = {}
    if "transit" in query.modes:
        by_kind["transit"] = transit_options(query, cut)
    if "ride" in query.modes:
        by_kind["ride"] = ride_options(query, user)
        if "transit" in query.modes:
            by_kind["ride+transit"] = combined_options(query, user, by_kind["transit"])
    if "carsharing" in query.modes:
        by_kind["carsharing"] = carsharing_options(query, user)
    if "ondemand" in query.modes:  # the Rufbus hook (ondemand.search), alone or then the bus
        from ondemand.search import ondemand_options

        for option in ondemand_options(query, transit_options if "transit" in query.modes else None):
            by_kind.setdefault(option.kind, []).append(option)
    options: list[Option] = []
    for kind, found in by_kind.items():
        kept = [option for option in found if _fits(option, query, now)]
        for option in kept:
            option.score = _score(option, query)
        kept.sort(key=lambda o: o.score)
        cap = 50 if kind == "transit" and query.window_min else CAP[kind]
        options.extend(kept[:cap])
    options.sort(key=lambda o: o.score)
    found_kinds = {option.kind for option in options}
    found = len(options)
    best = options[0] if options else None
    if after_answer is None:
        _log_search(query, found, best)
    else:
        after_answer(lambda: _log_search(query, found, best))
    return SearchResult(
        query=query,
        options=options,
        suggestions=_suggestions(query, found_kinds, bool(user is not None and user.is_authenticated)),
        limits=_limits(query, cut),
    )


def _limits(query: SearchQuery, cut: dict[str, int]) -> dict[str, Any]:
    """What the search's limits left out: ``longer_than_max_duration`` counts transit journeys
    over ``max_duration_min`` (0: nothing was cut), with a message when something was."""
    left_out = cut.get("transit", 0)
    out: dict[str, Any] = {"max_duration_min": query.max_duration_min, "longer_than_max_duration": left_out}
    if left_out:
        out["message"] = ngettext(
            "%(count)d longer transit journey was left out (over %(minutes)d minutes); "
            "raise max_duration_min to see it.",
            "%(count)d longer transit journeys were left out (over %(minutes)d minutes); "
            "raise max_duration_min to see them.",
            left_out,
        ) % {"count": left_out, "minutes": query.max_duration_min}
    return out


def _best_minutes(option: Option, query: SearchQuery) -> float:
    """Minutes from the time asked for until arrival (or from departure until the arrival asked
    for): travelling and waiting, what a poor option costs the person searching."""
    if query.depart_at is not None:
        return max(0.0, (option.arrival - query.depart_at).total_seconds() / 60)
    return max(0.0, (query.arrive_by - option.departure).total_seconds() / 60)  # type: ignore[operator]


def _log_search(query: SearchQuery, results: int, best: Option | None = None) -> None:
    """Coarsened (zones, 15-minute bins, no user; of the option ranked first only its minutes,
    rounded up to 5, and transfers) for the unmet-demand statistics; queued in Redis and written
    in batches by a Celery worker (directly when the queue is down). Never fails the search: a
    problem is logged (this may run after the answer was sent)."""
    try:
        from stats.services import search_log_queue

        search_log_queue(
            origin_lat=query.origin.lat,
            origin_lon=query.origin.lon,
            dest_lat=query.destination.lat,
            dest_lon=query.destination.lon,
            when=query.moment,
            results=results,
            modes=query.modes,
            best_minutes=_best_minutes(best, query) if best is not None else None,
            best_transfers=best.transfers if best is not None else None,
        )
    except DomainError:
        logger.warning("search not logged for statistics", exc_info=True)
    except Exception:  # the database is down too: the statistics lose this one search
        logger.exception("search not logged for statistics")
