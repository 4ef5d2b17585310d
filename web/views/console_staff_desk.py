"""Staff console: the Bürgerbus phone desk, built for the person answering the phone with
the keyboard only.

One page, top to bottom: find the caller (by name, phone or e-mail; every caller shown is
written to the access log with the reason given) or take a name and phone number for a
one-off caller; pick the line, day and stops; see every trip of the day with the free seats
on each segment and the booking deadline; book. The state lives in the URL (GET
parameters), so Back and reload work and each step is one Enter. Bookings are made by
:func:`gtfs.services.bb_booking_create` (assisted, booked by the staff member) and
cancelled by :func:`gtfs.services.bb_booking_cancel`.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gtfs import selectors_console as bb
from gtfs import services as gtfs_services
from mobility.errors import DomainError, NotFound
from mobility.privacy.services import personal_data_access_record, personal_data_access_record_many

from ..console import staff_required
from ..forms_console_staff import DEFAULT_DESK_REASON, CallerSearchForm, DeskBookingForm, DeskCancelForm, DeskTripForm
from .console_staff import add_console_error, console_message

STATE_KEYS = ("anrufer", "einmalig", "grund", "linie", "datum", "von", "nach", "plaetze")


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def desk_url(state: dict, **changes) -> str:
    merged = {**state, **changes}
    query = {k: v for k, v in merged.items() if k in STATE_KEYS and v not in (None, "")}
    return f"{reverse('web:staff_phone_desk')}?{urlencode(query)}"


def _why_not_text(code: str) -> str:
    return {
        "departed": _("Schon abgefahren"),
        "too_late": _("Anmeldefrist vorbei"),
        "full": _("Zu wenig Plätze frei"),
    }.get(code, "")


def _desk_context(request: HttpRequest, params, *, booking_form: DeskBookingForm | None = None) -> dict:
    """Everything the desk shows for the state in ``params`` (GET or the booking POST)."""
    now = timezone.now()
    state = {key: params.get(key, "") for key in STATE_KEYS}
    reason = " ".join(state["grund"].split())
    context: dict = {"state": state, "reason": reason or str(DEFAULT_DESK_REASON)}

    # 1. the caller
    search = CallerSearchForm(
        {"suche": params.get("suche", ""), "grund": reason} if "suche" in params else None,
        initial={"grund": reason or DEFAULT_DESK_REASON},
    )
    context["search_form"] = search
    if "suche" in params and search.is_valid():
        callers = bb.caller_search(query=search.cleaned_data["suche"])
        personal_data_access_record_many(
            actor=request.user, subjects=callers, what="phone desk: caller search", reason=reason, path=request.path
        )
        context["callers"] = callers
    caller = None
    caller_id = _int(state["anrufer"])
    if caller_id:
        try:
            caller = bb.caller_get(user_id=caller_id)
        except NotFound as exc:
            raise Http404(console_message(exc)) from exc
        if not reason:
            context["caller_needs_reason"] = True
            caller = None
        else:
            personal_data_access_record(
                actor=request.user,
                subject=caller,
                what="phone desk: phone number and Bürgerbus bookings",
                reason=reason,
                path=request.path,
            )
            context["caller_bookings"] = bb.caller_bookings(user=caller, now=now)
    context["caller"] = caller
    context["one_off"] = caller is None and state["einmalig"] == "1"

    # 2. the journey
    lines = bb.buergerbus_lines()
    context["lines"] = lines
    line_id = _int(state["linie"]) or (lines[0].pk if lines else None)
    stops = []
    if line_id is not None:
        try:
            stops = bb.line_stops(route_id=line_id)
        except NotFound as exc:
            raise Http404(console_message(exc)) from exc
    today = timezone.localdate()
    defaults = {
        "linie": line_id,
        "datum": today,
        "von": stops[0].pk if stops else None,
        "nach": stops[-1].pk if stops else None,
        "plaetze": 1,
    }
    given = {k: state[k] for k in ("linie", "datum", "von", "nach", "plaetze") if state[k]}
    stop_ids = {str(stop.pk) for stop in stops}
    if given.get("von") not in stop_ids or given.get("nach") not in stop_ids:
        # another line was chosen: its own stops are offered, the old ones dropped
        given.pop("von", None)
        given.pop("nach", None)
    trip_form = DeskTripForm(
        {**{k: v for k, v in defaults.items() if v is not None}, **given}, lines=lines, stops=stops
    )
    context["trip_form"] = trip_form
    context["journey_chosen"] = bool(given.get("von") and given.get("nach"))
    trips = []
    if trip_form.is_valid() and context["journey_chosen"]:
        data = trip_form.cleaned_data
        trips = bb.phone_desk_trips(
            route_id=data["linie"],
            service_date=data["datum"],
            now=now,
            from_stop_id=data["von"],
            to_stop_id=data["nach"],
        )
        for desk_trip in trips:
            desk_trip.why_not_text = _why_not_text(desk_trip.why_not)
            if desk_trip.bookable and desk_trip.free_for_journey < data["plaetze"]:
                desk_trip.bookable = False
                desk_trip.why_not_text = _why_not_text("full")
        context["journey"] = data
    context["trips"] = trips
    serving = [t for t in trips if t.serves_journey]
    context["serving_trips"] = serving
    first_bookable = next((t for t in serving if t.bookable), None)
    context["preselected"] = first_bookable.trip.pk if first_bookable else None
    posted = _int(str(booking_form.data.get("fahrt", ""))) if booking_form is not None else None
    bookable_ids = {t.trip.pk for t in serving if t.bookable}
    context["selected_trip"] = posted if posted in bookable_ids else context["preselected"]
    context["booking_form"] = booking_form or DeskBookingForm(
        initial={"fahrt": context["preselected"]}, one_off=context["one_off"]
    )
    context["desk_bookings"] = bb.desk_bookings_today(booked_by=request.user, now=now)
    context["cancel_form"] = DeskCancelForm()
    # where the cursor goes: the next thing to do
    if booking_form is not None and booking_form.errors:
        context["focus"] = "booking"
    elif first_bookable and (caller or context["one_off"]):
        context["focus"] = "trip"
    elif caller or context["one_off"]:
        context["focus"] = "line"
    else:
        context["focus"] = "search"
    if context["focus"] == "search":
        search.fields["suche"].widget.attrs["autofocus"] = True
    elif context["focus"] == "line":
        trip_form.fields["linie"].widget.attrs["autofocus"] = True
    context["desk_url"] = desk_url(state)
    context["one_off_url"] = desk_url(state, anrufer="", einmalig="1")
    return context


@staff_required
@require_GET
def phone_desk(request: HttpRequest) -> HttpResponse:
    context = _desk_context(request, request.GET)
    status = (
        400 if context["search_form"].errors or (context["state"]["datum"] and context["trip_form"].errors) else 200
    )
    return render(request, "web/console/staff/phone_desk.html", context, status=status)


@staff_required
@require_POST
def phone_desk_book(request: HttpRequest) -> HttpResponse:
    state = {key: request.POST.get(key, "") for key in STATE_KEYS}
    caller_id = _int(state["anrufer"])
    form = DeskBookingForm(request.POST, one_off=caller_id is None)
    status = 400
    trip_form_data = {k: state[k] for k in ("linie", "datum", "von", "nach", "plaetze")}
    if form.is_valid() and all(trip_form_data.values()):
        try:
            caller = bb.caller_get(user_id=caller_id) if caller_id else None
        except NotFound as exc:
            raise Http404(console_message(exc)) from exc
        try:
            service_date = date.fromisoformat(state["datum"])
            booking = gtfs_services.bb_booking_create(
                trip_id=form.cleaned_data["fahrt"],
                service_date=service_date,
                from_stop_id=_int(state["von"]) or 0,
                to_stop_id=_int(state["nach"]) or 0,
                seats=_int(state["plaetze"]) or 0,
                passenger=caller,
                booked_by=request.user,
                assisted=True,
                passenger_name="" if caller else form.cleaned_data["name"],
                passenger_phone="" if caller else form.cleaned_data["telefon"],
            )
        except ValueError:
            form.add_error(None, _("Bitte prüfen Sie den Tag."))
        except DomainError as exc:
            add_console_error(form, exc, field_map={"passenger_name": "name", "passenger_phone": "telefon"})
            status = 409 if exc.status_code == 409 else 400
        else:
            messages.success(
                request,
                _("Gebucht für %(who)s: Bürgerbus %(line)s am %(when)s, %(a)s → %(b)s, %(seats)d Platz/Plätze.")
                % {
                    "who": (caller.display_name or caller.email) if caller else form.cleaned_data["name"],
                    "line": booking.trip.route.short_name,
                    "when": formats.date_format(timezone.localtime(booking.departure_at), "D d.m.Y H:i"),
                    "a": booking.from_stop.name,
                    "b": booking.to_stop.name,
                    "seats": booking.seats,
                },
            )
            return redirect(desk_url(state))
    elif form.is_valid():
        form.add_error(None, _("Bitte wählen Sie Linie, Tag und Haltestellen."))
    context = _desk_context(request, request.POST, booking_form=form)
    return render(request, "web/console/staff/phone_desk.html", context, status=status)


@staff_required
@require_POST
def phone_desk_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    form = DeskCancelForm(request.POST)
    back = request.POST.get("zurueck", "")
    target = back if back.startswith(reverse("web:staff_phone_desk")) else reverse("web:staff_phone_desk")
    if not form.is_valid():
        messages.error(request, _("Bitte geben Sie einen Grund für die Stornierung an."))
        return redirect(target)
    try:
        booking = gtfs_services.bb_booking_cancel(
            booking_id=booking_id, user=request.user, reason=form.cleaned_data["grund"]
        )
    except NotFound as exc:
        raise Http404(console_message(exc)) from exc
    except DomainError as exc:
        messages.error(request, console_message(exc))
        return redirect(target)
    messages.success(
        request,
        _("Storniert: Bürgerbus am %(when)s, %(a)s → %(b)s. Der Platz ist wieder frei.")
        % {
            "when": formats.date_format(timezone.localtime(booking.departure_at), "D d.m.Y H:i"),
            "a": booking.from_stop.name,
            "b": booking.to_stop.name,
        },
    )
    return redirect(target)
