"""Ride-sharing reads: a request's matches, what a user may see."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import conf
from .domain.costs import booking_price_cents, booking_within_cap
from .domain.matching import Access, Match, RideQuery
from .domain.roadgraph import RoadGraph, haversine_m, network_lines, zoom_tolerance_deg
from .domain.women_only import women_only_compatible
from .matching_index import load_graph, offer_index
from .models import SEAT_HOLDING, BookingStatus, MeetingPoint, PickupMode, RideBooking, RideOffer, RideRequest


def _meeting_accesses(graph: RoadGraph, lat: float, lon: float, max_walk_m: float) -> list[Access]:
    """Active meeting points within walking distance (straight line), as pickup/drop-off places."""
    import numpy as np

    points = list(MeetingPoint.objects.filter(active=True))
    if not points:
        return []
    walk = haversine_m(
        np.full(len(points), lat),
        np.full(len(points), lon),
        np.array([p.lat for p in points]),
        np.array([p.lon for p in points]),
    )
    accesses = []
    for point, metres in zip(points, walk.tolist(), strict=True):
        if metres <= max_walk_m:
            node, snap = graph.nearest_node(point.lat, point.lon)
            if snap <= conf.max_snap_m():
                accesses.append(Access(node, walk_m=metres, walk_s=metres / conf.walk_speed_mps(), label=point.pk))
    return accesses


def ride_query_for_request(graph: RoadGraph, request: RideRequest) -> RideQuery:
    """The matcher's view of a request: door, or meeting points within the chosen walk."""
    o_node, o_snap = graph.nearest_node(request.origin_lat, request.origin_lon)
    d_node, d_snap = graph.nearest_node(request.destination_lat, request.destination_lon)
    speed = conf.walk_speed_mps()
    door_pickup = Access(o_node, walk_m=o_snap, walk_s=o_snap / speed)
    door_dropoff = Access(d_node, walk_m=d_snap, walk_s=d_snap / speed)
    if request.pickup_mode == PickupMode.MEETING_POINT:
        pickups = _meeting_accesses(graph, request.origin_lat, request.origin_lon, request.max_walk_m)
        dropoffs = _meeting_accesses(graph, request.destination_lat, request.destination_lon, request.max_walk_m)
        dropoffs = dropoffs or [door_dropoff]
    else:
        pickups, dropoffs = [door_pickup], [door_dropoff]
    return RideQuery(
        pickups=pickups,
        dropoffs=dropoffs,
        earliest_departure_s=request.earliest_departure.timestamp(),
        latest_arrival_s=request.latest_arrival.timestamp(),
        seats=request.seats,
    )


@dataclass
class RideMatch:
    """One fitting ride for a request, with the offer row and where and when to meet."""

    offer: RideOffer
    occurrence_date: date
    match: Match
    pickup_point: MeetingPoint | None
    dropoff_point: MeetingPoint | None
    pickup_lat: float
    pickup_lon: float
    dropoff_lat: float
    dropoff_lon: float
    #: False when the place is one of the driver's own (the graph node of the offer's origin or
    #: destination): shown coarsened like the offer's origin until a booking is confirmed
    pickup_exact: bool = True
    dropoff_exact: bool = True

    @property
    def pickup_time(self) -> datetime:
        return datetime.fromtimestamp(self.match.pickup_time_s, timezone.get_current_timezone())

    @property
    def dropoff_time(self) -> datetime:
        return datetime.fromtimestamp(self.match.dropoff_time_s, timezone.get_current_timezone())


