"""Ride-sharing writes: import graphs, post offers and requests, book, accept, cancel.

Seats are held from the moment a rider asks (status ``requested``), not only once the
driver accepts: the rider then knows the seat is kept while the driver decides, and the
driver can accept every request they see without a second race. An unanswered request
lapses after ``RIDES_PENDING_HOLD_HOURS`` (task ``rides.expire_pending_bookings``), so a
silent driver cannot block seats for long. Overbooking is prevented by
locking the offer row (``select_for_update``) and re-planning the ride from the bookings in
the database inside that lock, so parallel requests for the same ride are serialised.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.accounts.models import User
from mobility.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable, ValidationFailed
from mobility.l10n import format_money, format_number
from mobility.notifications.services import notify

from . import conf
from .domain import costs
from .domain.matching import Match, match_plan
from .domain.recurrence import weekday_mask
from .domain.roadgraph import RoadGraph, RoadGraphError, encode_polyline
from .domain.women_only import women_only_compatible
from .matching_index import (
    active_graph_model,
    bump_version,
    load_graph,
    occurrence_departure,
    occurrence_plan,
    offer_occurrences,
    reset,
)
from .models import (
    SEAT_HOLDING,
    BenchPickupOptIn,
    BenchRequest,
    BenchRequestStatus,
    BookingStatus,
    MeetingPoint,
    MeetingPointKind,
    NoShowReport,
    OfferStatus,
    PartyRole,
    PickupMode,
    ReportStatus,
    RequestStatus,
    RideBooking,
    RideOffer,
    RideRating,
    RideRequest,
)
from .models import RoadGraph as RoadGraphModel
from .selectors import ride_query_for_request

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """A place given by the user: coordinates, a meeting point id, or a transit stop (row id).

    A meeting point wins over a stop, a stop over coordinates. A stop becomes a meeting
    point of kind ``stop`` (public, so it may be shown exactly).
    """

    lat: float | None = None
    lon: float | None = None
    meeting_point_id: int | None = None
    stop_id: int | None = None


# -- road graphs ------------------------------------------------------------------------------
#: The walking graph's cache inside a road graph's cache directory.
FOOT_SUBDIR = "foot"


def roadgraph_import(
    *, path: Path, name: str, activate: bool = True, progress: Callable[[int], None] | None = None
) -> RoadGraphModel:
    """Build the graph from an OSM file, write its cache and record it (replacing a same-named one).

    The walking profile of the same file (footways, paths, streets; no motorways) is saved
    beside it in ``<cache>/foot``, for the walking times the journey search shows.
    """
    try:
        graph = RoadGraph.from_osm(Path(path), name=name, progress=progress)
    except RoadGraphError as exc:
        raise ValidationFailed(str(exc), code="osm_unreadable") from exc
    directory = conf.graph_dir() / name
    graph.save(directory)
    with contextlib.suppress(RoadGraphError):  # no walkable ways: walks stay straight-line estimates
        RoadGraph.from_osm(Path(path), name=f"{name} (walking)", profile="foot").save(directory / FOOT_SUBDIR)
    with transaction.atomic():
        model, _ = RoadGraphModel.objects.update_or_create(
            name=name,
            defaults={
                "path": str(directory),
                "source_file": str(path),
                "node_count": graph.node_count,
                "edge_count": graph.edge_count,
                "bbox": graph.bbox(),
                "active": activate,
            },
        )
        if activate:
            RoadGraphModel.objects.exclude(pk=model.pk).update(active=False)
        _resnap_rides(model, graph)
        bump_version()
    reset()
    return model


def _resnap_rides(model: RoadGraphModel, graph: RoadGraph) -> None:
    """After re-importing a graph, node numbers change: snap live rides onto the new graph again."""
    for offer in RideOffer.objects.filter(graph=model, status=OfferStatus.ACTIVE):
        offer.origin_node = graph.nearest_node(offer.origin_lat, offer.origin_lon)[0]
        offer.destination_node = graph.nearest_node(offer.destination_lat, offer.destination_lon)[0]
        if offer.origin_node == offer.destination_node:
            offer.status = OfferStatus.CANCELLED
            offer.save(update_fields=["origin_node", "destination_node", "status", "updated_at"])
            continue
        route = graph.route(offer.origin_node, offer.destination_node)
        offer.duration_s, offer.distance_m = route.duration_s, route.distance_m
        offer.polyline = encode_polyline(graph.path_shape(route.nodes))
        offer.save(
            update_fields=["origin_node", "destination_node", "duration_s", "distance_m", "polyline", "updated_at"]
        )
    for booking in RideBooking.objects.filter(offer__graph=model, status__in=SEAT_HOLDING):
        booking.pickup_node = graph.nearest_node(booking.pickup_lat, booking.pickup_lon)[0]
        booking.dropoff_node = graph.nearest_node(booking.dropoff_lat, booking.dropoff_lon)[0]
        booking.save(update_fields=["pickup_node", "dropoff_node", "updated_at"])


def meeting_point_create(*, name: str, lat: float, lon: float, kind: str = "mitfahrbank") -> MeetingPoint:
    """A municipality-curated meeting point."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed("Coordinates out of range.", code="invalid_coordinates")
    point = MeetingPoint.objects.create(name=name, lat=lat, lon=lon, kind=kind)
    bump_version()
    return point


