"""Writes for the on-demand Bürgerbus: book a door-to-door ride into a run, cancel it.

Each write locks the run row (``SELECT ... FOR UPDATE``), rebuilds the run from its plan and
its confirmed bookings, lets ``ondemand.domain.insertion`` place the ride, stores the new
plan and every booking's planned times, and tells the riders whose pickup moved (the
notifications go out after the commit). Parallel bookings for one run therefore queue on
the lock, and each sees the seats the previous ones took.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from gtfs.domain.booking import booking_deadline
from gtfs.models import BookingRule, FlexStopTime
from gtfs.selectors import booking_rule_spec
from mobility.accounts.models import User
from mobility.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from mobility.geo import EARTH_RADIUS_M
from mobility.notifications.services import notify
from mobility.timestamps import iso_local
from rides.domain.roadgraph import RoadGraph

from . import conf, selectors
from .domain.insertion import (
    Request,
    Run,
    RunStop,
    apply_insertion,
    best_insertion,
    nearest_feasible,
    remove_booking,
    schedule,
)
from .models import OnDemandBooking, OnDemandRun, OsmPlaceSuggestion

#: Coordinates are kept to 5 decimals (about a metre): enough for the driver, no more.
COORD_DECIMALS = 5


def road_graph() -> RoadGraph:
    from journeys.roads import car_graph

    graph = car_graph()
    if graph is None:
        raise ServiceUnavailable(_("No road graph has been imported yet."), code="road_graph_missing")
    return graph


def booking_deadline_for(window: selectors.ZoneWindow, pickup_from: datetime) -> datetime:
    """The last moment a ride with a pickup window opening at ``pickup_from`` can be booked."""
    tz = ZoneInfo(window.flex_stop_time.trip.version.timezone)
    return booking_deadline(
        booking_rule_spec(window.booking_rule), departure=pickup_from, service_date=window.service_date, tz=tz
    )


@dataclass(eq=False)  # hashable by identity: the insertion caches run timings per travel-time source
class TravelTimes:
    """Road-graph travel times for the insertion: CCH queries and straight-line lower bounds."""

    graph: RoadGraph

    def __post_init__(self) -> None:
        time_s = self.graph.time_s
        self.top_speed = float(max((self.graph.dist_m / time_s.clip(min=1e-9)).max(), 1.0))

    def __call__(self, a: int, b: int) -> float:
        return self.graph.travel_time(a, b)

    def lower_bound(self, a: int, b: int) -> float:
        lat = self.graph.lat
        lon = self.graph.lon
        la1, la2 = math.radians(float(lat[a])), math.radians(float(lat[b]))
        dlat = la2 - la1
        dlon = math.radians(float(lon[b]) - float(lon[a]))
        h = math.sin(dlat / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlon / 2) ** 2
        metres = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
        return 0.999 * metres / self.top_speed


def snap(graph: RoadGraph, lat: float, lon: float, field: str) -> int:
    from rides import conf as rides_conf

    node, metres = graph.nearest_node(lat, lon)
    if metres > rides_conf.max_snap_m():
        raise ValidationFailed(
            _("This place is too far from any road."), code="ondemand_place_off_road", fields={field: ["off road"]}
        )
    return node


def _domain_run(run: OnDemandRun, graph: RoadGraph, *, skip: int | None = None) -> Run:
    """The run as the insertion sees it: depot, window, and the confirmed bookings' stops in
    plan order, each with its promises."""
    bookings = {b.pk: b for b in run.bookings.filter(status=OnDemandBooking.Status.CONFIRMED)}
    stops: list[RunStop] = []
    for entry in run.plan:
        booking = bookings.get(entry["booking"])
        if booking is None or booking.pk == skip:
            continue
        pickup = bool(entry["pickup"])
        lat, lon = (booking.pickup_lat, booking.pickup_lon) if pickup else (booking.dropoff_lat, booking.dropoff_lon)
        node, _metres = graph.nearest_node(lat, lon)
        stops.append(
            RunStop(
                node=node,
                booking=booking.pk,
                pickup=pickup,
                seats=booking.seats,
                earliest_s=booking.earliest_pickup_at.timestamp() if pickup else -math.inf,
                latest_s=(
                    booking.latest_pickup_at.timestamp()
                    if pickup
                    else booking.latest_pickup_at.timestamp() + booking.max_ride_s
                ),
                max_ride_s=math.inf if pickup else float(booking.max_ride_s),
            )
        )
    depot = graph.nearest_node(run.depot_lat, run.depot_lon)[0]  # where the bus waits: any road will do
    return Run(
        key=run.pk,
        capacity=run.capacity,
        start_node=depot,
        end_node=depot,
        start_s=run.start_at.timestamp(),
        end_s=run.end_at.timestamp() + conf.return_s(),
        stops=tuple(stops),
        dwell_s=conf.dwell_s(),
    )


def _store_plan(run: OnDemandRun, domain_run: Run, times: TravelTimes, *, changed_by: int | None) -> list[int]:
    """Save the plan and each booking's planned times; returns the bookings whose pickup or
    drop-off moved by more than ``ONDEMAND_MOVED_NOTIFY_S`` (not counting ``changed_by``)."""
    timing = schedule(domain_run, domain_run.stops, times)
    if timing is None:  # only possible if the road graph changed under confirmed bookings
        raise Conflict(_("The run can no longer be planned; please call the office."), code="ondemand_run_broken")
    run.plan = [{"booking": s.booking, "pickup": s.pickup} for s in domain_run.stops]
    run.save(update_fields=["plan", "updated_at"])
    planned: dict[Hashable, dict[str, datetime]] = {}  # by booking id
    for stop, at in zip(domain_run.stops, timing.times, strict=True):
        planned.setdefault(stop.booking, {})["pickup_at" if stop.pickup else "dropoff_at"] = from_posix(at)
    moved: list[int] = []
    for booking in run.bookings.filter(pk__in=list(planned)).select_for_update():
        new = planned[booking.pk]
        shift = max(
            abs((new["pickup_at"] - booking.pickup_at).total_seconds()),
            abs((new["dropoff_at"] - booking.dropoff_at).total_seconds()),
        )
        if new["pickup_at"] != booking.pickup_at or new["dropoff_at"] != booking.dropoff_at:
            booking.pickup_at, booking.dropoff_at = new["pickup_at"], new["dropoff_at"]
            booking.save(update_fields=["pickup_at", "dropoff_at"])
            if booking.pk != changed_by and shift > conf.moved_notify_s():
                moved.append(booking.pk)
                notify(booking.passenger, "ondemand_times_changed", booking_payload(booking))
    return moved


def booking_payload(booking: OnDemandBooking) -> dict[str, Any]:
    return {
        "booking_id": booking.pk,
        "run_id": booking.run_id,
        "pickup_window": [iso_local(booking.earliest_pickup_at), iso_local(booking.latest_pickup_at)],
        "pickup_at": iso_local(booking.pickup_at),
        "dropoff_at": iso_local(booking.dropoff_at),
        "seats": booking.seats,
    }


def _zone_centre(window: selectors.ZoneWindow) -> tuple[float, float]:
    geometry = window.zone.geometry
    centre = shape(geometry).centroid if geometry else None
    if centre is None or centre.is_empty:
        raise ValidationFailed(_("This zone has no area."), code="ondemand_zone_without_area")
    return round(centre.y, COORD_DECIMALS), round(centre.x, COORD_DECIMALS)


def domain_run_for_window(window: selectors.ZoneWindow, graph: RoadGraph) -> Run:
    """The run of a zone window as it stands (an empty one before the first booking); a read."""
    run = OnDemandRun.objects.filter(flex_stop_time=window.flex_stop_time, service_date=window.service_date).first()
    if run is not None:
        return _domain_run(run, graph)
    lat, lon = _zone_centre(window)
    depot = graph.nearest_node(lat, lon)[0]
    return Run(
        key=None,
        capacity=window.flex_stop_time.trip.capacity,
        start_node=depot,
        end_node=depot,
        start_s=window.opens_at.timestamp(),
        end_s=window.closes_at.timestamp() + conf.return_s(),
        dwell_s=conf.dwell_s(),
    )


def _run_for(window: selectors.ZoneWindow) -> OnDemandRun:
    """The run of a zone window (created on the first booking), locked."""
    fst = window.flex_stop_time
    depot_lat, depot_lon = _zone_centre(window)
    OnDemandRun.objects.get_or_create(
        flex_stop_time=fst,
        service_date=window.service_date,
        defaults={
            "capacity": fst.trip.capacity,
            "start_at": window.opens_at,
            "end_at": window.closes_at,
            "depot_lat": depot_lat,
            "depot_lon": depot_lon,
        },
    )
    return OnDemandRun.objects.select_for_update().get(flex_stop_time=fst, service_date=window.service_date)


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float


def windows_for(pickup: Place, dropoff: Place, earliest: datetime) -> list[tuple[selectors.ZoneWindow, Place, Place]]:
    """Zone windows on the day of ``earliest`` serving both places, with the places served
    (the door in a polygon zone, the nearest stop of a stop group)."""
    found = []
    for day in (timezone.localdate(earliest) - timedelta(days=1), timezone.localdate(earliest)):
        for window in selectors.zone_windows(day=day, lat=pickup.lat, lon=pickup.lon):
            a = selectors.zone_place(zone=window.zone, lat=pickup.lat, lon=pickup.lon)
            b = selectors.zone_place(zone=window.zone, lat=dropoff.lat, lon=dropoff.lon)
            if a is None or b is None:
                continue
            found.append((window, Place(*a), Place(*b)))
    return found


@transaction.atomic
def ondemand_booking_create(
    *,
    passenger: User,
    pickup: Place,
    dropoff: Place,
    earliest_pickup: datetime,
    seats: int = 1,
    now: datetime | None = None,
) -> OnDemandBooking:
    """Book a door-to-door ride: picked up from ``earliest_pickup`` within the pickup window
    (``ONDEMAND_PICKUP_WINDOW_MIN``), inserted into the zone's run for that day.

    Refused: places outside every zone serving both (``ondemand_outside_zone``, 422), a
    window outside the service hours (``ondemand_outside_hours``, 422), after the booking
    rule's deadline (``ondemand_booking_too_late``, 409), no feasible insertion
    (``ondemand_no_capacity``, 409, with the nearest feasible windows in ``fields``).
    """
    now = now or timezone.now()
    if seats < 1:
        raise ValidationFailed(_("Book at least one seat."), code="ondemand_invalid_seats", fields={"seats": [">= 1"]})
    window_s = conf.pickup_window_s()
    latest_pickup = earliest_pickup + timedelta(seconds=window_s)
    if earliest_pickup <= now:
        raise ValidationFailed(
            _("The pickup time has passed."), code="ondemand_time_passed", fields={"earliest_pickup": ["in the past"]}
        )
    candidates = windows_for(pickup, dropoff, earliest_pickup)
    if not candidates:
        raise ValidationFailed(_("No Rufbus zone serves both places."), code="ondemand_outside_zone", status_code=422)
    served = [c for c in candidates if c[0].opens_at <= earliest_pickup and latest_pickup <= c[0].closes_at]
    if not served:
        hours = [f"{iso_local(w.opens_at)}/{iso_local(w.closes_at)}" for w, _a, _b in candidates]
        raise ValidationFailed(
            _("The Rufbus does not run at that time."),
            code="ondemand_outside_hours",
            fields={"earliest_pickup": hours},
            status_code=422,
        )
    window, pickup_place, dropoff_place = served[0]
    deadline = booking_deadline_for(window, earliest_pickup)
    if now > deadline:
        rule = window.booking_rule
        message = (rule.message if rule else "") or _("The booking deadline has passed.")
        raise Conflict(message, code="ondemand_booking_too_late", fields={"deadline": [iso_local(deadline)]})
    graph = road_graph()
    times = TravelTimes(graph)
    p = snap(graph, pickup_place.lat, pickup_place.lon, "pickup")
    q = snap(graph, dropoff_place.lat, dropoff_place.lon, "dropoff")
    direct = times(p, q)
    if not math.isfinite(direct):
        raise ValidationFailed(_("There is no road between these places."), code="ondemand_no_route", status_code=422)
    run = _run_for(window)
    if seats > run.capacity:
        raise ValidationFailed(
            _("The bus has fewer seats."), code="ondemand_invalid_seats", fields={"seats": [f"<= {run.capacity}"]}
        )
    max_ride = round(conf.ride_factor() * direct + conf.ride_slack_s())
    domain_run = _domain_run(run, graph)
    request = Request(
        key="new",
        pickup_node=p,
        dropoff_node=q,
        earliest_pickup_s=earliest_pickup.timestamp(),
        latest_pickup_s=latest_pickup.timestamp(),
        max_ride_s=max_ride,
        seats=seats,
    )
    found = best_insertion([domain_run], request, times, lower_bound=times.lower_bound)
    if found is None:
        alternatives = nearest_feasible([domain_run], request, times, lower_bound=times.lower_bound)
        usable = [a for a in alternatives if a.earliest_pickup_s > now.timestamp()]
        raise Conflict(
            _("The Rufbus cannot take this ride then."),
            code="ondemand_no_capacity",
            fields={
                "alternatives": [
                    f"{iso_local(from_posix(a.earliest_pickup_s))}/{iso_local(from_posix(a.latest_pickup_s))}"
                    for a in usable
                ]
            },
        )
    booking = OnDemandBooking.objects.create(
        run=run,
        passenger=passenger,
        seats=seats,
        pickup_lat=round(pickup_place.lat, COORD_DECIMALS),
        pickup_lon=round(pickup_place.lon, COORD_DECIMALS),
        dropoff_lat=round(dropoff_place.lat, COORD_DECIMALS),
        dropoff_lon=round(dropoff_place.lon, COORD_DECIMALS),
        earliest_pickup_at=earliest_pickup,
        latest_pickup_at=latest_pickup,
        max_ride_s=max_ride,
        pickup_at=from_posix(found.pickup_s),
        dropoff_at=from_posix(found.dropoff_s),
    )
    placed = apply_insertion([domain_run], replace_key(request, booking.pk), found)[0]
    _store_plan(run, placed, times, changed_by=booking.pk)
    booking.refresh_from_db()
    notify(passenger, "ondemand_booking_confirmed", booking_payload(booking))
    return booking


def replace_key(request: Request, key: int) -> Request:
    return replace(request, key=key)


def from_posix(posix_s: float) -> datetime:
    """POSIX seconds as an aware UTC datetime, to the whole second."""
    return datetime.fromtimestamp(round(posix_s), tz=ZoneInfo("UTC"))


@transaction.atomic
def ondemand_booking_cancel(*, booking_id: int, user: User, now: datetime | None = None) -> OnDemandBooking:
    """Cancel a ride: the rider until the pickup window opens, staff at any time. The run is
    re-timed without it; riders whose times move are told."""
    now = now or timezone.now()
    is_staff = bool(user.is_town_staff or user.is_operator)
    booking = OnDemandBooking.objects.filter(pk=booking_id).select_related("run").first()
    if booking is None or (not is_staff and booking.passenger_id != user.pk):
        raise NotFound(_("No such booking."), code="ondemand_booking_not_found")
    run = OnDemandRun.objects.select_for_update().get(pk=booking.run_id)
    booking = OnDemandBooking.objects.select_for_update().get(pk=booking_id)
    if booking.status == OnDemandBooking.Status.CANCELLED:
        raise Conflict(_("The booking is already cancelled."), code="ondemand_booking_already_cancelled")
    if not is_staff and booking.earliest_pickup_at <= now:
        raise Conflict(_("The pickup window has begun; please call the office."), code="ondemand_booking_started")
    graph = road_graph()
    times = TravelTimes(graph)
    domain_run = remove_booking(_domain_run(run, graph), booking.pk)
    booking.status = OnDemandBooking.Status.CANCELLED
    booking.cancelled_at = now
    booking.save(update_fields=["status", "cancelled_at"])
    _store_plan(run, domain_run, times, changed_by=booking.pk)
    notify(booking.passenger, "ondemand_booking_cancelled", booking_payload(booking))
    return booking


# --- the Bürgerbus editor: zones ---------------------------------------------------------------


@transaction.atomic
def zone_create(
    *,
    name: str,
    geometry: dict[str, Any],
    line_id: int,
    weekdays: list[str],
    start_date: date,
    end_date: date,
    start_time: str,
    end_time: str,
    booking_rule_id: int | None = None,
    capacity: int | None = None,
    user: User | None = None,
) -> FlexStopTime:
    """Draw a Rufbus zone into the Bürgerbus timetable: the polygon (a Flex location), a
    trip of ``line_id`` serving it from ``start_time`` to ``end_time`` on the given days
    (GTFS-Flex: a pickup row and a drop-off row at the zone), and its booking rule.
    Returns the pickup stop time (zone, window and rule)."""
    import pandas as pd

    from gtfs import conf as gtfs_conf
    from gtfs import services as bb
    from gtfs.domain import flex
    from gtfs.domain.times import parse_gtfs_time
    from gtfs.models import FlexLocation, Route, Service, Stop, Trip

    problem = flex.zone_geometry_problem(geometry)
    if problem:
        raise ValidationFailed(problem, code="ondemand_zone_invalid_geometry", fields={"geometry": [problem]})
    if end_date < start_date:
        raise ValidationFailed(
            "end_date is before start_date.", code="gtfs_invalid_date_range", fields={"end_date": ["before start_date"]}
        )
    try:
        opens, closes = (parse_gtfs_time(bb._with_seconds(value)) for value in (start_time, end_time))
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="gtfs_invalid_time", fields={"start_time": [str(exc)]}) from exc
    if closes <= opens:
        raise ValidationFailed(
            "The service window ends before it starts.",
            code="ondemand_window_reversed",
            fields={"end_time": ["not after start_time"]},
        )
    version = bb._editable_version(user=user)
    route = bb._get_in_version(Route, version, line_id, "gtfs_line_not_found", "line")
    rule = (
        bb._get_in_version(BookingRule, version, booking_rule_id, "gtfs_booking_rule_not_found", "booking rule")
        if booking_rule_id
        else route.booking_rule
    )
    stops = pd.DataFrame(
        list(Stop.objects.filter(version=version, lat__isnull=False).values_list("stop_id", "lat", "lon")),
        columns=["stop_id", "stop_lat", "stop_lon"],
    )
    polygon = shape(geometry)
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    zone = FlexLocation.objects.create(
        version=version,
        location_id=bb._new_id("zone"),
        kind=FlexLocation.Kind.AREA,
        name=name,
        geometry=geometry,
        min_lat=min_lat,
        min_lon=min_lon,
        max_lat=max_lat,
        max_lon=max_lon,
        stop_ids=flex.stops_inside(geometry, stops),
    )
    service = Service.objects.create(
        version=version,
        service_id=bb._new_id("service"),
        has_calendar=True,
        start_date=start_date,
        end_date=end_date,
        **bb._weekday_flags(weekdays),
    )
    trip = Trip.objects.create(
        version=version,
        trip_id=bb._new_id("trip"),
        route=route,
        service=service,
        headsign=name,
        booking_rule=rule,
        capacity=capacity or gtfs_conf.GTFS_BUERGERBUS_DEFAULT_CAPACITY,
    )
    common = {"version": version, "trip": trip, "location": zone, "start_window": opens, "end_window": closes}
    pickup = FlexStopTime.objects.create(
        **common, stop_sequence=1, pickup_type=2, drop_off_type=1, pickup_booking_rule=rule
    )
    FlexStopTime.objects.create(**common, stop_sequence=2, pickup_type=1, drop_off_type=2, drop_off_booking_rule=rule)
    return pickup


# --- places from OpenStreetMap -------------------------------------------------------------------


@dataclass(frozen=True)
class OsmPlacesResult:
    created: int
    updated: int
    unchanged_decided: int  #: confirmed or rejected before: left as they are


@transaction.atomic
def osm_places_suggest(*, path: str | Path) -> OsmPlacesResult:
    """Read the extract's meeting points and stop positions into suggestions for staff."""
    from .domain.osm_places import places_from_osm

    created = updated = decided = 0
    for place in places_from_osm(path):
        existing = OsmPlaceSuggestion.objects.filter(osm_type=place.osm_type, osm_id=place.osm_id).first()
        values = {"kind": place.kind, "name": place.name[:200], "lat": place.lat, "lon": place.lon}
        if existing is None:
            OsmPlaceSuggestion.objects.create(osm_type=place.osm_type, osm_id=place.osm_id, **values)
            created += 1
        elif existing.status != OsmPlaceSuggestion.Status.SUGGESTED:
            decided += 1
        else:
            for key, value in values.items():
                setattr(existing, key, value)
            existing.save()
            updated += 1
    return OsmPlacesResult(created, updated, decided)