def request_matches(*, request: RideRequest) -> list[RideMatch]:
    """Every ride that can take this rider now, ranked by arrival, detour, walking."""
    if request.status != "open" or request.latest_arrival <= timezone.now():
        return []
    graph = load_graph(request.graph)
    index = offer_index(request.graph)
    matches = index.match(ride_query_for_request(graph, request))
    if not matches:
        return []
    offers = RideOffer.objects.select_related("driver", "origin_meeting_point", "destination_meeting_point").in_bulk(
        {m.key[0] for m in matches}
    )
    booked = set(
        RideBooking.objects.filter(rider=request.rider, status__in=SEAT_HOLDING).values_list(
            "offer_id", "occurrence_date"
        )
    )
    rider_declares_woman = bool(request.rider_id and request.rider.declares_woman)
    # What the riders of each matched ride already pay: a ride whose cost cap this rider's
    # share would exceed is not offered (booking it would be refused, cost_cap_exceeded).
    held_cents: dict[tuple[int, date], int] = {}
    for offer_id, day, price in RideBooking.objects.filter(
        offer_id__in=list(offers), status__in=SEAT_HOLDING
    ).values_list("offer_id", "occurrence_date", "price_cents"):
        held_cents[(offer_id, day)] = held_cents.get((offer_id, day), 0) + price
    point_ids = {m.pickup.label for m in matches} | {m.dropoff.label for m in matches}
    points = MeetingPoint.objects.in_bulk([p for p in point_ids if isinstance(p, int)])
    now = timezone.now().timestamp()
    result = []
    for match in matches:
        offer = offers.get(match.key[0])
        day = date.fromisoformat(match.key[1])
        if offer is None or offer.driver_id == request.rider_id or (offer.pk, day) in booked:
            continue
        if not women_only_compatible(
            offer_women_riders_only=offer.women_riders_only,
            request_women_drivers_only=request.women_drivers_only,
            rider_declares_woman=rider_declares_woman,
            driver_declares_woman=offer.driver.declares_woman,
        ):
            continue
        if match.pickup_time_s <= now:
            continue
        if not booking_within_cap(
            held_prices_cents=[held_cents.get((offer.pk, day), 0)],
            new_price_cents=booking_price_cents(cost_share_cents=offer.cost_share_cents, seats=request.seats),
            cap_cents=offer.running_cost_cents,
        ):
            continue
        result.append(
            RideMatch(
                offer=offer,
                occurrence_date=day,
                match=match,
                pickup_point=points.get(match.pickup.label) if isinstance(match.pickup.label, int) else None,
                dropoff_point=points.get(match.dropoff.label) if isinstance(match.dropoff.label, int) else None,
                pickup_lat=float(graph.lat[match.pickup.node]),
                pickup_lon=float(graph.lon[match.pickup.node]),
                dropoff_lat=float(graph.lat[match.dropoff.node]),
                dropoff_lon=float(graph.lon[match.dropoff.node]),
                pickup_exact=not derived_from_driver(offer, match.pickup.node, match.pickup.label),
                dropoff_exact=not derived_from_driver(offer, match.dropoff.node, match.dropoff.label),
            )
        )
        if len(result) >= conf.max_matches():
            break
    return result


def derived_from_driver(offer: RideOffer, node: int, meeting_point: object = None) -> bool:
    """Whether a pickup or drop-off place is one of the driver's own: the road node the
    offer's origin or destination was snapped to (a rider living on the driver's street is
    picked up at the driver's first node). A public meeting point never is."""
    if isinstance(meeting_point, int):
        return False
    own = set()
    if offer.origin_meeting_point_id is None:
        own.add(offer.origin_node)
    if offer.destination_meeting_point_id is None:
        own.add(offer.destination_node)
    return int(node) in own


def offers_for_user(*, user) -> QuerySet[RideOffer]:
    return RideOffer.objects.filter(driver=user).select_related("origin_meeting_point", "destination_meeting_point")


def offers_visible_to(*, user) -> QuerySet[RideOffer]:
    """Active offers anyone signed in may look at (privacy applies in the serializer)."""
    return RideOffer.objects.filter(Q(status="active") | Q(driver=user)).select_related(
        "driver", "origin_meeting_point", "destination_meeting_point"
    )


def requests_for_user(*, user) -> QuerySet[RideRequest]:
    return RideRequest.objects.filter(rider=user)


def bookings_for_user(*, user) -> QuerySet[RideBooking]:
    """Bookings where the user is the rider or the driver."""
    return RideBooking.objects.filter(Q(rider=user) | Q(offer__driver=user)).select_related(
        "offer", "offer__driver", "rider", "pickup_meeting_point", "dropoff_meeting_point"
    )


