"""Offer a ride: the driver's side of ride-sharing (post, see requests, accept or decline)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from journeys.selectors import PlaceChoice, place_resolve, places_all
from mobility.errors import DomainError
from rides import conf as ride_conf
from rides import selectors as ride_selectors
from rides import services as ride_services
from rides.models import BookingStatus, OfferStatus

from .. import forms
from ..errors import add_domain_error, german_message
from ..rides import offer_view, ride_booking_view
from .base import personal


def _ride_place(place: PlaceChoice) -> ride_services.Place:
    if place.kind == "stop":
        return ride_services.Place(stop_id=place.pk)
    if place.kind == "meeting_point":
        return ride_services.Place(meeting_point_id=place.pk)
    return ride_services.Place(lat=place.lat, lon=place.lon)


def _resolve(form: forms.OfferForm, name: str) -> PlaceChoice | None:
    place, candidates = place_resolve(text=form.cleaned_data.get(name, ""))
    if place is None:
        if candidates:
            names = ", ".join(p.name for p in candidates[:6])
            form.add_error(name, _("Mehrere Orte passen: %(names)s. Bitte wählen Sie einen davon.") % {"names": names})
        else:
            form.add_error(name, _("Diesen Ort kennen wir nicht. Bitte wählen Sie einen Ort aus der Vorschlagsliste."))
    return place


@personal
@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest) -> HttpResponse:
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = forms.OfferForm(request.POST or None, initial={"date": tomorrow, "seats": 3, "max_detour_minutes": 10})
    if request.method == "POST" and form.is_valid():
        origin, destination = _resolve(form, "origin"), _resolve(form, "destination")
        if origin is not None and destination is not None:
            data = form.cleaned_data
            departure = timezone.make_aware(datetime.combine(data["date"], data["time"]))
            try:
                offer = ride_services.offer_create(
                    driver=request.user,
                    origin=_ride_place(origin),
                    destination=_ride_place(destination),
                    departure=departure,
                    seats=data["seats"],
                    cost_share_cents=int((data.get("cost_share") or 0) * 100),
                    tolls_cents=int((data.get("tolls") or 0) * 100),
                    women_riders_only=bool(data.get("women_riders_only")),
                    max_detour_minutes=data["max_detour_minutes"],
                    weekdays=data.get("weekdays") or [],
                    recurrence_until=data.get("until") if data.get("weekdays") else None,
                )
            except DomainError as exc:
                add_domain_error(
                    form,
                    exc,
                    field_map={
                        "departure": "date",
                        "weekdays": "weekdays",
                        "recurrence_until": "until",
                        "cost_share_cents": "cost_share",
                        "tolls_cents": "tolls",
                    },
                )
            else:
                messages.success(
                    request, _("Danke! Ihre Fahrt ist eingetragen. Wer mitfahren möchte, fragt bei Ihnen an.")
                )
                return redirect("web:offer_detail", pk=offer.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "places": places_all(), "nav": "offer", "cost_rate": _cost_rate_text()}
    return render(request, "web/offers/offer_create.html", context, status=status)


def _cost_rate_text() -> str:
    """The rate per km as people write it: "20" or "30,5" (cents)."""
    rate = ride_conf.cost_rate_cents_per_km()
    return f"{rate:g}".replace(".", ",")


def _own_offer(request: HttpRequest, pk: int):
    offer = ride_selectors.offers_for_user(user=request.user).filter(pk=pk).first()
    if offer is None:
        raise Http404
    return offer


@personal
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _own_offer(request, pk)
    bookings = [
        ride_booking_view(booking, user=request.user)
        for booking in ride_selectors.bookings_for_user(user=request.user)
        .filter(offer=offer)
        .order_by("occurrence_date", "pickup_time", "id")
    ]
    return render(
        request,
        "web/offers/offer_detail.html",
        {
            "item": offer_view(offer),
            "requests": [b for b in bookings if b.booking.status == BookingStatus.REQUESTED],
            "confirmed": [b for b in bookings if b.booking.status == BookingStatus.CONFIRMED],
            "closed": [
                b for b in bookings if b.booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
            ],
            "active": offer.status == OfferStatus.ACTIVE,
            "decline_form": forms.DeclineForm(),
            "cancel_form": forms.CancelForm(),
            "nav": "offer",
        },
    )


def _answer(request: HttpRequest, pk: int, accept: bool) -> HttpResponse:
    booking = ride_selectors.bookings_for_user(user=request.user).filter(pk=pk, offer__driver=request.user).first()
    if booking is None:
        raise Http404
    try:
        if accept:
            ride_services.booking_accept(driver=request.user, booking_id=pk)
            messages.success(request, _("Zugesagt. Die Mitfahrerin oder der Mitfahrer bekommt eine Nachricht."))
        else:
            form = forms.DeclineForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            ride_services.booking_decline(driver=request.user, booking_id=pk, reason=reason)
            messages.success(request, _("Abgesagt. Die Plätze sind wieder frei."))
    except DomainError as exc:
        messages.error(request, german_message(exc))
    return redirect("web:offer_detail", pk=booking.offer_id)


@personal
@require_POST
def booking_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=True)


@personal
@require_POST
def booking_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=False)


@personal
@require_POST
def offer_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _own_offer(request, pk)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie einen Grund an; die Mitfahrenden bekommen ihn mitgeteilt."))
        return redirect("web:offer_detail", pk=offer.pk)
    try:
        ride_services.offer_cancel(driver=request.user, offer_id=offer.pk, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, german_message(exc))
        return redirect("web:offer_detail", pk=offer.pk)
    messages.success(request, _("Die Fahrt ist abgesagt. Alle Mitfahrenden wurden benachrichtigt."))
    return redirect("web:my_trips")