# -- helpers ----------------------------------------------------------------------------------
def _stop_meeting_point(stop_id: int, field: str) -> MeetingPoint:
    from gtfs.models import Stop

    stop = Stop.objects.filter(pk=stop_id, lat__isnull=False, lon__isnull=False).first()
    if stop is None:
        raise ValidationFailed("Unknown stop.", code="stop_not_found", fields={field: ["Unknown stop."]})
    assert stop.lat is not None and stop.lon is not None  # filtered above
    point, _ = MeetingPoint.objects.get_or_create(
        kind=MeetingPointKind.STOP, name=(stop.name or stop.stop_id)[:120], lat=stop.lat, lon=stop.lon
    )
    return point


def _resolve_place(place: Place, field: str) -> tuple[float, float, MeetingPoint | None]:
    if place.meeting_point_id is None and place.stop_id is not None:
        point = _stop_meeting_point(place.stop_id, field)
        return point.lat, point.lon, point
    if place.meeting_point_id is not None:
        chosen = MeetingPoint.objects.filter(pk=place.meeting_point_id, active=True).first()
        if chosen is None:
            raise ValidationFailed(
                "Unknown meeting point.", code="meeting_point_not_found", fields={field: ["Unknown meeting point."]}
            )
        return chosen.lat, chosen.lon, chosen
    if place.lat is None or place.lon is None:
        raise ValidationFailed(
            "Give coordinates or a meeting point.", code="place_missing", fields={field: ["Required."]}
        )
    return float(place.lat), float(place.lon), None


def _snap(graph: RoadGraph, lat: float, lon: float, field: str) -> int:
    node, distance = graph.nearest_node(lat, lon)
    if distance > conf.max_snap_m():
        raise Unprocessable(
            "This place is %(distance)s m from the nearest road of the ride-sharing area.",
            params={"distance": f"{distance:.0f}"},
            code="outside_road_network",
            fields={field: ["Outside the area served by ride-sharing."]},
        )
    return node


def _check_horizon(moment: datetime, field: str) -> None:
    """Rides are planned at most ``RIDES_BOOKING_HORIZON_DAYS`` ahead (like car-sharing's horizon)."""
    days = conf.booking_horizon_days()
    if moment > timezone.now() + timedelta(days=days):
        message = _("Fahrten können höchstens %(days)d Tage im Voraus geplant werden.") % {"days": days}
        raise ValidationFailed(message, code="beyond_horizon", fields={field: [message]})


# -- offers -----------------------------------------------------------------------------------
@transaction.atomic
def offer_create(
    *,
    driver: User,
    origin: Place,
    destination: Place,
    departure: datetime,
    seats: int,
    cost_share_cents: int = 0,
    tolls_cents: int = 0,
    women_riders_only: bool = False,
    max_detour_minutes: int = 15,
    weekdays: list[int] | None = None,
    recurrence_until: date | None = None,
    recurrence_exceptions: list[date] | None = None,
) -> RideOffer:
    """Post a ride; computes the driver's route and then looks for waiting requests (after commit).

    The ride's running costs (route distance × ``RIDES_COST_RATE_CENTS_PER_KM`` + tolls) are
    stored with it; a share per seat that would make a full car pay more is refused
    (``cost_share_above_cap``, PBefG § 1 Abs. 2 Nr. 1).
    """
    if departure <= timezone.now():
        raise ValidationFailed("The departure lies in the past.", code="departure_in_past", fields={"departure": []})
    _check_horizon(departure, "departure")
    if not 1 <= seats <= 8:
        raise ValidationFailed("Offer between 1 and 8 seats.", code="invalid_seats", fields={"seats": []})
    if not 0 <= max_detour_minutes <= 60:
        raise ValidationFailed("The detour must be 0 to 60 minutes.", code="invalid_detour")
    if cost_share_cents < 0:
        raise ValidationFailed("The cost share cannot be negative.", code="invalid_cost_share")
    if not 0 <= tolls_cents <= conf.max_tolls_cents():
        message = f"Tolls must be 0 to {conf.max_tolls_cents()} cents."
        raise ValidationFailed(message, code="invalid_tolls", fields={"tolls_cents": [message]})
    try:
        mask = weekday_mask(weekdays or [])
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="invalid_weekdays", fields={"weekdays": [str(exc)]}) from exc
    local_departure_day = timezone.localtime(departure).date()
    if recurrence_until and recurrence_until < local_departure_day:
        raise ValidationFailed("The end date lies before the first ride.", code="invalid_recurrence")
    if mask and not recurrence_until:
        raise ValidationFailed("A recurring ride needs an end date.", code="invalid_recurrence")
    if recurrence_until and recurrence_until > local_departure_day + timedelta(days=366):
        raise ValidationFailed("Recurring rides end within a year.", code="invalid_recurrence")
    graph_model = active_graph_model()
    graph = load_graph(graph_model)
    o_lat, o_lon, o_point = _resolve_place(origin, "origin")
    d_lat, d_lon, d_point = _resolve_place(destination, "destination")
    o_node = _snap(graph, o_lat, o_lon, "origin")
    d_node = _snap(graph, d_lat, d_lon, "destination")
    if o_node == d_node:
        raise ValidationFailed("Origin and destination are the same place.", code="same_origin_destination")
    route = graph.route(o_node, d_node)
    cap = costs.running_cost_cents(
        distance_m=route.distance_m, rate_cents_per_km=conf.cost_rate_cents_per_km(), tolls_cents=tolls_cents
    )
    if not costs.offer_within_cap(cost_share_cents=cost_share_cents, seats=seats, cap_cents=cap):
        _refuse_offer_above_cap(cap=cap, seats=seats, distance_m=route.distance_m)
    offer = RideOffer.objects.create(
        driver=driver,
        graph=graph_model,
        origin_lat=o_lat,
        origin_lon=o_lon,
        origin_meeting_point=o_point,
        destination_lat=d_lat,
        destination_lon=d_lon,
        destination_meeting_point=d_point,
        origin_node=o_node,
        destination_node=d_node,
        departure=departure,
        seats=seats,
        cost_share_cents=cost_share_cents,
        tolls_cents=tolls_cents,
        running_cost_cents=cap,
        women_riders_only=bool(women_riders_only),
        max_detour_minutes=max_detour_minutes,
        recurrence_weekdays=mask,
        recurrence_until=recurrence_until if mask else None,
        recurrence_exceptions=sorted({d.isoformat() for d in recurrence_exceptions or []}),
        distance_m=route.distance_m,
        duration_s=route.duration_s,
        polyline=encode_polyline(graph.path_shape(route.nodes)),
    )
    bump_version()
    offer_id = offer.pk
    transaction.on_commit(lambda: _schedule_offer_matching(offer_id))
    return offer


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