def confirmed_party(user, offer: RideOffer) -> bool:
    """Whether ``user`` shares a confirmed booking on ``offer`` with its driver."""
    return offer.bookings.filter(rider=user, status=BookingStatus.CONFIRMED).exists()


# -- the map ----------------------------------------------------------------------------------

#: Zoom levels the road network is simplified for; other zooms use the nearest of them.
ROAD_MIN_ZOOM = 8
ROAD_MAX_ZOOM = 16
LOW_ZOOM_MIN_PX = 4
_network_lock = threading.Lock()
_network_cache: dict[tuple, tuple[list[list[tuple[float, float]]], np.ndarray]] = {}


def _network_for_zoom(zoom: int) -> tuple[list[list[tuple[float, float]]], np.ndarray]:
    """All lines of the active road graph simplified for ``zoom``, with their bounds; built once
    per process, graph version and zoom (the graph arrays are memory-mapped, the lines are small)."""
    from .matching_index import active_graph_model

    model = active_graph_model()
    key = (model.pk, model.path, model.imported_at.isoformat() if model.imported_at else "", zoom)
    with _network_lock:
        cached = _network_cache.get(key)
        if cached is not None:
            return cached
    tolerance = zoom_tolerance_deg(zoom)
    # Up to zoom 12 a whole town fits in a few hundred pixels: sections shorter than
    # LOW_ZOOM_MIN_PX pixels (town streets between crossings) are left out there.
    min_extent = tolerance * (LOW_ZOOM_MIN_PX if zoom <= 12 else 1)
    lines = network_lines(load_graph(model), tolerance_deg=tolerance, min_extent_deg=min_extent)
    bounds = np.array(
        [
            (min(p[0] for p in line), min(p[1] for p in line), max(p[0] for p in line), max(p[1] for p in line))
            for line in lines
        ],
        dtype=np.float64,
    ).reshape(-1, 4)
    with _network_lock:
        for stale in [k for k in _network_cache if k[0] == model.pk and k[:3] != key[:3]]:
            del _network_cache[stale]
        _network_cache[key] = (lines, bounds)
    return lines, bounds


def road_network_geojson(*, zoom: int, bbox: tuple[float, float, float, float] | None = None) -> dict:
    """The active road graph as one GeoJSON MultiLineString feature, simplified to about a
    pixel at ``zoom`` (clamped to 8–16); with ``bbox`` (min_lon, min_lat, max_lon, max_lat)
    only the sections reaching into it. Raises ``ServiceUnavailable`` without a road graph."""
    zoom = max(ROAD_MIN_ZOOM, min(ROAD_MAX_ZOOM, int(zoom)))
    lines, bounds = _network_for_zoom(zoom)
    if bbox is not None and len(lines):
        min_lon, min_lat, max_lon, max_lat = bbox
        inside = (
            (bounds[:, 0] <= max_lon)
            & (bounds[:, 2] >= min_lon)
            & (bounds[:, 1] <= max_lat)
            & (bounds[:, 3] >= min_lat)
        )
        lines = [lines[i] for i in np.flatnonzero(inside)]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": lines},
                "properties": {"layer": "roads", "zoom": zoom},
            }
        ],
    }


def road_distance_m(*, lat: float, lon: float) -> float | None:
    """Great-circle metres from ``(lat, lon)`` to the nearest node of the active road graph
    (the graph's nodes lie along every road, so this is the walk to the road to within a few
    metres); None when no road graph is imported or it cannot be loaded."""
    from mobility.errors import DomainError

    from .matching_index import active_graph_model

    try:
        graph = load_graph(active_graph_model())
    except DomainError:
        return None
    return graph.nearest_node(lat, lon)[1]


def meeting_points_geojson() -> dict:
    """Active meeting points (Mitfahrbänke, stops, park and ride) as GeoJSON points."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"meeting-point-{point.pk}",
                "geometry": {"type": "Point", "coordinates": [point.lon, point.lat]},
                "properties": {"layer": "meeting_points", "name": point.name, "kind": point.get_kind_display()},
            }
            for point in MeetingPoint.objects.filter(active=True).order_by("name")
        ],
    }


def meeting_points_active() -> QuerySet[MeetingPoint]:
    """The municipality's meeting points that are in use (public)."""
    return MeetingPoint.objects.filter(active=True)