@transaction.atomic
def osm_place_decide(*, suggestion_id: int, user: User, confirm: bool, name: str = "") -> OsmPlaceSuggestion:
    """Staff confirm a suggestion (a meeting point, or a Bürgerbus stop for a stop position)
    or reject it. ``name`` names it when OSM has none (required then)."""
    from gtfs import services as bb
    from rides.models import MeetingPoint, MeetingPointKind

    suggestion = OsmPlaceSuggestion.objects.select_for_update().filter(pk=suggestion_id).first()
    if suggestion is None:
        raise NotFound(_("No such place suggestion."), code="osm_place_not_found")
    if suggestion.status != OsmPlaceSuggestion.Status.SUGGESTED:
        raise Conflict(_("This suggestion was decided already."), code="osm_place_decided")
    suggestion.decided_by, suggestion.decided_at = user, timezone.now()
    if not confirm:
        suggestion.status = OsmPlaceSuggestion.Status.REJECTED
        suggestion.save()
        return suggestion
    label = (name or suggestion.name).strip()
    if not label:
        raise ValidationFailed(
            _("Give the place a name."), code="osm_place_name_required", fields={"name": ["required"]}
        )
    if suggestion.kind == OsmPlaceSuggestion.Kind.STOP:
        suggestion.stop = bb.bb_stop_create(name=label, lat=suggestion.lat, lon=suggestion.lon, user=user)
    else:
        kind = MeetingPointKind.MITFAHRBANK if suggestion.kind == "mitfahrbank" else MeetingPointKind.PARKING
        suggestion.meeting_point = MeetingPoint.objects.create(
            name=label[:120], lat=suggestion.lat, lon=suggestion.lon, kind=kind
        )
    suggestion.name = label[:200]
    suggestion.status = OsmPlaceSuggestion.Status.CONFIRMED
    suggestion.save()
    return suggestion
