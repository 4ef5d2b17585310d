"""Meine Fahrten: every booking of the signed-in person, upcoming and past; cancel with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from carsharing import selectors as car_selectors
from carsharing.models import ReservationStatus
from gtfs import selectors as gtfs_selectors
from gtfs import services as gtfs_services
from gtfs.models import BuergerbusBooking
from mobility.errors import DomainError
from ondemand import selectors as ondemand_selectors
from ondemand import services as ondemand_services
from ondemand.models import OnDemandBooking
from rides import selectors as ride_selectors
from rides import services as ride_services
from rides.models import OfferStatus

from .. import forms
from ..errors import add_domain_error
from ..rides import offer_view, ride_booking_view
from .base import personal

CAR_STATUS = {
    ReservationStatus.HELD: ("wait", gettext_lazy("wird bestätigt")),
    ReservationStatus.CONFIRMED: ("ok", gettext_lazy("bestätigt")),
    ReservationStatus.ACTIVE: ("ok", gettext_lazy("unterwegs")),
    ReservationStatus.RETURNED: ("ok", gettext_lazy("zurückgegeben")),
    ReservationStatus.SETTLED: ("ok", gettext_lazy("abgerechnet")),
    ReservationStatus.CANCELLED: ("off", gettext_lazy("storniert")),
    ReservationStatus.EXPIRED: ("off", gettext_lazy("verfallen")),
    ReservationStatus.NO_SHOW: ("off", gettext_lazy("nicht abgeholt")),
    ReservationStatus.PREEMPTED: ("off", gettext_lazy("für eine Dienstfahrt freigegeben")),
    ReservationStatus.RELEASED: ("off", gettext_lazy("freigegeben")),
}


def _trip_entries(user) -> list[dict]:
    """Every booking of ``user`` as one list entry: kind, when, what, status, actions."""
    entries: list[dict] = []
    for booking in gtfs_selectors.booking_list_for(user=user):
        active = booking.status == BuergerbusBooking.Status.CONFIRMED
        entries.append(
            {
                "kind": "buergerbus",
                "when": booking.departure_at,
                "title": _("Bürgerbus %(line)s")
                % {"line": booking.trip.route.short_name or booking.trip.route.long_name},
                "route": _("%(a)s → %(b)s") % {"a": booking.from_stop.name, "b": booking.to_stop.name},
                "seats": booking.seats,
                "status_css": "ok" if active else "off",
                "status": _("gebucht") if active else _("storniert"),
                "reason": booking.cancel_reason,
                "cancel_url": f"/meine-fahrten/buergerbus/{booking.pk}/stornieren/" if active else "",
                "ref": f"BB-{booking.pk}",
            }
        )
    for booking in ondemand_selectors.booking_list_for(user=user).select_related("run__flex_stop_time__trip__route"):
        active = booking.status == OnDemandBooking.Status.CONFIRMED
        entries.append(
            {
                "kind": "ondemand",
                "when": booking.pickup_at,
                "title": _("Rufbus %(line)s") % {"line": booking.run.flex_stop_time.trip.route.short_name},
                "route": _("Abholung %(start)s–%(end)s Uhr an Ihrer Haustür")
                % {
                    "start": timezone.localtime(booking.earliest_pickup_at).strftime("%H:%M"),
                    "end": timezone.localtime(booking.latest_pickup_at).strftime("%H:%M"),
                },
                "seats": booking.seats,
                "status_css": "ok" if active else "off",
                "status": _("gebucht") if active else _("storniert"),
                "cancel_url": f"/meine-fahrten/rufbus/{booking.pk}/stornieren/" if active else "",
                "ref": f"RB-{booking.pk}",
            }
        )
    now = timezone.now()
    for booking in ride_selectors.bookings_for_user(user=user).filter(Q(rider=user) | Q(offer__driver=user)):
        if booking.offer.driver_id == user.pk and booking.status != "confirmed":
            continue  # the driver's side lists only rides that took place with this rider
        view = ride_booking_view(booking, user=user)
        after = ride_selectors.booking_after_ride_actions(booking=booking, user=user, now=now)
        as_driver = booking.offer.driver_id == user.pk
        if as_driver and booking.pickup_time > now:
            continue  # upcoming rides the person drives are under "Fahrten, die ich anbiete"
        entries.append(
            {
                "kind": "ride",
                "when": booking.pickup_time,
                "title": _("Mitfahrt bei Ihnen") if as_driver else _("Mitfahrt"),
                "rate_url": reverse("web:ride_booking_rate", args=[booking.pk]) if after["rate"] else "",
                "report_url": reverse("web:ride_booking_no_show", args=[booking.pk]) if after["report"] else "",
                "route": _("%(a)s → %(b)s") % {"a": view.pickup, "b": view.dropoff},
                "exact": view.pickup_exact,
                "seats": booking.seats,
                "status_css": view.status_css,
                "status": view.status_label,
                "contact": (view.other_name, view.other_phone) if view.other_name else None,
                "contact_label": _("Mitfahrer/in:") if as_driver else _("Fahrer/in:"),
                "reason": booking.cancel_reason,
                "cancel_url": f"/meine-fahrten/mitfahrt/{booking.pk}/stornieren/"
                if view.can_cancel and not as_driver
                else "",
                "ref": f"MF-{booking.pk}",
            }
        )
    reservations = car_selectors.reservations_for(user=user).filter(user=user)
    for reservation in reservations.select_related("vehicle__vehicle_type", "vehicle__station"):
        css, label = CAR_STATUS.get(reservation.status, ("off", reservation.status))
        entries.append(
            {
                "kind": "carsharing",
                "when": reservation.start,
                "until": reservation.end,
                "title": _("Carsharing: %(vehicle)s") % {"vehicle": reservation.vehicle.vehicle_type.name},
                "route": reservation.vehicle.station.name,
                "status_css": css,
                "status": str(label),
                "manage_url": reverse("web:carsharing_reservation", args=[reservation.pk]),
                "ref": f"CS-{reservation.pk}",
            }
        )
    return entries


@personal
def my_trips(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    entries = _trip_entries(request.user)
    upcoming = sorted((e for e in entries if (e.get("until") or e["when"]) >= now), key=lambda e: e["when"])
    past = sorted((e for e in entries if (e.get("until") or e["when"]) < now), key=lambda e: e["when"], reverse=True)
    offers = [
        offer_view(offer)
        for offer in ride_selectors.offers_for_user(user=request.user)
        .filter(status=OfferStatus.ACTIVE)
        .order_by("departure")
    ]
    pending = list(
        ride_selectors.bookings_for_user(user=request.user)
        .filter(offer__driver=request.user, status="requested")
        .order_by("pickup_time")
        .values_list("offer_id", flat=True)
    )
    return render(
        request,
        "web/trips/my_trips.html",
        {
            "upcoming": upcoming,
            "past": past[:50],
            "offers": offers,
            "pending_requests": len(pending),
            "pending_offer": pending[0] if pending else None,
            "nav": "trips",
        },
    )


def _cancel_page(
    request: HttpRequest, *, what: str, reason_required: bool, cancel, done: str, done_url
) -> HttpResponse:
    """The one cancel page of Meine Fahrten: ``cancel(reason)`` calls the service; a domain
    error lands at the form (400), success goes to ``done_url`` with the ``done`` message."""
    form = forms.CancelForm(request.POST or None, reason_required=reason_required)
    if request.method == "POST" and form.is_valid():
        try:
            cancel(form.cleaned_data.get("reason", ""))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(done_url)
    return render(
        request,
        "web/trips/cancel.html",
        {"form": form, "nav": "trips", "what": what},
        status=400 if form.errors else 200,
    )


@personal
@require_http_methods(["GET", "POST"])
def buergerbus_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = gtfs_selectors.booking_list_for(user=request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404
    return _cancel_page(
        request,
        what=_("Bürgerbus %(line)s am %(when)s, %(a)s → %(b)s")
        % {
            "line": booking.trip.route.short_name,
            "when": timezone.localtime(booking.departure_at).strftime("%d.%m.%Y %H:%M"),
            "a": booking.from_stop.name,
            "b": booking.to_stop.name,
        },
        reason_required=False,
        cancel=lambda reason: gtfs_services.bb_booking_cancel(booking_id=booking.pk, user=request.user, reason=reason),
        done=_("Ihre Bürgerbus-Buchung ist storniert. Der Platz ist wieder frei."),
        done_url="web:my_trips",
    )


@personal
@require_http_methods(["GET", "POST"])
def ride_booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The rider cancels a seat request or a confirmed seat; the driver is told why."""
    booking = _party_booking(request, pk)
    view = ride_booking_view(booking, user=request.user)
    back = reverse("web:offer_detail", kwargs={"pk": booking.offer_id}) if view.role == "driver" else "web:my_trips"
    return _cancel_page(
        request,
        what=_ride_label(booking, request.user, view=view),
        reason_required=True,
        cancel=lambda reason: ride_services.booking_cancel(user=request.user, booking_id=booking.pk, reason=reason),
        done=_("Die Mitfahrt ist storniert. Wir haben Bescheid gegeben."),
        done_url=back,
    )