def _refuse_offer_above_cap(*, cap: int, seats: int, distance_m: float) -> None:
    most = costs.max_share_per_seat_cents(cap_cents=cap, seats=seats)
    message = _(
        "Riders may together pay at most the ride's running costs, %(cap)s (%(km)s km); "
        "with %(seats)d seats that is at most %(most)s per seat."
    ) % {
        "cap": format_money(cap),
        "km": format_number(distance_m / 1000, 1),
        "seats": seats,
        "most": format_money(most),
    }
    raise ValidationFailed(
        message,
        code="cost_share_above_cap",
        fields={"cost_share_cents": [message]},
        params={"cap": _euros(cap), "km": f"{distance_m / 1000:.1f}".replace(".", ","), "most": _euros(most)},
    )


def _schedule_offer_matching(offer_id: int) -> None:
    from .tasks import offer_match_waiting_requests

    try:
        offer_match_waiting_requests.delay(offer_id)
    except Exception:  # a broker outage must not fail the post; riders still find the offer themselves
        logger.exception("could not schedule matching for offer %s", offer_id)


@transaction.atomic
def offer_cancel(*, driver: User, offer_id: int, reason: str) -> RideOffer:
    """Cancel a ride (every occurrence); riders holding seats are told why."""
    offer = RideOffer.objects.select_for_update().filter(pk=offer_id, driver=driver).first()
    if offer is None:
        raise NotFound("No such offer.", code="offer_not_found")
    if offer.status != OfferStatus.ACTIVE:
        raise Conflict("The offer is not active.", code="offer_not_active")
    reason = (reason or "").strip() or "cancelled by the driver"
    offer.status = OfferStatus.CANCELLED
    offer.save(update_fields=["status", "updated_at"])
    for booking in offer.bookings.filter(status__in=SEAT_HOLDING).select_related("rider"):
        booking.status = BookingStatus.CANCELLED
        booking.cancel_reason = reason[:300]
        booking.cancelled_by = driver
        booking.save(update_fields=["status", "cancel_reason", "cancelled_by", "updated_at"])
        _reopen_request(booking)
        notify(booking.rider, "ride_booking_cancelled", {"booking": booking.pk, "offer": offer.pk, "reason": reason})
    bump_version()
    return offer


# -- requests ---------------------------------------------------------------------------------
@transaction.atomic
def request_create(
    *,
    rider: User,
    origin: Place,
    destination: Place,
    earliest_departure: datetime,
    latest_arrival: datetime,
    seats: int = 1,
    pickup_mode: str = PickupMode.DOOR,
    max_walk_m: int = 500,
    women_drivers_only: bool = False,
) -> RideRequest:
    """Record what a rider is looking for; matching offers are read with ``request_matches``."""
    if latest_arrival <= earliest_departure:
        raise ValidationFailed(
            "The latest arrival must be after the earliest departure.",
            code="invalid_time_window",
            fields={"latest_arrival": ["Must be after earliest_departure."]},
        )
    if latest_arrival - earliest_departure > timedelta(hours=24):
        raise ValidationFailed("The time window may span at most 24 hours.", code="invalid_time_window")
    if latest_arrival <= timezone.now():
        raise ValidationFailed("The time window lies in the past.", code="window_in_past")
    _check_horizon(earliest_departure, "earliest_departure")
    if not 1 <= seats <= 8:
        raise ValidationFailed("Ask for 1 to 8 seats.", code="invalid_seats", fields={"seats": []})
    if pickup_mode not in PickupMode.values:
        raise ValidationFailed("Unknown pickup mode.", code="invalid_pickup_mode")
    if not 0 <= max_walk_m <= 3000:
        raise ValidationFailed("Walking distance must be 0 to 3000 m.", code="invalid_walk")
    graph_model = active_graph_model()
    graph = load_graph(graph_model)
    o_lat, o_lon, _ = _resolve_place(origin, "origin")
    d_lat, d_lon, _ = _resolve_place(destination, "destination")
    if _snap(graph, o_lat, o_lon, "origin") == _snap(graph, d_lat, d_lon, "destination"):
        raise ValidationFailed("Origin and destination are the same place.", code="same_origin_destination")
    request = RideRequest.objects.create(
        rider=rider,
        graph=graph_model,
        origin_lat=o_lat,
        origin_lon=o_lon,
        destination_lat=d_lat,
        destination_lon=d_lon,
        earliest_departure=earliest_departure,
        latest_arrival=latest_arrival,
        seats=seats,
        pickup_mode=pickup_mode,
        max_walk_m=max_walk_m,
        women_drivers_only=bool(women_drivers_only),
    )
    return request


