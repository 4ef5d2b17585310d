"""Bürgerbus editor: trips with weekdays, validity, exception dates and calls."""

from __future__ import annotations

import re
from datetime import date, datetime

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gtfs import selectors_editor, services
from gtfs.domain.times import format_gtfs_time
from gtfs.models import Service
from mobility.errors import DomainError

from ..operator_base import operator_page
from .common import (
    MAX_TRIP_STOPS,
    MESSAGES,
    WEEKDAY_LABELS,
    PlainSelect,
    PlainTextInput,
    _add_error,
    _editor_object,
    back_to_overview,
    overview_url,
    page_query,
)


def _dates(value: str) -> list[date]:
    """Dates separated by commas or spaces, as 31.12.2026 or 2026-12-31."""
    found = []
    for part in re.split(r"[,\s;]+", value.strip()):
        if not part:
            continue
        try:
            day = datetime.strptime(part, "%d.%m.%Y").date() if "." in part else date.fromisoformat(part)
        except ValueError:
            raise forms.ValidationError(gettext("„%(value)s“ ist kein Datum (TT.MM.JJJJ).") % {"value": part}) from None
        if not (1900 <= day.year <= 2200):
            raise forms.ValidationError(gettext("Bitte ein Datum zwischen 1900 und 2200."))
        found.append(day)
    return found


