"""Staff console: booking an official trip (once or every week) with a free pool car
proposed, and the base-load calendar (a week of every car; releasing official hours to
members under the notice rule; the month's official share per cost centre)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carsharing import conf as carsharing_conf
from carsharing import selectors_console as selectors
from carsharing import services, services_console
from mobility.errors import DomainError, NotFound

from ..console import staff_required
from ..forms_console_staff import OfficialTripForm, ReleaseForm
from .console_staff import add_console_error, console_message

TRIP_FIELDS = {"start": "start_time", "end": "end_time", "vehicle_id": "vehicle", "valid_from": "day"}


def _initial(request: HttpRequest) -> dict:
    now = timezone.localtime()
    start = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=2)
    return {
        "cost_centre": request.user.cost_centre_id,
        "day": start.date(),
        "start_time": start.strftime("%H:%M"),
        "end_time": "24:00" if end.date() != start.date() else end.strftime("%H:%M"),
        "passengers": 1,
    }


def _trip_context(request: HttpRequest, form, proposals) -> dict:
    now = timezone.now()
    return {
        "form": form,
        "proposals": proposals,
        "upcoming": selectors.upcoming_official_trips(now=now, cost_centre_id=request.user.cost_centre_id),
        "cost_centre": request.user.cost_centre,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def official_trip_new(request: HttpRequest) -> HttpResponse:
    """One form: purpose, cost centre (the staff member's own preselected), day and time,
    people. The first submit proposes the free cars that seat everyone (the smallest first,
    preselected); the second books the chosen one (or the weekly series)."""
    centres = selectors.active_cost_centres()
    if request.method == "GET":
        form = OfficialTripForm(initial=_initial(request), cost_centres=centres)
        return render(request, "web/console/staff/official_trip.html", _trip_context(request, form, None))
    now = timezone.now()
    without_car = request.POST.copy()
    without_car.pop("vehicle", None)
    probe = OfficialTripForm(without_car, cost_centres=centres)  # the car list depends on the rest
    proposals = None
    if probe.is_valid():
        start, end = probe.window()
        proposals = selectors.pool_cars_free(start=start, end=end, passengers=probe.cleaned_data["passengers"], now=now)
    # any car in service is a valid choice: the service says why a car is not possible
    cars = selectors.vehicles_in_service()
    form = OfficialTripForm(request.POST, cost_centres=centres, vehicles=cars)
    if not form.is_valid():
        return render(
            request, "web/console/staff/official_trip.html", _trip_context(request, form, proposals), status=400
        )
    data = form.cleaned_data
    if not proposals and not data.get("vehicle"):
        form.add_error(
            "start_time", _("In dieser Zeit ist kein passendes Auto frei. Bitte wählen Sie eine andere Zeit.")
        )
        return render(request, "web/console/staff/official_trip.html", _trip_context(request, form, []), status=409)
    if request.POST.get("action") != "book" or not data.get("vehicle"):
        # the proposal step: the smallest fitting car preselected
        form = OfficialTripForm(
            {**request.POST.dict(), "vehicle": str(proposals[0].pk)}, cost_centres=centres, vehicles=cars
        )
        form.is_valid()
        return render(request, "web/console/staff/official_trip.html", _trip_context(request, form, proposals))
    start, end = form.window()
    try:
        if data["repeat"]:
            start_time, end_time = form.times()
            outcome = services_console.official_trip_series_create(
                staff=request.user,
                vehicle_id=data["vehicle"],
                weekdays=data["weekdays"],
                start_time=start_time,
                end_time=end_time,
                valid_from=data["day"],
                valid_until=data["until"],
                purpose=data["purpose"],
                passengers=data["passengers"],
                cost_centre_id=data["cost_centre"],
                now=now,
            )
        else:
            reservation = services_console.official_trip_book(
                staff=request.user,
                vehicle_id=data["vehicle"],
                start=start,
                end=end,
                purpose=data["purpose"],
                passengers=data["passengers"],
                cost_centre_id=data["cost_centre"],
                now=now,
            )
    except DomainError as exc:
        if exc.code == "vehicle_unavailable":
            exc.fields = {"vehicle": ["taken"]}
        add_console_error(form, exc, field_map=TRIP_FIELDS)
        return render(
            request,
            "web/console/staff/official_trip.html",
            _trip_context(request, form, proposals),
            status=409 if exc.status_code == 409 else 400,
        )
    if data["repeat"]:
        text = _("Regelmäßige Dienstfahrt gebucht: %(days)d Tage.") % {"days": outcome.days}
        if outcome.days_partly_taken:
            text += " " + _(
                "An %(n)d Tagen war das Auto schon teilweise belegt; dort ist nur die freie Zeit gebucht."
            ) % {"n": outcome.days_partly_taken}
        messages.success(request, text)
    else:
        messages.success(
            request,
            _("Dienstfahrt gebucht: %(car)s am %(when)s.")
            % {
                "car": reservation.vehicle.plate,
                "when": formats.date_format(timezone.localtime(reservation.start), "l, d.m.Y H:i"),
            },
        )
    return redirect("web:staff_official_trip_new")


# --- the base-load calendar ------------------------------------------------------------------------


def _week_param(request: HttpRequest) -> date:
    raw = request.GET.get("woche", "")
    today = timezone.localdate()
    if raw:
        try:
            year, week = raw.split("-W")
            day = date.fromisocalendar(int(year), int(week), 1)
        except ValueError as exc:
            raise Http404(_("Diese Woche gibt es nicht.")) from exc
        if not 2000 <= day.year <= 2100:
            raise Http404(_("Diese Woche gibt es nicht."))
        return day
    return selectors.week_start(today)


def percent(share: float) -> str:
    """A share (0.1234) as people read it here: "12,3 %" (one decimal, the locale's comma)."""
    return f"{formats.number_format(share * 100, decimal_pos=1)} %"


def _iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


@staff_required
def calendar(request: HttpRequest) -> HttpResponse:
    monday = _week_param(request)
    now = timezone.now()
    today = timezone.localdate()
    rows = selectors.base_load_week(monday=monday, now=now)
    shares, official_share = selectors.official_share_by_cost_centre(year=today.year, month=today.month)
    context = {
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "days": [monday + timedelta(days=i) for i in range(7)],
        "rows": rows,
        "today": today,
        "previous_week": _iso_week(monday - timedelta(days=7)),
        "next_week": _iso_week(monday + timedelta(days=7)),
        "this_week": _iso_week(today),
        "shares": [
            {
                "code": s.code,
                "name": s.name,
                "hours": s.hours,
                "share_of_fleet_pct": percent(s.share_of_fleet),
                "share_of_official_pct": percent(s.share_of_official),
            }
            for s in shares
        ],
        "official_share_pct": percent(official_share),
        "month": today,
        "notice_hours": carsharing_conf.get("CARSHARING_RELEASE_NOTICE_HOURS"),
    }
    return render(request, "web/console/staff/calendar.html", context)


def _release_instants(reservation, now: datetime) -> list[datetime]:
    first = selectors.first_releasable_start(reservation=reservation, now=now)
    if first is None:
        return []
    grid = timedelta(minutes=carsharing_conf.get("CARSHARING_GRID_MINUTES"))
    instants = []
    moment = first
    while moment <= reservation.end:
        instants.append(moment)
        moment += grid
    return instants


@staff_required
@require_http_methods(["GET", "POST"])
def block_release(request: HttpRequest, reservation_id: int) -> HttpResponse:
    """Give (part of) an official reservation back to members: from the first moment the
    notice rule allows to its end, preselected; the rule is shown on the page."""
    try:
        reservation = selectors.official_reservation(reservation_id=reservation_id)
    except NotFound as exc:
        raise Http404(console_message(exc)) from exc
    now = timezone.now()
    instants = _release_instants(reservation, now)
    initial = (
        {"start": timezone.localtime(instants[0]).isoformat(), "end": timezone.localtime(instants[-1]).isoformat()}
        if instants
        else {}
    )
    form = ReleaseForm(request.POST or None, initial=initial, instants=instants)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reservation_release(
                    user=request.user,
                    reservation_id=reservation.pk,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    now=now,
                )
            except DomainError as exc:
                add_console_error(form, exc)
                status = 409 if exc.status_code == 409 else 400
            else:
                messages.success(
                    request,
                    _("Freigegeben: %(car)s, %(start)s bis %(end)s. Mitglieder können das Auto jetzt buchen.")
                    % {
                        "car": reservation.vehicle.plate,
                        "start": formats.date_format(timezone.localtime(form.cleaned_data["start"]), "D d.m. H:i"),
                        "end": formats.date_format(timezone.localtime(form.cleaned_data["end"]), "H:i"),
                    },
                )
                week = _iso_week(timezone.localtime(form.cleaned_data["start"]).date())
                return redirect(f"{reverse('web:staff_calendar')}?woche={week}")
        else:
            status = 400
    context = {
        "reservation": reservation,
        "form": form,
        "releasable": bool(instants),
        "notice_hours": carsharing_conf.get("CARSHARING_RELEASE_NOTICE_HOURS"),
        "week": _iso_week(timezone.localtime(reservation.start).date()),
    }
    return render(request, "web/console/staff/release.html", context, status=status)