@transaction.atomic
def request_cancel(*, rider: User, request_id: int) -> RideRequest:
    request = RideRequest.objects.select_for_update().filter(pk=request_id, rider=rider).first()
    if request is None:
        raise NotFound("No such request.", code="request_not_found")
    if request.status == RequestStatus.CANCELLED:
        raise Conflict("The request is already cancelled.", code="request_not_open")
    request.status = RequestStatus.CANCELLED
    request.save(update_fields=["status"])
    return request


def _reopen_request(booking: RideBooking) -> None:
    if booking.request_id is None:
        return
    still_live = (
        RideBooking.objects.filter(request_id=booking.request_id, status__in=SEAT_HOLDING)
        .exclude(pk=booking.pk)
        .exists()
    )
    if not still_live:
        RideRequest.objects.filter(pk=booking.request_id, status=RequestStatus.BOOKED).update(status=RequestStatus.OPEN)


# -- bookings ---------------------------------------------------------------------------------
@transaction.atomic
def booking_create(*, rider: User, request_id: int, offer_id: int, occurrence_date: date) -> RideBooking:
    """A rider asks for seats on one ride; the seats are held until the driver answers.

    The offer row is locked and the ride re-planned from the seat-holding bookings in the
    database, so concurrent requests cannot overbook any leg or break a promise.
    """
    request = RideRequest.objects.filter(pk=request_id, rider=rider).first()
    if request is None:
        raise NotFound("No such request.", code="request_not_found")
    if request.status != RequestStatus.OPEN:
        raise Conflict("The request is not open.", code="request_not_open")
    offer = RideOffer.objects.select_for_update().filter(pk=offer_id).first()
    if offer is None or offer.status != OfferStatus.ACTIVE:
        raise NotFound("No such ride offer.", code="offer_not_found")
    if offer.driver_id == rider.pk:
        raise ValidationFailed("You cannot book your own ride.", code="own_offer")
    if offer.graph_id != request.graph_id:
        raise Unprocessable("The offer and the request use different road graphs.", code="graph_mismatch")
    if not women_only_compatible(
        offer_women_riders_only=offer.women_riders_only,
        request_women_drivers_only=request.women_drivers_only,
        rider_declares_woman=rider.declares_woman,
        driver_declares_woman=offer.driver.declares_woman,
    ):
        raise Forbidden(
            "This ride is for women only (as declared in the profile)."
            if offer.women_riders_only
            else "You asked for women drivers only.",
            code="women_only",
        )
    if occurrence_date not in offer_occurrences(offer, occurrence_date, occurrence_date):
        raise ValidationFailed(
            "The ride does not take place on this date.",
            code="not_an_occurrence",
            fields={"occurrence_date": ["No ride on this date."]},
        )
    if occurrence_departure(offer, occurrence_date) <= timezone.now():
        raise Conflict("This ride has already left.", code="ride_departed")
    holding = list(offer.bookings.filter(occurrence_date=occurrence_date, status__in=SEAT_HOLDING))
    if any(b.rider_id == rider.pk for b in holding):
        raise Conflict("You already hold seats on this ride.", code="already_booked")
    graph = load_graph(offer.graph)
    plan = occurrence_plan(graph, offer, occurrence_date, holding)
    query = ride_query_for_request(graph, request)
    match = match_plan(graph, plan, query)
    if match is None:
        free = offer.seats - sum(b.seats for b in holding)
        code = "seats_unavailable" if free < request.seats else "ride_does_not_fit"
        raise Conflict(
            "Not enough free seats on this ride." if code == "seats_unavailable" else "This ride no longer fits.",
            code=code,
        )
    price = costs.booking_price_cents(cost_share_cents=offer.cost_share_cents, seats=request.seats)
    if not costs.booking_within_cap(
        held_prices_cents=[b.price_cents for b in holding], new_price_cents=price, cap_cents=offer.running_cost_cents
    ):
        message = _(
            "Riders of this ride may together pay at most its running costs, %(cap)s; "
            "%(held)s are already booked, so a further %(price)s would exceed them."
        ) % {
            "cap": format_money(offer.running_cost_cents),
            "held": format_money(sum(b.price_cents for b in holding)),
            "price": format_money(price),
        }
        raise Conflict(message, code="cost_cap_exceeded", params={"cap": _euros(offer.running_cost_cents)})
    tz = timezone.get_current_timezone()
    pickup_point = match.pickup.label if isinstance(match.pickup.label, int) else None
    dropoff_point = match.dropoff.label if isinstance(match.dropoff.label, int) else None
    booking = RideBooking.objects.create(
        offer=offer,
        occurrence_date=occurrence_date,
        rider=rider,
        request=request,
        seats=request.seats,
        pickup_lat=float(graph.lat[match.pickup.node]),
        pickup_lon=float(graph.lon[match.pickup.node]),
        pickup_node=match.pickup.node,
        pickup_meeting_point_id=pickup_point,
        dropoff_lat=float(graph.lat[match.dropoff.node]),
        dropoff_lon=float(graph.lon[match.dropoff.node]),
        dropoff_node=match.dropoff.node,
        dropoff_meeting_point_id=dropoff_point,
        pickup_time=datetime.fromtimestamp(match.pickup_time_s, tz),
        dropoff_time=datetime.fromtimestamp(match.dropoff_time_s, tz),
        walk_m=match.walk_m,
        added_s=match.added_s,
        price_cents=price,
    )
    notify(
        offer.driver,
        "ride_booking_requested",
        {"booking": booking.pk, "offer": offer.pk, "date": occurrence_date.isoformat(), "seats": booking.seats},
    )
    bump_version()
    return booking