@personal
@require_http_methods(["GET", "POST"])
def ondemand_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = ondemand_selectors.booking_list_for(user=request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404
    return _cancel_page(
        request,
        what=_("Rufbus am %(when)s")
        % {"when": timezone.localtime(booking.earliest_pickup_at).strftime("%d.%m.%Y %H:%M")},
        reason_required=False,
        cancel=lambda reason: ondemand_services.ondemand_booking_cancel(booking_id=booking.pk, user=request.user),
        done=_("Ihre Rufbus-Fahrt ist storniert."),
        done_url="web:my_trips",
    )


def _party_booking(request: HttpRequest, pk: int):
    booking = ride_selectors.bookings_for_user(user=request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404
    return booking


def _ride_label(booking, user, *, view=None) -> str:
    view = view or ride_booking_view(booking, user=user)
    return _("Mitfahrt am %(when)s: %(a)s → %(b)s") % {
        "when": timezone.localtime(booking.pickup_time).strftime("%d.%m.%Y %H:%M"),
        "a": view.pickup,
        "b": view.dropoff,
    }


@personal
@require_http_methods(["GET", "POST"])
def ride_booking_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """After a ride: rate the other side 1–5 with an optional short text (others see only averages)."""
    booking = _party_booking(request, pk)
    form = forms.RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ride_services.rating_create(
                user=request.user,
                booking_id=booking.pk,
                score=int(form.cleaned_data["score"]),
                text=form.cleaned_data.get("text") or "",
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Danke für Ihre Bewertung!"))
            return redirect("web:my_trips")
    context = {"form": form, "nav": "trips", "what": _ride_label(booking, request.user)}
    return render(request, "web/trips/rate.html", context, status=400 if form.errors else 200)


@personal
@require_http_methods(["GET", "POST"])
def ride_booking_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    """Report that the other side did not come; the operator looks at every report."""
    booking = _party_booking(request, pk)
    form = forms.NoShowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ride_services.no_show_report(user=request.user, booking_id=booking.pk, note=form.cleaned_data["note"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Danke. Die Betreiberin sieht sich Ihre Meldung an."))
            return redirect("web:my_trips")
    context = {"form": form, "nav": "trips", "what": _ride_label(booking, request.user)}
    return render(request, "web/trips/no_show.html", context, status=400 if form.errors else 200)
