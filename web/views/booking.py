"""Booking straight from a search option: a Bürgerbus seat, a Rufbus ride or a carpool seat.

The option's data comes back signed (see ``web.journeys.sign_booking``): what the search
offered is what gets booked. Every write goes through the owning app's service; a refused
booking shows the service's reason in German and leaves nothing behind.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gtfs import selectors as gtfs_selectors
from gtfs import services as gtfs_services
from mobility.errors import DomainError
from ondemand import selectors as ondemand_selectors
from ondemand import services as ondemand_services
from rides import selectors as ride_selectors
from rides import services as ride_services

from ..errors import german_message
from ..journeys import unsign_booking
from .base import personal, safe_next


def _refused(request: HttpRequest, message: str, back: str, status: int) -> HttpResponse:
    return render(
        request, "web/booking/refused.html", {"message": message, "back": back, "nav": "search"}, status=status
    )


def _signed_offer(request: HttpRequest, needed: str) -> tuple[str, dict | None]:
    """The page to go back to, and the signed offer the search posted: ``None`` when it has
    expired, was tampered with or lacks ``needed``."""
    back = safe_next(request, "/", field="back")
    data = unsign_booking(request.POST.get("offer", ""))
    return back, (data if data is not None and needed in data else None)


def _offer_expired(request: HttpRequest, back: str) -> HttpResponse:
    return _refused(request, _("Das Angebot ist abgelaufen. Bitte suchen Sie noch einmal."), back, 400)


@personal
@require_POST
def buergerbus_book(request: HttpRequest) -> HttpResponse:
    back, data = _signed_offer(request, "trip")
    if data is None:
        return _offer_expired(request, back)
    try:
        booking = gtfs_services.bb_booking_create(
            trip_id=int(data["trip"]),
            service_date=date.fromisoformat(data["date"]),
            from_stop_id=int(data["from_stop"]),
            to_stop_id=int(data["to_stop"]),
            seats=int(data["seats"]),
            passenger=request.user,
        )
    except DomainError as exc:
        return _refused(request, german_message(exc), back, exc.status_code)
    return redirect("web:booking_confirmation", kind="buergerbus", pk=booking.pk)


@personal
@require_POST
def ondemand_book(request: HttpRequest) -> HttpResponse:
    """Book the Rufbus ride the search offered (door to door, in the pickup window shown)."""
    back, data = _signed_offer(request, "earliest_pickup")
    if data is None:
        return _offer_expired(request, back)
    try:
        booking = ondemand_services.ondemand_booking_create(
            passenger=request.user,
            pickup=ondemand_services.Place(float(data["pickup"]["lat"]), float(data["pickup"]["lon"])),
            dropoff=ondemand_services.Place(float(data["dropoff"]["lat"]), float(data["dropoff"]["lon"])),
            earliest_pickup=datetime.fromisoformat(data["earliest_pickup"]),
            seats=int(data["seats"]),
        )
    except DomainError as exc:
        message = german_message(exc)
        windows = [
            "–".join(datetime.fromisoformat(part).strftime("%H:%M") for part in window.split("/"))
            for window in (exc.fields or {}).get("alternatives", [])
        ]
        if windows:
            message += " " + _("Möglich wäre eine Abholung %(windows)s Uhr.") % {"windows": _(" oder ").join(windows)}
        return _refused(request, message, back, exc.status_code)
    return redirect("web:booking_confirmation", kind="rufbus", pk=booking.pk)


@personal
@require_POST
def ride_book(request: HttpRequest) -> HttpResponse:
    back, data = _signed_offer(request, "offer")
    if data is None:
        return _offer_expired(request, back)
    wish = data["request"]
    try:
        booking = ride_services.request_and_book(
            rider=request.user,
            origin=ride_services.Place(lat=wish["origin"]["lat"], lon=wish["origin"]["lon"]),
            destination=ride_services.Place(lat=wish["destination"]["lat"], lon=wish["destination"]["lon"]),
            earliest_departure=datetime.fromisoformat(wish["earliest_departure"]),
            latest_arrival=datetime.fromisoformat(wish["latest_arrival"]),
            seats=int(wish["seats"]),
            pickup_mode=wish["pickup_mode"],
            max_walk_m=int(wish["max_walk_m"]),
            women_drivers_only=bool(wish.get("women_drivers_only", False)),
            offer_id=int(data["offer"]),
            occurrence_date=date.fromisoformat(data["occurrence_date"]),
        )
    except DomainError as exc:
        return _refused(request, german_message(exc), back, exc.status_code)
    return redirect("web:booking_confirmation", kind="mitfahrt", pk=booking.pk)


@personal
def confirmation(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind == "buergerbus":
        booking = gtfs_selectors.booking_list_for(user=request.user).filter(pk=pk).first()
        template = "web/booking/confirmed_buergerbus.html"
    elif kind == "rufbus":
        booking = ondemand_selectors.booking_list_for(user=request.user).filter(pk=pk).first()
        template = "web/booking/confirmed_ondemand.html"
    elif kind == "mitfahrt":
        booking = ride_selectors.bookings_for_user(user=request.user).filter(pk=pk, rider=request.user).first()
        template = "web/booking/requested_ride.html"
    else:
        booking = None
    if booking is None:
        raise Http404
    return render(request, template, {"booking": booking, "nav": "trips"})