def _booking_for_driver(driver: User, booking_id: int) -> RideBooking:
    booking = (
        RideBooking.objects.select_for_update()
        .select_related("offer", "rider")
        .filter(pk=booking_id, offer__driver=driver)
        .first()
    )
    if booking is None:
        raise NotFound("No such booking.", code="booking_not_found")
    return booking


@transaction.atomic
def booking_accept(*, driver: User, booking_id: int) -> RideBooking:
    """The driver confirms; both parties now see each other's exact pickup and contact."""
    booking = _booking_for_driver(driver, booking_id)
    if booking.status != BookingStatus.REQUESTED:
        raise Conflict(
            "The booking is %(status)s.", code="booking_not_pending", params={"status": booking.get_status_display()}
        )
    booking.status = BookingStatus.CONFIRMED
    booking.save(update_fields=["status", "updated_at"])
    if booking.request_id:
        RideRequest.objects.filter(pk=booking.request_id).update(status=RequestStatus.BOOKED)
    notify(booking.rider, "ride_booking_confirmed", {"booking": booking.pk, "offer": booking.offer_id})
    bump_version()
    return booking


@transaction.atomic
def booking_decline(*, driver: User, booking_id: int, reason: str = "") -> RideBooking:
    """The driver declines a pending request; its seats are free again."""
    booking = _booking_for_driver(driver, booking_id)
    if booking.status != BookingStatus.REQUESTED:
        raise Conflict(
            "The booking is %(status)s.", code="booking_not_pending", params={"status": booking.get_status_display()}
        )
    booking.status = BookingStatus.DECLINED
    booking.cancel_reason = (reason or "").strip()[:300]
    booking.save(update_fields=["status", "cancel_reason", "updated_at"])
    notify(booking.rider, "ride_booking_declined", {"booking": booking.pk, "reason": booking.cancel_reason})
    bump_version()
    return booking


@transaction.atomic
def booking_cancel(*, user: User, booking_id: int, reason: str) -> RideBooking:
    """Either party cancels a pending or confirmed booking, giving a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Please give a reason.", code="reason_required", fields={"reason": ["Required."]})
    booking = RideBooking.objects.select_for_update().select_related("offer", "rider").filter(pk=booking_id).first()
    if booking is None or user.pk not in (booking.rider_id, booking.offer.driver_id):
        raise NotFound("No such booking.", code="booking_not_found")
    if booking.status not in SEAT_HOLDING:
        raise Conflict(
            "The booking is %(status)s.", code="booking_not_active", params={"status": booking.get_status_display()}
        )
    now = timezone.now()
    # A rider giving up a confirmed seat shortly before pickup leaves the driver waiting or
    # driving a detour for nothing: counted (``rides.selectors.late_cancellation_count``).
    late = (
        user.pk == booking.rider_id
        and booking.status == BookingStatus.CONFIRMED
        and booking.pickup_time - now < timedelta(hours=conf.late_cancel_hours())
    )
    booking.status = BookingStatus.CANCELLED
    booking.cancel_reason = reason[:300]
    booking.cancelled_by = user
    booking.cancelled_at = now
    booking.late_cancellation = late
    booking.save(
        update_fields=["status", "cancel_reason", "cancelled_by", "cancelled_at", "late_cancellation", "updated_at"]
    )
    _reopen_request(booking)
    other = booking.offer.driver if user.pk == booking.rider_id else booking.rider
    notify(
        other,
        "ride_booking_cancelled",
        {"booking": booking.pk, "offer": booking.offer_id, "reason": reason, "late": late},
    )
    bump_version()
    return booking


def ensure_party(user: User, booking: RideBooking) -> None:
    if user.pk not in (booking.rider_id, booking.offer.driver_id):
        raise Forbidden("Not your booking.", code="not_a_party")


def bookings_expire_pending(*, now: datetime | None = None) -> int:
    """Unanswered seat requests lapse: after ``RIDES_PENDING_HOLD_HOURS`` or once the ride left.

    Each lapsed booking is declined with the reason "no answer from the driver", frees its
    seats, and both parties are told. Returns how many lapsed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=conf.pending_hold_hours())
    lapsed = 0
    candidates = RideBooking.objects.filter(status=BookingStatus.REQUESTED).filter(
        Q(created_at__lte=cutoff) | Q(pickup_time__lte=now)
    )
    for booking_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            booking = (
                RideBooking.objects.select_for_update()
                .select_related("offer__driver", "rider")
                .filter(pk=booking_id, status=BookingStatus.REQUESTED)
                .first()
            )
            if booking is None:
                continue
            booking.status = BookingStatus.DECLINED
            booking.cancel_reason = "no answer from the driver"
            booking.save(update_fields=["status", "cancel_reason", "updated_at"])
            notify(booking.rider, "ride_booking_declined", {"booking": booking.pk, "reason": booking.cancel_reason})
            notify(booking.offer.driver, "ride_booking_lapsed", {"booking": booking.pk})
            bump_version()
            lapsed += 1
    return lapsed