class TripForm(forms.Form):
    line = forms.ChoiceField(label=_("Linie"), choices=(), widget=PlainSelect)
    headsign = forms.CharField(label=_("Fahrtziel (Anzeige)"), max_length=255, required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("Wochentage"), choices=WEEKDAY_LABELS, widget=forms.CheckboxSelectMultiple, required=False
    )
    # ISO values: a type="date" input shows nothing for "01.01.2025" (and sent it back empty)
    start_date = forms.DateField(
        label=_("gültig ab"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("gültig bis"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    added_dates = forms.CharField(
        label=_("Zusätzliche Fahrtage"), required=False, help_text=_("TT.MM.JJJJ, mehrere mit Komma")
    )
    removed_dates = forms.CharField(
        label=_("Ausfalltage"), required=False, help_text=_("TT.MM.JJJJ, mehrere mit Komma")
    )
    capacity = forms.IntegerField(label=_("Plätze"), required=False, min_value=1, max_value=60)
    prefix = "fahrt"
    quiet_fields = ()

    def __init__(self, *args, lines=(), stops=(), rows: int = MAX_TRIP_STOPS, **kwargs):
        """``lines`` as ``(id, short name, long name)``, ``stops`` as ``(id, name)`` (the
        selector's one list each; all stop rows share one list of choices)."""
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [(str(pk), f"{short} {long}".strip()) for pk, short, long in lines]
        stop_choices = [("", "–")] + [(str(pk), name) for pk, name in stops]
        self.stop_rows = []
        for n in range(1, max(rows, MAX_TRIP_STOPS) + 1):
            self.fields[f"stop_{n}"] = forms.ChoiceField(
                label=gettext("Halt %(n)s") % {"n": n}, choices=stop_choices, required=n <= 2, widget=PlainSelect
            )
            self.fields[f"time_{n}"] = forms.CharField(
                label=gettext("Zeit an Halt %(n)s (HH:MM)") % {"n": n},
                required=n <= 2,
                max_length=8,
                widget=PlainTextInput,
            )
            self.stop_rows.append((f"stop_{n}", f"time_{n}"))
        # in the page's order, so the error summary lists the problems as the form shows them
        self.order_fields(["line", "headsign", *(name for row in self.stop_rows for name in row)])
        self.quiet_fields = tuple(name for row in self.stop_rows[2:] for name in row) + (
            "headsign",
            "added_dates",
            "removed_dates",
            "capacity",
            "weekdays",
        )

    def clean_added_dates(self):
        return _dates(self.cleaned_data.get("added_dates") or "")

    def clean_removed_dates(self):
        return _dates(self.cleaned_data.get("removed_dates") or "")

    def clean(self):
        data = super().clean()
        stops = []
        for stop_field, time_field in self.stop_rows:
            stop, at = data.get(stop_field), (data.get(time_field) or "").strip()
            if stop and not at:
                self.add_error(time_field, gettext("Bitte eine Zeit für diesen Halt angeben."))
            elif at and not stop:
                self.add_error(stop_field, gettext("Bitte eine Haltestelle für diese Zeit wählen."))
            elif stop and at:
                if not re.fullmatch(r"\d{1,2}:\d{2}", at):
                    self.add_error(time_field, str(MESSAGES["gtfs_invalid_time"]))
                else:
                    stops.append({"stop": int(stop), "arrival": at, "departure": at})
        data["stops"] = stops
        if "weekdays" in data and "added_dates" in data and not data["weekdays"] and not data["added_dates"]:
            # the service stores such a calendar (GTFS allows it), but the trip would never run
            never = gettext("Bitte wählen Sie Wochentage oder geben Sie zusätzliche Fahrtage an; sonst fährt sie nie.")
            self.add_error("weekdays", never)
        return data

    @property
    def stop_row_fields(self):
        return [(self[stop], self[time]) for stop, time in self.stop_rows]

    @property
    def stop_rows_html(self):
        """The stop rows as ``web/includes/field.html`` renders a field (label, errors, widget),
        built in Python: sixteen includes were most of the trip page's time. No row field has
        help text or the "(freiwillig)" mark (rows 1-2 are required, the rest are quiet)."""
        rows = []
        for stop, time in self.stop_row_fields:
            cells = [
                format_html(
                    '<div class="field{}"><label for="{}">{}</label>{}{}</div>',
                    " field-invalid" if field.errors else "",
                    field.id_for_label,
                    field.label,
                    format_html(
                        '<div class="field-error" id="{}_error">{}</div>',
                        field.auto_id,
                        format_html_join("", "<p>{}</p>", ((error,) for error in field.errors)),
                    )
                    if field.errors
                    else "",
                    str(field),
                )
                for field in (stop, time)
            ]
            rows.append(format_html('<div class="trip-stop-row">{}{}</div>', *cells))
        return format_html_join("\n", "{}", ((row,) for row in rows))


def _trip_choices(version_id: int | None = None) -> dict:
    return selectors_editor.editor_choices(version_id=version_id)


def _trip_page(request: HttpRequest, form: TripForm, *, ready: bool, trip=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "web/operator/buergerbus_trip.html",
        {
            "trip_form": form,
            "ready": ready,
            "trip": trip,
            "action": reverse("web:operator_buergerbus_trip_edit", args=[trip.pk]) + page_query(request)
            if trip is not None
            else reverse("web:operator_buergerbus_trip"),
            "page_query": page_query(request),
            "overview_url": overview_url(request),
        },
        status=status,
    )


def _trip_values(data: dict) -> dict:
    """The trip form's cleaned data as the arguments ``bb_trip_create`` and ``bb_trip_update``
    share: line, headsign, weekdays, validity and exception dates. The calls and the seats
    differ (the update changes them only when given), so each view adds those itself."""
    return {
        "line_id": int(data["line"]),
        "weekdays": list(data["weekdays"]),
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "added_dates": data["added_dates"],
        "removed_dates": data["removed_dates"],
        "headsign": data["headsign"],
    }


@operator_page
def trip_create(request: HttpRequest) -> HttpResponse:
    """A new trip (its own page: eight stop rows with every stop to choose from)."""
    choices = _trip_choices()
    ready = bool(choices["lines"] and choices["stops"])
    if request.method != "POST":
        form = TripForm(lines=choices["lines"], stops=choices["stops"], initial={"start_date": timezone.localdate()})
        return _trip_page(request, form, ready=ready)
    form = TripForm(request.POST, lines=choices["lines"], stops=choices["stops"])
    if form.is_valid():
        data = form.cleaned_data
        try:
            trip = services.bb_trip_create(
                **_trip_values(data), stops=data["stops"], capacity=data["capacity"], user=request.user
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Fahrt angelegt (%(n)s Halte).") % {"n": trip.stop_times.count()})
            return back_to_overview(request)
    return _trip_page(request, form, ready=ready, status=400)


def _trip_initial(trip) -> dict:
    service = trip.service
    dates = list(service.dates.all())
    initial = {
        "line": str(trip.route_id),
        "headsign": trip.headsign,
        "weekdays": [day for day in Service.WEEKDAYS if getattr(service, day)],
        "start_date": service.start_date,
        "end_date": service.end_date,
        "added_dates": ", ".join(d.date.strftime("%d.%m.%Y") for d in dates if d.exception_type == 1),
        "removed_dates": ", ".join(d.date.strftime("%d.%m.%Y") for d in dates if d.exception_type == 2),
        "capacity": trip.capacity,
    }
    for n, call in enumerate(trip.stop_times.all(), start=1):
        initial[f"stop_{n}"] = str(call.stop_id)
        initial[f"time_{n}"] = format_gtfs_time(call.departure_time)[:5]
    return initial


def _calls_of(trip) -> list[dict]:
    return [
        {
            "stop": call.stop_id,
            "arrival": format_gtfs_time(call.arrival_time if call.arrival_time is not None else call.departure_time)[
                :5
            ],
            "departure": format_gtfs_time(call.departure_time)[:5],
        }
        for call in trip.stop_times.all()
    ]


def _same_calls(old: list[dict], new: list[dict]) -> bool:
    """True when the form's stops and times are those stored (minutes; 8:10 equals 08:10)."""

    def minutes(value: str) -> int:
        hours, mins = value.split(":")[:2]
        return int(hours) * 60 + int(mins)

    if len(old) != len(new):
        return False
    return all(
        a["stop"] == b["stop"] and minutes(a["departure"]) == minutes(b["departure"])
        for a, b in zip(old, new, strict=True)
    )


@operator_page
def trip_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a trip: line, stops and times (while it has no bookings), weekdays, validity,
    extra days and days off, seats."""
    trip = _editor_object(selectors_editor.editor_trip, trip_id=pk)
    choices = _trip_choices(trip.version_id)
    rows = trip.stop_times.count() if hasattr(trip, "_prefetched_objects_cache") else MAX_TRIP_STOPS
    if request.method != "POST":
        form = TripForm(lines=choices["lines"], stops=choices["stops"], rows=rows, initial=_trip_initial(trip))
        return _trip_page(request, form, ready=True, trip=trip)
    form = TripForm(request.POST, lines=choices["lines"], stops=choices["stops"], rows=rows)
    if form.is_valid():
        data = form.cleaned_data
        changes = _trip_values(data)
        if data["capacity"] is not None:
            changes["capacity"] = data["capacity"]
        if not _same_calls(_calls_of(trip), data["stops"]):
            changes["stops"] = data["stops"]
        try:
            services.bb_trip_update(trip_id=trip.pk, **changes, user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Fahrt gespeichert."))
            return back_to_overview(request)
    return _trip_page(request, form, ready=True, trip=trip, status=400)
