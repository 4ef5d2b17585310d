"""Car-sharing for members: apply, stations and map, availability, reserve with a live quote,
pay by card, extend, cancel (fee shown first), start and end the trip, report a defect.

Every write goes through ``carsharing.services``, every read through ``carsharing.selectors``;
a refused step shows the service's error as a German sentence next to the field it concerns,
and nothing is half-booked (the services run each step in one transaction).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carsharing import conf as carsharing_conf
from carsharing import selectors, services
from carsharing.models import Billing, MembershipStatus, ReservationStatus
from mobility.errors import DomainError, NotFound

from .. import forms_carsharing as forms
from ..errors import add_domain_error, german_message
from ..journeys import euros as _euro
from .base import is_htmx, personal

#: German sentences for the car-sharing error codes (the services' messages are English).
MESSAGES = {
    "not_a_member": gettext_lazy("Carsharing ist nur für Mitglieder. Sie können die Mitgliedschaft beantragen."),
    "licence_expired": gettext_lazy("Ihr Führerschein ist abgelaufen (oder läuft vor dem Ende der Fahrt ab)."),
    "already_member": gettext_lazy("Sie sind bereits Mitglied."),
    "vehicle_unavailable": gettext_lazy("Das Fahrzeug ist in dieser Zeit schon reserviert."),
    "vehicle_out_of_service": gettext_lazy("Dieses Fahrzeug ist gerade außer Betrieb."),
    "vehicle_not_found": gettext_lazy("Dieses Fahrzeug gibt es nicht (mehr)."),
    "reservation_not_found": gettext_lazy("Diese Reservierung gibt es nicht."),
    "off_grid": gettext_lazy("Bitte wählen Sie eine Zeit im Viertelstundentakt."),
    "invalid_window": gettext_lazy("Das Ende muss nach dem Beginn liegen."),
    "too_short": gettext_lazy("Eine Reservierung dauert mindestens 30 Minuten."),
    "too_long": gettext_lazy("Eine Reservierung dauert höchstens eine Woche."),
    "start_in_past": gettext_lazy("Der Beginn liegt in der Vergangenheit."),
    "beyond_horizon": gettext_lazy("So weit im Voraus kann noch nicht reserviert werden (höchstens 30 Tage)."),
    "end_in_past": gettext_lazy("Das neue Ende liegt in der Vergangenheit."),
    "invalid_transition": gettext_lazy("Das ist in diesem Stand der Reservierung nicht möglich."),
    "hold_expired": gettext_lazy("Die Reservierung wurde nicht rechtzeitig bestätigt. Bitte reservieren Sie neu."),
    "too_early": gettext_lazy("Die Fahrt kann frühestens 15 Minuten vor Beginn gestartet werden."),
    "reservation_over": gettext_lazy("Die Reservierungszeit ist schon vorbei."),
    "odometer_invalid": gettext_lazy("Der Kilometerstand ist kleiner als bei der Abholung."),
    "energy_level_invalid": gettext_lazy("Bitte geben Sie einen Wert von 0 bis 100 an."),
    "no_recent_use": gettext_lazy("Schäden melden Sie für Autos, die Sie gerade nutzen oder eben genutzt haben."),
    "payments_unavailable": gettext_lazy("Kartenzahlung ist gerade nicht möglich."),
    "payment_declined": gettext_lazy("Die Karte wurde abgelehnt. Bitte hinterlegen Sie eine andere Karte."),
    "no_payment_method": gettext_lazy("Bitte hinterlegen Sie zuerst eine Karte."),
    "setup_not_succeeded": gettext_lazy("Die Karte ist noch nicht bestätigt."),
    "setup_not_started": gettext_lazy("Bitte beginnen Sie die Kartenhinterlegung neu."),
    "setup_not_found": gettext_lazy("Diese Kartenhinterlegung gehört nicht zu Ihnen."),
    "confirmation_in_progress": gettext_lazy("Die Reservierung wird gerade bestätigt; bitte warten Sie kurz."),
    "no_tariff": gettext_lazy("Für dieses Fahrzeug gibt es noch keinen Tarif."),
}
#: Service field names → form field names.
FIELD_MAP = {"start": "start_time", "end": "hours", "licence_expiry": "licence_expiry"}
WEEK_DAYS = 7
REPORTABLE = ("confirmed", "active", "returned", "settled")


def _german(exc: DomainError) -> str:
    return str(MESSAGES.get(exc.code) or german_message(exc))


def _add_error(form, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """The German message next to the field the error concerns (or on the whole form)."""
    # A copy under a code the shared table does not know, so our German sentence is the one shown.
    localised = DomainError(_german(exc), code=f"carsharing:{exc.code}", fields=exc.fields)
    add_domain_error(form, localised, field_map={**FIELD_MAP, **(field_map or {})})


def _local_today() -> date:
    return timezone.localdate()


def _membership_context(user) -> dict:
    if not user.is_authenticated:
        return {"membership": None, "is_member": False}
    membership = selectors.membership_of(user=user)
    is_member = bool(user.is_member and membership and membership.status == MembershipStatus.APPROVED)
    return {"membership": membership, "is_member": is_member}


# --- stations and the map --------------------------------------------------------------------


@never_cache
@require_GET
def stations(request: HttpRequest) -> HttpResponse:
    """Where the cars are: stations with their vehicles, as a list and on the map."""
    context = {
        "nav": "carsharing",
        "stations": selectors.stations_with_vehicles(),
        **_membership_context(request.user),
    }
    return render(request, "web/carsharing/stations.html", context)


# --- membership ------------------------------------------------------------------------------


@personal
@require_http_methods(["GET", "POST"])
def membership_apply(request: HttpRequest) -> HttpResponse:
    membership = selectors.membership_of(user=request.user)
    form = forms.MembershipForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.membership_apply(
                    user=request.user,
                    licence_number=form.cleaned_data["licence_number"],
                    licence_expiry=form.cleaned_data["licence_expiry"],
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Ihr Antrag ist eingegangen. Bitte zeigen Sie Ihren Führerschein einmal im Rathaus vor."),
                )
                return redirect("web:carsharing_membership")
        status = 400
    context = {"nav": "carsharing", "form": form, "membership": membership, **_membership_context(request.user)}
    return render(request, "web/carsharing/membership.html", context, status=status)


# --- a vehicle: availability and reserving ------------------------------------------------------


def _vehicle_or_404(vehicle_id: int):
    try:
        return selectors.vehicle_detail(vehicle_id=vehicle_id)
    except NotFound as exc:
        raise Http404(_german(exc)) from exc


def _grid_context(request: HttpRequest, vehicle) -> dict:
    today = _local_today()
    horizon = today + timedelta(days=carsharing_conf.get("CARSHARING_MEMBER_HORIZON_DAYS"))
    view = "tag" if request.GET.get("ansicht") == "tag" else "woche"
    try:
        first = date.fromisoformat(request.GET.get("ab", "")) if request.GET.get("ab") else today
    except ValueError:
        first = today
    first = min(max(first, today), horizon)
    if view == "woche":
        first = first - timedelta(days=first.weekday()) if first - timedelta(days=first.weekday()) >= today else first
    days = 1 if view == "tag" else WEEK_DAYS
    grid = selectors.availability_grid(vehicle=vehicle, first_day=first, days=days, now=timezone.now())
    step = timedelta(days=days)
    previous = first - step if first - step >= today - timedelta(days=days - 1) and first > today else None
    following = first + step if first + step <= horizon else None
    hours = []
    day_rows = []
    if view == "woche":
        # rows: local hours 0–23; cells: the quarter-hours of that hour on each day (on the
        # day clocks go back, the repeated hour has eight)
        by_hour: list[dict[int, list]] = []
        for day in grid:
            slots_by_hour: dict[int, list] = {}
            for slot in day.slots:
                slots_by_hour.setdefault(slot.start.hour, []).append(slot)
            by_hour.append(slots_by_hour)
        for hour in range(24):
            cells = [_summary(slots_by_hour.get(hour, [])) for slots_by_hour in by_hour]
            hours.append({"hour": f"{hour:02d}", "cells": cells})
    else:
        words = {state: str(word) for state, word in STATE_WORDS.items()}
        for start, slots in grid[0].hours():
            day_rows.append(
                {
                    "hour": f"{start:%H}",
                    "cells": [(slot.state, slot.start.isoformat(), words[slot.state]) for slot in slots],
                }
            )
    try:
        tariff = vehicle.vehicle_type.tariff
    except ObjectDoesNotExist:
        tariff = None
    return {
        "vehicle": vehicle,
        "station_focus": f"station-{vehicle.station_id}",
        "tariff": {
            "hour": _euro(tariff.per_hour_cents),
            "cap": _euro(tariff.daily_cap_cents),
            "km": _euro(tariff.per_km_cents),
            "included_km": tariff.included_km,
        }
        if tariff
        else None,
        "view": view,
        "grid": grid,
        "week_rows": hours,
        "day_rows": day_rows,
        "first": first,
        "previous": previous,
        "following": following,
        "today": today,
    }


STATE_WORDS = {"free": gettext_lazy("frei"), "busy": gettext_lazy("belegt"), "past": gettext_lazy("vorbei")}


def _summary(slots) -> dict:
    """One cell of the week grid: one word when all four quarters agree, else each quarter."""
    states = {slot.state for slot in slots}
    if not states:  # the hour skipped when clocks go forward
        return {"css": "slot-past", "text": "–", "short": "–"}
    if len(states) == 1:
        state = states.pop()
        return {"css": f"slot-{state}", "text": str(STATE_WORDS[state]), "short": str(STATE_WORDS[state])}
    parts = [f"{slot.start:%H:%M} {STATE_WORDS[slot.state]}" for slot in slots]
    free = [slot for slot in slots if slot.state == "free"]
    short = _("ab %(t)s frei") % {"t": f"{free[0].start:%H:%M}"} if free else _("belegt")
    return {"css": "slot-mixed", "text": ", ".join(parts), "short": short}


def _quote_context(vehicle, form) -> dict:
    """The price of the chosen window, or why there is none."""
    if not form.is_valid():
        return {"quote": None}
    start, end = form.window()
    try:
        price = services.quote(vehicle=vehicle, start=start, end=end)
    except DomainError as exc:
        return {"quote": None, "quote_error": _german(exc)}
    terms = services.tariff_terms(vehicle)
    return {
        "quote": {
            "total": _euro(price.total_cents),
            "vat": _euro(price.vat_cents),
            "start": timezone.localtime(start),
            "end": timezone.localtime(end),
            "per_km": _euro(terms.per_km_cents),
            "included_km": terms.included_km,
        }
    }


def _reserve_initial() -> dict:
    from carsharing.domain.policy import ceil_to_grid

    start = timezone.localtime(ceil_to_grid(timezone.now() + timedelta(hours=1), 60))
    return {"day": start.date().isoformat(), "start_time": f"{start:%H:%M}", "hours": "2"}


@never_cache
@require_GET
def vehicle(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    """A vehicle: facts, availability (week or day in 15-minute steps) and the reserve form."""
    car = _vehicle_or_404(vehicle_id)
    context = _grid_context(request, car)
    if is_htmx(request) and request.headers.get("HX-Target") == "availability":
        return render(request, "web/carsharing/_availability.html", context)
    form = forms.ReserveForm(request.GET if "day" in request.GET else None, initial=_reserve_initial())
    context.update(
        {
            "nav": "carsharing",
            "form": form,
            **(_quote_context(car, form) if form.is_bound else {"quote": None}),
            **_membership_context(request.user),
        }
    )
    return render(request, "web/carsharing/vehicle.html", context)


@never_cache
@require_GET
def vehicle_quote(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    """The live quote (htmx): the price for the window in the form."""
    car = _vehicle_or_404(vehicle_id)
    form = forms.ReserveForm(request.GET)
    return render(request, "web/carsharing/_quote.html", {"vehicle": car, **_quote_context(car, form)})


@personal
@require_POST
def reserve(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    car = _vehicle_or_404(vehicle_id)
    form = forms.ReserveForm(request.POST)
    if form.is_valid():
        start, end = form.window()
        try:
            reservation = services.reservation_create(user=request.user, vehicle_id=car.pk, start=start, end=end)
        except DomainError as exc:
            if exc.code == "vehicle_unavailable" and not exc.fields:
                exc.fields = {"start": ["taken"]}  # the chosen time is what the member should change
            _add_error(form, exc)
        else:
            return redirect("web:carsharing_reservation", reservation_id=reservation.pk)
    context = _grid_context(request, car)
    context.update({"nav": "carsharing", "form": form, **_quote_context(car, form)})
    context.update(_membership_context(request.user))
    return render(request, "web/carsharing/vehicle.html", context, status=400)


# --- reservations ----------------------------------------------------------------------------


def _reservation_or_404(request: HttpRequest, reservation_id: int):
    try:
        return selectors.reservation_detail(user=request.user, reservation_id=reservation_id)
    except NotFound as exc:
        raise Http404(_german(exc)) from exc


@personal
@require_GET
def reservations(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.member_reservations(user=request.user))
    now = timezone.now()
    upcoming = [r for r in rows if r.end >= now and r.status in ("held", "confirmed", "active")]
    upcoming.reverse()
    past = [r for r in rows if r not in upcoming]
    context = {"nav": "carsharing", "upcoming": upcoming, "past": past, **_membership_context(request.user)}
    return render(request, "web/carsharing/reservations.html", context)


def _detail_context(request: HttpRequest, reservation, **extra) -> dict:
    now = timezone.now()
    customer = selectors.saved_card_of(user=request.user)
    needs_card = (
        reservation.status == ReservationStatus.HELD
        and reservation.billing == Billing.CARD
        and not (customer and customer.default_payment_method)
    )
    odometer = reservation.odometer_start_km or reservation.vehicle.odometer_km
    starts_soon = reservation.start - timedelta(minutes=carsharing_conf.get("CARSHARING_BUFFER_MINUTES")) <= now
    return {
        "nav": "carsharing",
        "reservation": reservation,
        "estimate": _euro(reservation.estimate_cents),
        "actual": _euro(reservation.actual_cents) if reservation.actual_cents is not None else None,
        "fee": _euro(reservation.fee_cents),
        "needs_card": needs_card,
        "card_last4": customer.card_last4 if customer else "",
        "can_confirm": reservation.status == ReservationStatus.HELD,
        "can_cancel": reservation.status in (ReservationStatus.HELD, ReservationStatus.CONFIRMED),
        "can_extend": reservation.status in (ReservationStatus.CONFIRMED, ReservationStatus.ACTIVE),
        "can_check_in": reservation.status == ReservationStatus.CONFIRMED and starts_soon and now < reservation.end,
        "can_check_out": reservation.status == ReservationStatus.ACTIVE,
        "can_report": reservation.status in REPORTABLE,
        "extend_form": extra.pop("extend_form", None) or forms.ExtendForm(),
        "checkout_form": extra.pop("checkout_form", None) or forms.CheckOutForm(initial={"odometer_km": odometer}),
        "action_error": extra.pop("action_error", None),
        **extra,
    }


@personal
@require_GET
def reservation(request: HttpRequest, reservation_id: int) -> HttpResponse:
    item = _reservation_or_404(request, reservation_id)
    return render(request, "web/carsharing/reservation.html", _detail_context(request, item))


def _after_action(request, reservation_id: int, exc: DomainError | None, ok_message: str, **forms_with_errors):
    if exc is None:
        messages.success(request, ok_message)
        return redirect("web:carsharing_reservation", reservation_id=reservation_id)
    item = _reservation_or_404(request, reservation_id)
    context = _detail_context(request, item, action_error=_german(exc), **forms_with_errors)
    return render(request, "web/carsharing/reservation.html", context, status=exc.status_code)


@personal
@require_POST
def reservation_confirm(request: HttpRequest, reservation_id: int) -> HttpResponse:
    _reservation_or_404(request, reservation_id)
    try:
        services.reservation_confirm(user=request.user, reservation_id=reservation_id)
    except DomainError as exc:
        return _after_action(request, reservation_id, exc, "")
    return _after_action(request, reservation_id, None, _("Ihre Reservierung ist verbindlich gebucht."))


@personal
@require_http_methods(["GET", "POST"])
def reservation_cancel(request: HttpRequest, reservation_id: int) -> HttpResponse:
    """GET shows what cancelling costs now; POST cancels."""
    item = _reservation_or_404(request, reservation_id)
    if request.method == "POST":
        try:
            done = services.reservation_cancel(user=request.user, reservation_id=reservation_id)
        except DomainError as exc:
            return _after_action(request, reservation_id, exc, "")
        text = (
            _("Die Reservierung ist storniert. Stornogebühr: %(fee)s.") % {"fee": _euro(done.fee_cents)}
            if done.fee_cents
            else _("Die Reservierung ist storniert. Es fallen keine Kosten an.")
        )
        return _after_action(request, reservation_id, None, text)
    fee = selectors.cancellation_fee_preview(reservation=item, now=timezone.now())
    free_until = item.start - timedelta(hours=carsharing_conf.get("CARSHARING_FREE_CANCEL_HOURS"))
    context = {
        "nav": "carsharing",
        "reservation": item,
        "fee": _euro(fee),
        "fee_cents": fee,
        "free_until": free_until,
        "cancellable": item.status in (ReservationStatus.HELD, ReservationStatus.CONFIRMED),
    }
    return render(request, "web/carsharing/cancel.html", context)


@personal
@require_POST
def reservation_extend(request: HttpRequest, reservation_id: int) -> HttpResponse:
    item = _reservation_or_404(request, reservation_id)
    form = forms.ExtendForm(request.POST)
    if not form.is_valid():
        return _after_action(
            request, reservation_id, DomainError(_("Bitte wählen Sie, um wie viel."), code="validation_error"), ""
        )
    new_end = item.end + timedelta(hours=int(form.cleaned_data["extra_hours"]))
    try:
        services.reservation_extend(user=request.user, reservation_id=reservation_id, new_end=new_end)
    except DomainError as exc:
        _add_error(form, exc, {"end": "extra_hours"})
        return _after_action(request, reservation_id, exc, "", extend_form=form)
    return _after_action(
        request,
        reservation_id,
        None,
        _("Verlängert bis %(end)s.") % {"end": f"{timezone.localtime(new_end):%d.%m.%Y %H:%M}"},
    )


@personal
@require_POST
def reservation_check_in(request: HttpRequest, reservation_id: int) -> HttpResponse:
    _reservation_or_404(request, reservation_id)
    try:
        services.reservation_check_in(user=request.user, reservation_id=reservation_id)
    except DomainError as exc:
        return _after_action(request, reservation_id, exc, "")
    return _after_action(request, reservation_id, None, _("Gute Fahrt! Die Fahrt ist gestartet."))


@personal
@require_POST
def reservation_check_out(request: HttpRequest, reservation_id: int) -> HttpResponse:
    _reservation_or_404(request, reservation_id)
    form = forms.CheckOutForm(request.POST)
    if not form.is_valid():
        exc = DomainError(_("Bitte prüfen Sie Ihre Angaben."), code="validation_error")
        return _after_action(request, reservation_id, exc, "", checkout_form=form)
    try:
        done = services.reservation_check_out(
            user=request.user,
            reservation_id=reservation_id,
            odometer_km=form.cleaned_data["odometer_km"],
            energy_level_pct=form.cleaned_data["energy_level_pct"],
            damage_report=form.cleaned_data["damage_report"],
        )
    except DomainError as exc:
        _add_error(form, exc)
        return _after_action(request, reservation_id, exc, "", checkout_form=form)
    return _after_action(
        request,
        reservation_id,
        None,
        _("Danke! Das Auto ist zurückgegeben. Betrag: %(amount)s.") % {"amount": _euro(done.actual_cents or 0)},
    )


@personal
@require_http_methods(["GET", "POST"])
def defect_report(request: HttpRequest, reservation_id: int) -> HttpResponse:
    item = _reservation_or_404(request, reservation_id)
    form = forms.DefectForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = services.vehicle_defect_report(
                    user=request.user,
                    vehicle_id=item.vehicle_id,
                    description=form.cleaned_data["description"],
                    blocks_use=form.cleaned_data["blocks_use"],
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                text = _("Danke für Ihre Meldung.")
                if report.blocks_use:
                    text += " " + _("Das Auto ist gesperrt, bis es repariert ist.")
                messages.success(request, text)
                return redirect("web:carsharing_reservation", reservation_id=reservation_id)
        status = 400
    context = {"nav": "carsharing", "reservation": item, "form": form}
    return render(request, "web/carsharing/defect.html", context, status=status)


# --- paying by card ----------------------------------------------------------------------------


@personal
@require_GET
def card(request: HttpRequest) -> HttpResponse:
    """Save a card with Stripe Elements. Only this page loads js.stripe.com, and only when a
    Stripe key is configured; Stripe sees a pseudonymous customer reference, never a name."""
    context = {"nav": "carsharing", "payments_on": carsharing_conf.payments_enabled()}
    if context["payments_on"]:
        try:
            setup = services.payment_setup_start(user=request.user)
        except DomainError as exc:
            context["error"] = _german(exc)
        else:
            context.update(
                {
                    "client_secret": setup["client_secret"],
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                    "return_url": request.build_absolute_uri(reverse("web:carsharing_card_done")),
                }
            )
    response = render(request, "web/carsharing/card.html", context)
    if context.get("client_secret"):
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com "
            "https://hooks.stripe.com; connect-src 'self' https://api.stripe.com; style-src 'self'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
    return response


@personal
@require_GET
def card_done(request: HttpRequest) -> HttpResponse:
    """Stripe sends the browser back here with ``?setup_intent=…`` after confirming the card."""
    intent = request.GET.get("setup_intent", "")
    try:
        customer = services.payment_method_save(user=request.user, setup_intent_id=intent)
    except DomainError as exc:
        messages.error(request, _german(exc))
        return redirect("web:carsharing_card")
    messages.success(request, _("Ihre Karte (endet auf %(last4)s) ist hinterlegt.") % {"last4": customer.card_last4})
    return redirect("web:carsharing_reservations")