# A single ride is over this long after its departure (longer than any regional ride).
RIDE_OVER_AFTER = timedelta(hours=12)


@transaction.atomic
def offers_complete_past(*, now: datetime | None = None) -> int:
    """Mark active offers whose last ride is over as completed; returns how many.

    A single ride is over ``RIDE_OVER_AFTER`` after its departure; a recurring one the day
    after its ``recurrence_until`` (local date).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    over = RideOffer.objects.filter(status=OfferStatus.ACTIVE).filter(
        Q(recurrence_weekdays=0, departure__lt=now - RIDE_OVER_AFTER)
        | Q(recurrence_weekdays__gt=0, recurrence_until__lt=today)
    )
    count = over.update(status=OfferStatus.COMPLETED, updated_at=now)
    if count:
        bump_version()
    return count


@transaction.atomic
def request_and_book(
    *,
    rider: User,
    origin: Place,
    destination: Place,
    earliest_departure: datetime,
    latest_arrival: datetime,
    offer_id: int,
    occurrence_date: date,
    seats: int = 1,
    pickup_mode: str = PickupMode.DOOR,
    max_walk_m: int = 500,
    women_drivers_only: bool = False,
) -> RideBooking:
    """Ask for seats on a ride found by the search in one step: the rider's request and the
    seat request are created together, or neither is (nothing is left half-booked)."""
    request = request_create(
        rider=rider,
        origin=origin,
        destination=destination,
        earliest_departure=earliest_departure,
        latest_arrival=latest_arrival,
        seats=seats,
        pickup_mode=pickup_mode,
        max_walk_m=max_walk_m,
        women_drivers_only=women_drivers_only,
    )
    return booking_create(rider=rider, request_id=request.pk, offer_id=offer_id, occurrence_date=occurrence_date)


# -- trust: ratings and no-show reports --------------------------------------------------------
def _party_booking(user: User, booking_id: int) -> tuple[RideBooking, str]:
    """The booking ``user`` is a party of, locked, and which side they are on."""
    booking = (
        RideBooking.objects.select_for_update(of=("self",))
        .select_related("offer", "rider", "offer__driver")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or user.pk not in (booking.rider_id, booking.offer.driver_id):
        raise NotFound("No such booking.", code="booking_not_found")
    return booking, PartyRole.RIDER if user.pk == booking.rider_id else PartyRole.DRIVER


def _check_after_ride(booking: RideBooking, *, moment: datetime, now: datetime) -> None:
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict("Only a confirmed ride can be rated or reported.", code="booking_not_confirmed")
    if now < moment:
        raise Conflict("The ride has not taken place yet.", code="ride_not_over")
    if now > moment + timedelta(days=conf.rating_window_days()):
        raise Conflict(
            "Rides can be rated or reported up to %(days)s days afterwards.",
            params={"days": conf.rating_window_days()},
            code="rating_window_closed",
        )


@transaction.atomic
def rating_create(
    *, user: User, booking_id: int, score: int, text: str = "", now: datetime | None = None
) -> RideRating:
    """After a confirmed ride (its drop-off time has passed), rider and driver may each rate
    the other once: 1–5 and an optional text of at most 300 characters."""
    now = now or timezone.now()
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed("Rate from 1 to 5.", code="invalid_score", fields={"score": ["1 to 5."]})
    text = (text or "").strip()
    if len(text) > 300:
        raise ValidationFailed("At most 300 characters.", code="text_too_long", fields={"text": ["At most 300."]})
    booking, role = _party_booking(user, booking_id)
    _check_after_ride(booking, moment=booking.dropoff_time, now=now)
    if RideRating.objects.filter(booking=booking, rater_role=role).exists():
        raise Conflict("You have already rated this ride.", code="already_rated")
    ratee = booking.offer.driver if role == PartyRole.RIDER else booking.rider
    rating = RideRating.objects.create(
        booking=booking, rater_role=role, rater=user, ratee=ratee, score=score, text=text
    )
    notify(ratee, "ride_rated", {"booking": booking.pk})
    return rating


@transaction.atomic
def no_show_report(*, user: User, booking_id: int, note: str = "", now: datetime | None = None) -> NoShowReport:
    """Rider or driver reports that the other side did not turn up (once the pickup time has
    passed); the operator sees the report (``no_show_reports_open``) and decides."""
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationFailed("At most 300 characters.", code="text_too_long", fields={"note": ["At most 300."]})
    booking, role = _party_booking(user, booking_id)
    _check_after_ride(booking, moment=booking.pickup_time, now=now)
    if NoShowReport.objects.filter(booking=booking, reporter_role=role).exists():
        raise Conflict("You have already reported this ride.", code="already_reported")
    reported = booking.offer.driver if role == PartyRole.RIDER else booking.rider
    return NoShowReport.objects.create(booking=booking, reporter_role=role, reporter=user, reported=reported, note=note)


@transaction.atomic
def no_show_report_decide(*, operator: User, report_id: int, upheld: bool) -> NoShowReport:
    """The operator upholds or dismisses a no-show report (suspending is a separate step:
    ``mobility.accounts.services.account_suspend``)."""
    report = NoShowReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise NotFound("No such report.", code="report_not_found")
    if report.status != ReportStatus.OPEN:
        raise Conflict("The report was already decided.", code="report_decided")
    report.status = ReportStatus.UPHELD if upheld else ReportStatus.DISMISSED
    report.handled_by = operator
    report.handled_at = timezone.now()
    report.save(update_fields=["status", "handled_by", "handled_at"])
    return report


# -- the Mitfahrbank ---------------------------------------------------------------------------
def bench_for_code(code: str) -> MeetingPoint:
    bench = MeetingPoint.objects.filter(
        code=(code or "").strip().lower(), kind=MeetingPointKind.MITFAHRBANK, active=True
    ).first()
    if bench is None:
        raise NotFound("No such Mitfahrbank.", code="bench_not_found")
    return bench


def bench_destinations(bench: MeetingPoint) -> QuerySet[MeetingPoint]:
    """Where one can ask to go from a bench: the other villages' benches."""
    return MeetingPoint.objects.filter(kind=MeetingPointKind.MITFAHRBANK, active=True).exclude(pk=bench.pk)