def roadgraph_list():
    """Imported road graphs, the active one first."""
    from .models import RoadGraph as RoadGraphModel

    return RoadGraphModel.objects.order_by("-active", "name")


# -- trust ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RatingSummary:
    """What others may see of a person's ratings: the average only over enough ratings."""

    count: int
    average: float | None  # None below RIDES_RATING_MIN_COUNT ratings


def rating_summary(*, user) -> RatingSummary:
    """The average of the ratings ``user`` received, rounded to one decimal; ``None`` while
    fewer than ``RIDES_RATING_MIN_COUNT`` exist (so no single rating can be read off)."""
    from django.db.models import Avg, Count

    from .models import RideRating

    row = RideRating.objects.filter(ratee=user).aggregate(n=Count("id"), avg=Avg("score"))
    count = int(row["n"] or 0)
    if count < conf.rating_min_count():
        return RatingSummary(count=count, average=None)
    return RatingSummary(count=count, average=round(float(row["avg"]), 1))


def late_cancellation_count(*, user) -> int:
    """How often ``user`` as a rider gave up a confirmed seat shortly before pickup."""
    return RideBooking.objects.filter(rider=user, cancelled_by=user, late_cancellation=True).count()


def no_show_reports(*, status: str | None = None):
    """No-show reports for the operator, newest first, with what the operator needs to decide."""
    from .models import NoShowReport

    reports = NoShowReport.objects.select_related("booking__offer", "reported", "reporter")
    return reports.filter(status=status) if status else reports


def trust_profile(*, user) -> dict:
    """For the operator: a person's ratings, upheld and open no-show reports, late cancellations."""
    from .models import NoShowReport, ReportStatus

    summary = rating_summary(user=user)
    reports = NoShowReport.objects.filter(reported=user)
    return {
        "user": user.pk,
        "is_active": user.is_active,
        "ratings_count": summary.count,
        "rating_average": summary.average,
        "no_show_reports_open": reports.filter(status=ReportStatus.OPEN).count(),
        "no_show_reports_upheld": reports.filter(status=ReportStatus.UPHELD).count(),
        "late_cancellations": late_cancellation_count(user=user),
    }


def bench_request_by_token(*, token: str):
    """A bench request by its secret token (the only way its person reads it back)."""
    from mobility.errors import NotFound

    from .models import BenchRequest

    item = BenchRequest.objects.select_related("bench", "destination", "accepted_by").filter(token=token).first()
    if item is None:
        raise NotFound("No such bench request.", code="bench_request_not_found")
    return item


def bench_opt_ins_of(*, driver):
    """A driver's own spontaneous-pickup opt-ins."""
    from .models import BenchPickupOptIn

    return BenchPickupOptIn.objects.filter(driver=driver)


def booking_after_ride_actions(*, booking: RideBooking, user, now: datetime | None = None) -> dict[str, bool]:
    """What ``user`` (rider or driver of ``booking``) may still do after the ride: rate the
    other side (once the drop-off time has passed) and report a no-show (once the pickup time
    has passed), each once and within ``RIDES_RATING_WINDOW_DAYS``."""
    from datetime import timedelta

    from .models import NoShowReport, PartyRole, RideRating

    now = now or timezone.now()
    if booking.status != BookingStatus.CONFIRMED or user.pk not in (booking.rider_id, booking.offer.driver_id):
        return {"rate": False, "report": False}
    role = PartyRole.RIDER if user.pk == booking.rider_id else PartyRole.DRIVER
    window = timedelta(days=conf.rating_window_days())
    return {
        "rate": booking.dropoff_time <= now <= booking.dropoff_time + window
        and not RideRating.objects.filter(booking=booking, rater_role=role).exists(),
        "report": booking.pickup_time <= now <= booking.pickup_time + window
        and not NoShowReport.objects.filter(booking=booking, reporter_role=role).exists(),
    }
