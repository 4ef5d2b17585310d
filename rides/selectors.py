"""Ride-sharing reads: a request's matches, what a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import conf
from .domain.matching import Access, Match, RideQuery
from .domain.roadgraph import RoadGraph, haversine_m
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
    point_ids = {m.pickup.label for m in matches} | {m.dropoff.label for m in matches}
    points = MeetingPoint.objects.in_bulk([p for p in point_ids if isinstance(p, int)])
    now = timezone.now().timestamp()
    result = []
    for match in matches:
        offer = offers.get(match.key[0])
        day = date.fromisoformat(match.key[1])
        if offer is None or offer.driver_id == request.rider_id or (offer.pk, day) in booked:
            continue
        if match.pickup_time_s <= now:
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