def _match_offer_id(match: Match) -> int:
    """The offer a match is on: the offer index keys its occurrences ``(offer id, ISO day)``."""
    return cast("tuple[int, str]", match.key)[0]


def _bench_passing_drivers(
    bench: MeetingPoint,
    destination: MeetingPoint,
    now: datetime,
    *,
    rider_declares_woman: bool = False,
    women_drivers_only: bool = False,
) -> dict[int, tuple[int, datetime]]:
    """Drivers whose rides can pick someone up at the bench within the window and take them to
    the destination (the matcher, with the bench as the door): {driver id: (offer id, pickup time)}.

    The "only women" choices hold as for any request: a ride offered to women only passes the
    bench only for a requester who declared herself a woman, and ``women_drivers_only`` keeps
    to drivers who declared themselves women."""
    from .matching_index import offer_index

    try:
        graph_model = active_graph_model()
    except ServiceUnavailable:  # no road graph imported: only opted-in drivers can be told
        return {}
    window = timedelta(minutes=conf.bench_window_minutes())
    probe = RideRequest(
        graph=graph_model,
        origin_lat=bench.lat,
        origin_lon=bench.lon,
        destination_lat=destination.lat,
        destination_lon=destination.lon,
        earliest_departure=now,
        latest_arrival=now + window + timedelta(hours=3),
        seats=1,
        pickup_mode=PickupMode.DOOR,
    )
    graph = load_graph(graph_model)
    matches = offer_index(graph_model).match(ride_query_for_request(graph, probe))
    offers = (
        RideOffer.objects.filter(status=OfferStatus.ACTIVE, driver__is_active=True)
        .select_related("driver")
        .in_bulk({_match_offer_id(m) for m in matches})
    )
    found: dict[int, tuple[int, datetime]] = {}
    for match in sorted(matches, key=lambda m: m.pickup_time_s):
        offer = offers.get(_match_offer_id(match))
        pickup = datetime.fromtimestamp(match.pickup_time_s, timezone.get_current_timezone())
        if offer is None or not now <= pickup <= now + window or offer.driver_id in found:
            continue
        if women_only_compatible(
            offer_women_riders_only=offer.women_riders_only,
            request_women_drivers_only=women_drivers_only,
            rider_declares_woman=rider_declares_woman,
            driver_declares_woman=offer.driver.declares_woman,
        ):
            found[offer.driver_id] = (offer.pk, pickup)
    return found


