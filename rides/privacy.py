"""Ride-sharing in export, erasure and retention (see ``mobility.privacy.registry``).

Exact places are the sensitive part here: a driver's origin is usually their front door.
Erasure and the ``ride_exact_places`` retention rule replace every exact coordinate with the
chosen meeting point's position or, without one, the centre of its ~500 m grid cell
(``rides.domain.privacy.coarse_position``, grid ``RIDES_PRIVACY_GRID_M``); the driver's
route polyline is deleted and road-graph node ids (which pin a place to a few metres) are
set to 0. Offers, requests and bookings themselves stay, with times, seats, distances and
status, for the statistics.

Mitfahrbank requests (``BenchRequest``) name nobody waiting, but they tie drivers (notified,
accepting, with their offer and arrival time) to a person seen at a bench at a given minute,
and the random token still opens the person's status page. The ``ride_bench_requests``
retention rule (default 30 days after the request was made) removes the drivers, the arrival
time and the token (replaced by a random one nobody knows, marked with ``~``) and rounds the
times down to the local hour; bench, destination, day and status stay for the statistics.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from mobility.privacy.retention import RetentionRule

from . import conf
from .domain.privacy import coarse_position
from .models import SEAT_HOLDING, BenchRequest, OfferStatus, RequestStatus, RideBooking, RideOffer, RideRequest

ERASED_REASON = "account erased"
#: Placeholder node id once the exact place is gone (the field cannot be empty).
NO_NODE = 0


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _mp(meeting_point) -> dict[str, Any] | None:
    return None if meeting_point is None else {"id": meeting_point.pk, "name": meeting_point.name}


def _booking_place(booking: RideBooking, end: str) -> dict[str, Any]:
    """A rider's pickup or drop-off as the rider may see it: a place derived from the driver's
    own origin or destination stays coarsened until the driver confirms, in the export as in
    the API (``api.rides.serializers.BookingSerializer``)."""
    from .models import BookingStatus
    from .selectors import derived_from_driver

    lat, lon = getattr(booking, f"{end}_lat"), getattr(booking, f"{end}_lon")
    meeting_point = getattr(booking, f"{end}_meeting_point")
    exact = booking.status == BookingStatus.CONFIRMED or not derived_from_driver(
        booking.offer, getattr(booking, f"{end}_node"), getattr(booking, f"{end}_meeting_point_id")
    )
    if not exact and meeting_point is None:
        lat, lon = coarse_position(float(lat), float(lon), conf.privacy_grid_m())
    return {"lat": lat, "lon": lon, "exact": exact or meeting_point is not None, "meeting_point": _mp(meeting_point)}


def export_personal_data(user) -> dict[str, Any]:
    offers = RideOffer.objects.filter(driver=user).select_related("origin_meeting_point", "destination_meeting_point")
    requests = RideRequest.objects.filter(rider=user)
    bookings = RideBooking.objects.filter(rider=user).select_related(
        "offer", "pickup_meeting_point", "dropoff_meeting_point"
    )
    return {
        "offers": [
            {
                "id": o.pk,
                "origin": {"lat": o.origin_lat, "lon": o.origin_lon, "meeting_point": _mp(o.origin_meeting_point)},
                "destination": {
                    "lat": o.destination_lat,
                    "lon": o.destination_lon,
                    "meeting_point": _mp(o.destination_meeting_point),
                },
                "departure": _iso(o.departure),
                "seats": o.seats,
                "cost_share_cents": o.cost_share_cents,
                "max_detour_minutes": o.max_detour_minutes,
                "recurrence_weekdays": o.recurrence_weekdays,
                "recurrence_until": _iso(o.recurrence_until),
                "recurrence_exceptions": o.recurrence_exceptions,
                "distance_m": o.distance_m,
                "duration_s": o.duration_s,
                "route_polyline": o.polyline,
                "status": o.status,
                "created_at": _iso(o.created_at),
                # Other riders' seats on my rides, without who they are.
                "bookings_by_others": RideBooking.objects.filter(offer=o).count(),
            }
            for o in offers.order_by("departure", "pk")
        ],
        "requests": [
            {
                "id": r.pk,
                "origin": {"lat": r.origin_lat, "lon": r.origin_lon},
                "destination": {"lat": r.destination_lat, "lon": r.destination_lon},
                "earliest_departure": _iso(r.earliest_departure),
                "latest_arrival": _iso(r.latest_arrival),
                "seats": r.seats,
                "pickup_mode": r.pickup_mode,
                "max_walk_m": r.max_walk_m,
                "status": r.status,
                "created_at": _iso(r.created_at),
            }
            for r in requests.order_by("earliest_departure", "pk")
        ],
        "bookings": [
            {
                "id": b.pk,
                "offer": b.offer_id,
                "occurrence_date": _iso(b.occurrence_date),
                "seats": b.seats,
                "pickup": _booking_place(b, "pickup"),
                "dropoff": _booking_place(b, "dropoff"),
                "pickup_time": _iso(b.pickup_time),
                "dropoff_time": _iso(b.dropoff_time),
                "walk_m": b.walk_m,
                "status": b.status,
                "price_cents": b.price_cents,
                "cancel_reason": b.cancel_reason,
                "late_cancellation": b.late_cancellation,
                "created_at": _iso(b.created_at),
            }
            for b in bookings.order_by("pickup_time", "pk")
        ],
        **_export_trust(user),
    }


def _export_trust(user) -> dict[str, Any]:
    """Ratings and reports the person wrote, in full; those about them as others see them
    (count and average, no single rating or text: that would expose the person who wrote it,
    GDPR Art. 15 Abs. 4)."""
    from .models import BenchPickupOptIn, BenchRequest, NoShowReport, RideRating
    from .selectors import rating_summary

    summary = rating_summary(user=user)
    return {
        "ratings_given": [
            {
                "booking": r.booking_id,
                "as": r.rater_role,
                "score": r.score,
                "text": r.text,
                "created_at": _iso(r.created_at),
            }
            for r in RideRating.objects.filter(rater=user).order_by("created_at", "pk")
        ],
        "ratings_received": {"count": summary.count, "average": summary.average},
        "no_show_reports_made": [
            {"booking": r.booking_id, "as": r.reporter_role, "note": r.note, "status": r.status}
            for r in NoShowReport.objects.filter(reporter=user).order_by("created_at", "pk")
        ],
        "no_show_reports_about_me": NoShowReport.objects.filter(reported=user).count(),
        "bench_pickup_opt_ins": [
            {"bench": o.bench.name, "destination": o.destination.name if o.destination else None}
            for o in BenchPickupOptIn.objects.filter(driver=user).select_related("bench", "destination")
        ],
        "bench_requests_accepted": list(
            BenchRequest.objects.filter(accepted_by=user).order_by("accepted_at").values_list("pk", flat=True)
        ),
    }


# --- coarsening -----------------------------------------------------------------------------------


def _coarse(lat: float, lon: float, meeting_point) -> tuple[float, float]:
    if meeting_point is not None:
        return float(meeting_point.lat), float(meeting_point.lon)
    return coarse_position(float(lat), float(lon), conf.privacy_grid_m())


def _coarsen_offers(offers: Iterable[RideOffer], dry_run: bool) -> int:
    changed = 0
    for offer in offers:
        o = _coarse(offer.origin_lat, offer.origin_lon, offer.origin_meeting_point)
        d = _coarse(offer.destination_lat, offer.destination_lon, offer.destination_meeting_point)
        current = (offer.origin_lat, offer.origin_lon, offer.destination_lat, offer.destination_lon)
        if current == (*o, *d) and offer.polyline == "" and offer.origin_node == offer.destination_node == NO_NODE:
            continue
        changed += 1
        if not dry_run:
            RideOffer.objects.filter(pk=offer.pk).update(
                origin_lat=o[0],
                origin_lon=o[1],
                destination_lat=d[0],
                destination_lon=d[1],
                polyline="",
                origin_node=NO_NODE,
                destination_node=NO_NODE,
            )
    return changed


def _coarsen_requests(requests: Iterable[RideRequest], dry_run: bool) -> int:
    changed = 0
    for request in requests:
        o = _coarse(request.origin_lat, request.origin_lon, None)
        d = _coarse(request.destination_lat, request.destination_lon, None)
        if (request.origin_lat, request.origin_lon, request.destination_lat, request.destination_lon) == (*o, *d):
            continue
        changed += 1
        if not dry_run:
            RideRequest.objects.filter(pk=request.pk).update(
                origin_lat=o[0], origin_lon=o[1], destination_lat=d[0], destination_lon=d[1]
            )
    return changed


def _coarsen_bookings(bookings: Iterable[RideBooking], dry_run: bool) -> int:
    changed = 0
    for booking in bookings:
        p = _coarse(booking.pickup_lat, booking.pickup_lon, booking.pickup_meeting_point)
        d = _coarse(booking.dropoff_lat, booking.dropoff_lon, booking.dropoff_meeting_point)
        current = (booking.pickup_lat, booking.pickup_lon, booking.dropoff_lat, booking.dropoff_lon)
        if current == (*p, *d) and booking.pickup_node == booking.dropoff_node == NO_NODE:
            continue
        changed += 1
        if not dry_run:
            RideBooking.objects.filter(pk=booking.pk).update(
                pickup_lat=p[0],
                pickup_lon=p[1],
                dropoff_lat=d[0],
                dropoff_lon=d[1],
                pickup_node=NO_NODE,
                dropoff_node=NO_NODE,
            )
    return changed


def _offers(qs):
    return qs.select_related("origin_meeting_point", "destination_meeting_point").iterator()


def _bookings(qs):
    return qs.select_related("pickup_meeting_point", "dropoff_meeting_point").iterator()


# --- erasure ------------------------------------------------------------------------------------


def _has_future_rides(offer: RideOffer, now: datetime) -> bool:
    if offer.departure > now:
        return True
    if not offer.recurrence_weekdays:
        return False
    today = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    return offer.recurrence_until is None or offer.recurrence_until >= today


def erase_personal_data(user) -> dict[str, int]:
    """Cancel what is still to come (riders and drivers are told), then coarsen every exact place.

    Cancelling goes through the ride services, so seats are released, requests reopened, the
    other party notified and the matcher's index refreshed exactly as for a normal cancel.
    """
    from . import services

    now = timezone.now()
    offers_cancelled = 0
    for offer in RideOffer.objects.filter(driver=user, status=OfferStatus.ACTIVE):
        if _has_future_rides(offer, now):
            services.offer_cancel(driver=user, offer_id=offer.pk, reason="The driver closed their account.")
            offers_cancelled += 1
    bookings_cancelled = 0
    for booking in RideBooking.objects.filter(rider=user, status__in=SEAT_HOLDING, pickup_time__gt=now):
        services.booking_cancel(user=user, booking_id=booking.pk, reason="The rider closed their account.")
        bookings_cancelled += 1
    requests_cancelled = RideRequest.objects.filter(rider=user, status=RequestStatus.OPEN).update(
        status=RequestStatus.CANCELLED
    )
    # Reasons the person wrote when cancelling may describe them; the row keeps its status.
    reasons = (
        RideBooking.objects.filter(Q(rider=user) | Q(offer__driver=user), cancelled_by=user)
        .exclude(cancel_reason=ERASED_REASON)
        .update(cancel_reason=ERASED_REASON)
    )
    from .models import NoShowReport, RideRating

    # Ratings and reports the person wrote stay for the other side's average, without author or text;
    # those about the person go.
    ratings_given = RideRating.objects.filter(rater=user).update(rater=None, text="")
    ratings_received = RideRating.objects.filter(ratee=user).delete()[0]
    reports_made = NoShowReport.objects.filter(reporter=user).update(reporter=None, note="")
    reports_about = NoShowReport.objects.filter(reported=user).delete()[0]
    from .models import BenchPickupOptIn

    opt_ins = BenchPickupOptIn.objects.filter(driver=user).delete()[0]
    return {
        "bench_opt_ins_deleted": opt_ins,
        "ratings_anonymised": ratings_given,
        "ratings_received_deleted": ratings_received,
        "no_show_reports_anonymised": reports_made,
        "no_show_reports_about_deleted": reports_about,
        "offers_cancelled": offers_cancelled,
        "bookings_cancelled": bookings_cancelled,
        "requests_cancelled": requests_cancelled,
        "cancel_reasons_erased": reasons,
        "offers_coarsened": _coarsen_offers(_offers(RideOffer.objects.filter(driver=user)), False),
        "requests_coarsened": _coarsen_requests(RideRequest.objects.filter(rider=user).iterator(), False),
        "bookings_coarsened": _coarsen_bookings(_bookings(RideBooking.objects.filter(rider=user)), False),
    }


# --- retention -------------------------------------------------------------------------------------


def _coarsen_past_places(cutoff: datetime, dry_run: bool) -> int:
    """Coarsen exact places of rides that ended before ``cutoff``; returns the rows changed."""
    cutoff_day = cutoff.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    ended_offers = RideOffer.objects.filter(
        Q(recurrence_weekdays=0, departure__lt=cutoff)
        | Q(recurrence_weekdays__gt=0, recurrence_until__lt=cutoff_day)
        | Q(status__in=[OfferStatus.CANCELLED, OfferStatus.COMPLETED], updated_at__lt=cutoff)
    )
    return (
        _coarsen_offers(_offers(ended_offers), dry_run)
        + _coarsen_requests(RideRequest.objects.filter(latest_arrival__lt=cutoff).iterator(), dry_run)
        + _coarsen_bookings(_bookings(RideBooking.objects.filter(dropoff_time__lt=cutoff)), dry_run)
    )


#: Marks a bench request's token once the retention rule has replaced it ("~" is not in the
#: alphabet of ``secrets.token_urlsafe``, so no live token starts with it).
RETIRED_TOKEN_PREFIX = "~"


def _to_local_hour(value: datetime | None) -> datetime | None:
    """Rounded down to the hour in local time (the local day, used by the statistics, stays)."""
    if value is None:
        return None
    return timezone.localtime(value, ZoneInfo(settings.TIME_ZONE)).replace(minute=0, second=0, microsecond=0)


def _anonymise_bench_requests(cutoff: datetime, dry_run: bool) -> int:
    """Bench requests made before ``cutoff``: drivers, arrival time and token removed, times to
    the hour; returns the requests changed (each only once)."""
    import secrets

    old = BenchRequest.objects.filter(created_at__lt=cutoff).exclude(token__startswith=RETIRED_TOKEN_PREFIX)
    if dry_run:
        return old.count()
    changed = 0
    for item in old.iterator():
        item.token = RETIRED_TOKEN_PREFIX + secrets.token_urlsafe(31)
        item.notified_drivers = []
        item.accepted_by = None
        item.accepted_offer = None
        item.pickup_eta = None
        item.created_at = _to_local_hour(item.created_at)
        item.expires_at = _to_local_hour(item.expires_at)
        item.accepted_at = _to_local_hour(item.accepted_at)
        item.save(
            update_fields=[
                "token",
                "notified_drivers",
                "accepted_by",
                "accepted_offer",
                "pickup_eta",
                "created_at",
                "expires_at",
                "accepted_at",
            ]
        )
        changed += 1
    return changed


RETENTION_RULES = [
    RetentionRule(
        "ride_bench_requests",
        "Mitfahrbank requests: the drivers told and the one who came, the arrival time and the person's "
        "token are removed and the times rounded to the hour",
        30,
        _anonymise_bench_requests,
    ),
    RetentionRule(
        "ride_exact_places",
        "Exact origins, destinations, pickups and drop-offs of past rides are coarsened to the meeting point "
        "or a ~500 m grid; route polylines deleted",
        14,
        _coarsen_past_places,
    ),
]