@transaction.atomic
def bench_request_create(
    *,
    code: str,
    destination_id: int,
    now: datetime | None = None,
    requester: User | AnonymousUser | None = None,
    women_drivers_only: bool = False,
) -> BenchRequest:
    """Someone at a bench asks for a lift (no account needed). Drivers whose rides pass the
    bench within ``RIDES_BENCH_WINDOW_MIN`` minutes and drivers who opted in for that bench
    and destination are notified at once (stored and pushed over the WebSocket).

    ``requester``: the signed-in person asking, if any (nothing about them is stored). Only a
    signed-in requester can choose ``women_drivers_only``; then only drivers who declared
    themselves women are told (and only they can accept). Rides offered to women only are
    announced only to a requester who declared herself a woman.
    """
    import secrets

    now = now or timezone.now()
    person = requester if isinstance(requester, User) and requester.is_authenticated else None
    signed_in = person is not None
    rider_declares_woman = bool(person is not None and person.declares_woman)
    women_drivers_only = bool(signed_in and women_drivers_only)
    bench = bench_for_code(code)
    MeetingPoint.objects.select_for_update().filter(pk=bench.pk).first()  # serialise the limit below
    destination = bench_destinations(bench).filter(pk=destination_id).first()
    if destination is None:
        raise ValidationFailed(
            "Choose one of the villages.", code="bench_destination_invalid", fields={"destination": ["Unknown."]}
        )
    waiting = BenchRequest.objects.filter(bench=bench, status=BenchRequestStatus.WAITING, expires_at__gt=now)
    if waiting.count() >= conf.bench_max_waiting():
        raise Conflict("Several people are already waiting here; please try again shortly.", code="bench_busy")
    passing = _bench_passing_drivers(
        bench, destination, now, rider_declares_woman=rider_declares_woman, women_drivers_only=women_drivers_only
    )
    opt_ins = BenchPickupOptIn.objects.filter(bench=bench, driver__is_active=True).filter(
        Q(destination=destination) | Q(destination__isnull=True)
    )
    if women_drivers_only:
        opt_ins = opt_ins.filter(driver__declares_woman=True)
    opted = set(opt_ins.values_list("driver_id", flat=True))
    request = BenchRequest.objects.create(
        bench=bench,
        destination=destination,
        token=secrets.token_urlsafe(32),
        notified_drivers=sorted(set(passing) | opted),
        expires_at=now + timedelta(minutes=conf.bench_window_minutes()),
    )
    for driver in User.objects.filter(pk__in=request.notified_drivers):
        offer_id, pickup = passing.get(driver.pk, (None, None))
        notify(
            driver,
            "bench_request",
            {
                "bench_request": request.pk,
                "bench": bench.name,
                "destination": destination.name,
                "offer": offer_id,
                "pickup_time": pickup.isoformat() if pickup else None,
                "expires_at": request.expires_at.isoformat(),
            },
        )
    return request


def bench_request_status(request: BenchRequest, now: datetime | None = None) -> str:
    """The status as the person sees it: a waiting request past ``expires_at`` has lapsed."""
    now = now or timezone.now()
    if request.status == BenchRequestStatus.WAITING and request.expires_at <= now:
        return BenchRequestStatus.EXPIRED
    return request.status


@transaction.atomic
def bench_request_accept(*, driver: User, request_id: int, eta_minutes: int = 10) -> BenchRequest:
    """A notified driver takes the person waiting at the bench; the first one wins."""
    request = BenchRequest.objects.select_for_update().select_related("bench").filter(pk=request_id).first()
    if request is None or driver.pk not in request.notified_drivers:
        raise NotFound("No such bench request.", code="bench_request_not_found")
    if not 0 <= eta_minutes <= 120:
        raise ValidationFailed("Give the minutes until you arrive (0 to 120).", code="invalid_eta")
    status = bench_request_status(request)
    if status == BenchRequestStatus.ACCEPTED:
        raise Conflict("Someone else already takes this person.", code="bench_request_taken")
    if status != BenchRequestStatus.WAITING:
        raise Conflict("Nobody is waiting any more.", code="bench_request_closed")
    now = timezone.now()
    request.status = BenchRequestStatus.ACCEPTED
    request.accepted_by = driver
    request.accepted_at = now
    request.pickup_eta = now + timedelta(minutes=eta_minutes)
    request.save(update_fields=["status", "accepted_by", "accepted_at", "pickup_eta"])
    for other in request.notified_drivers:
        if other != driver.pk:
            from mobility.accounts.models import User

            user = User.objects.filter(pk=other).first()
            if user is not None:
                notify(user, "bench_request_taken", {"bench_request": request.pk})
    return request


@transaction.atomic
def bench_request_cancel(*, token: str) -> BenchRequest:
    """The person at the bench no longer needs the lift (a driver who accepted is told)."""
    request = BenchRequest.objects.select_for_update().filter(token=token).first()
    if request is None:
        raise NotFound("No such bench request.", code="bench_request_not_found")
    if bench_request_status(request) not in (BenchRequestStatus.WAITING, BenchRequestStatus.ACCEPTED):
        raise Conflict("The request is closed.", code="bench_request_closed")
    request.status = BenchRequestStatus.CANCELLED
    request.save(update_fields=["status"])
    if request.accepted_by_id:
        notify(request.accepted_by, "bench_request_cancelled", {"bench_request": request.pk})
    return request


def bench_opt_in(*, driver: User, bench_id: int, destination_id: int | None = None) -> BenchPickupOptIn:
    """A driver asks to be told about people waiting at a bench (for one destination or any)."""
    bench = MeetingPoint.objects.filter(pk=bench_id, kind=MeetingPointKind.MITFAHRBANK, active=True).first()
    if bench is None:
        raise NotFound("No such Mitfahrbank.", code="bench_not_found")
    destination = None
    if destination_id is not None:
        destination = bench_destinations(bench).filter(pk=destination_id).first()
        if destination is None:
            raise ValidationFailed("Unknown destination.", code="bench_destination_invalid")
    opt_in, _ = BenchPickupOptIn.objects.get_or_create(driver=driver, bench=bench, destination=destination)
    return opt_in


def bench_opt_out(*, driver: User, opt_in_id: int) -> None:
    deleted, _ = BenchPickupOptIn.objects.filter(pk=opt_in_id, driver=driver).delete()
    if not deleted:
        raise NotFound("No such opt-in.", code="opt_in_not_found")
