"""The Bürgerbus editor in the operator console: stops (shown on the map), booking rules,
lines, trips with weekdays, validity and exception dates; the result previewed as the
departures residents will see, and exported as GTFS.

Every write goes through the Bürgerbus services of ``gtfs.services`` (the same ones the
API's editor uses); a refused step shows the service's error as a German sentence next to
the field it concerns.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gtfs import conf as gtfs_conf
from gtfs import selectors, services
from gtfs.domain.times import format_gtfs_time
from gtfs.feed_export import version_export_zip
from gtfs.models import Service
from mobility.errors import DomainError

from .operator_base import operator_page

MAX_TRIP_STOPS = 8
WEEKDAY_LABELS = (
    ("monday", _("Mo")),
    ("tuesday", _("Di")),
    ("wednesday", _("Mi")),
    ("thursday", _("Do")),
    ("friday", _("Fr")),
    ("saturday", _("Sa")),
    ("sunday", _("So")),
)
WEEKDAY_NAMES = {
    "monday": _("Montag"),
    "tuesday": _("Dienstag"),
    "wednesday": _("Mittwoch"),
    "thursday": _("Donnerstag"),
    "friday": _("Freitag"),
    "saturday": _("Samstag"),
    "sunday": _("Sonntag"),
}
BOOKING_TYPES = (
    ("0", _("ohne Voranmeldung (jederzeit)")),
    ("1", _("am selben Tag, mit Vorlauf in Minuten")),
    ("2", _("bis zu einer Uhrzeit an einem Vortag")),
)
MESSAGES = {
    "gtfs_booking_rule_invalid": _("Für diese Art der Anmeldung fehlen Angaben (Vorlauf oder Tag und Uhrzeit)."),
    "gtfs_invalid_time": _("Bitte geben Sie die Uhrzeit als HH:MM an (nach Mitternacht auch 24:30)."),
    "gtfs_booking_rule_not_found": _("Diese Anmelderegel gibt es nicht (mehr)."),
    "gtfs_line_not_found": _("Diese Linie gibt es nicht (mehr)."),
    "gtfs_stop_not_found": _("Diese Haltestelle gibt es nicht (mehr)."),
    "gtfs_invalid_weekday": _("Bitte wählen Sie die Wochentage aus der Liste."),
    "gtfs_invalid_date_range": _("Das Ende der Gültigkeit liegt vor dem Beginn."),
    "gtfs_trip_too_short": _("Eine Fahrt braucht mindestens zwei Haltestellen."),
    "gtfs_calendar_conflict": _("Ein Datum ist zugleich zusätzlicher Fahrtag und Ausfalltag."),
    "gtfs_times_not_increasing": _("Die Zeiten müssen von Halt zu Halt gleich bleiben oder steigen."),
}
FIELD_MAP = {
    "prior_notice_duration_min": "prior_notice_duration_min",
    "prior_notice_last_day": "prior_notice_last_day",
    "prior_notice_last_time": "prior_notice_last_time",
    "end_date": "end_date",
    "weekdays": "weekdays",
    "added_dates": "added_dates",
    "stops": "stop_1",
}


def _german(exc: DomainError) -> str:
    from ..errors import german_message

    return str(MESSAGES.get(exc.code) or german_message(exc))


def _add_error(form: forms.Form, exc: DomainError) -> None:
    placed = False
    for name in exc.fields or {}:
        target = FIELD_MAP.get(name)
        match = re.fullmatch(r"stops\[(\d+)\]", name)
        if match:
            target = f"time_{int(match.group(1)) + 1}"
        if target in form.fields:
            form.add_error(target, _german(exc))
            placed = True
    if not placed:
        form.add_error(None, _german(exc))


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


class StopForm(forms.Form):
    name = forms.CharField(label=_("Name der Haltestelle"), max_length=255)
    lat = forms.FloatField(label=_("Breite (Grad, WGS84)"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Länge (Grad, WGS84)"), min_value=-180, max_value=180)
    code = forms.CharField(label=_("Kurzzeichen"), max_length=64, required=False)
    prefix = "haltestelle"


class RuleForm(forms.Form):
    booking_type = forms.ChoiceField(label=_("Anmeldung"), choices=BOOKING_TYPES)
    prior_notice_duration_min = forms.IntegerField(
        label=_("Vorlauf in Minuten (am selben Tag)"), required=False, min_value=0, max_value=10080
    )
    prior_notice_last_day = forms.IntegerField(
        label=_("Spätestens so viele Tage vorher"), required=False, min_value=0, max_value=30
    )
    prior_notice_last_time = forms.CharField(label=_("bis Uhrzeit (HH:MM)"), required=False, max_length=8)
    message = forms.CharField(label=_("Hinweis für Fahrgäste"), required=False, max_length=500)
    phone_number = forms.CharField(label=_("Telefon für die Anmeldung"), required=False, max_length=64)
    prefix = "regel"


class LineForm(forms.Form):
    short_name = forms.CharField(label=_("Liniennummer"), max_length=100)
    long_name = forms.CharField(label=_("Linienname"), max_length=255, required=False)
    booking_rule = forms.ChoiceField(label=_("Anmelderegel"), required=False, choices=())
    prefix = "linie"

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["booking_rule"].choices = [("", gettext("keine (fährt immer)"))] + [
            (str(rule.pk), rule_text(rule)) for rule in rules
        ]


class TripForm(forms.Form):
    line = forms.ChoiceField(label=_("Linie"), choices=())
    headsign = forms.CharField(label=_("Fahrtziel (Anzeige)"), max_length=255, required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("Wochentage"), choices=WEEKDAY_LABELS, widget=forms.CheckboxSelectMultiple, required=False
    )
    start_date = forms.DateField(label=_("gültig ab"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("gültig bis"), widget=forms.DateInput(attrs={"type": "date"}))
    added_dates = forms.CharField(
        label=_("Zusätzliche Fahrtage"), required=False, help_text=_("TT.MM.JJJJ, mehrere mit Komma")
    )
    removed_dates = forms.CharField(
        label=_("Ausfalltage"), required=False, help_text=_("TT.MM.JJJJ, mehrere mit Komma")
    )
    capacity = forms.IntegerField(label=_("Plätze"), required=False, min_value=1, max_value=60)
    prefix = "fahrt"
    quiet_fields = ()

    def __init__(self, *args, lines=(), stops=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [(str(line.pk), _line_label(line)) for line in lines]
        stop_choices = [("", "–")] + [(str(stop.pk), stop.name) for stop in stops]
        self.stop_rows = []
        for n in range(1, MAX_TRIP_STOPS + 1):
            self.fields[f"stop_{n}"] = forms.ChoiceField(
                label=gettext("Halt %(n)s") % {"n": n}, choices=stop_choices, required=n <= 2
            )
            self.fields[f"time_{n}"] = forms.CharField(
                label=gettext("Zeit an Halt %(n)s (HH:MM)") % {"n": n}, required=n <= 2, max_length=8
            )
            self.stop_rows.append((f"stop_{n}", f"time_{n}"))
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
        return data

    @property
    def stop_row_fields(self):
        return [(self[stop], self[time]) for stop, time in self.stop_rows]


def rule_text(rule) -> str:
    """The booking rule as residents read it."""
    if rule.booking_type == 1:
        return gettext("Anmeldung bis %(min)s Minuten vor der Abfahrt") % {"min": rule.prior_notice_duration_min}
    if rule.booking_type == 2:
        last_time = format_gtfs_time(rule.prior_notice_last_time)[:5] if rule.prior_notice_last_time is not None else ""
        if rule.prior_notice_last_day == 1:
            return gettext("Anmeldung bis %(time)s Uhr am Vortag") % {"time": last_time}
        return gettext("Anmeldung bis %(time)s Uhr, %(days)s Tage vorher") % {
            "time": last_time,
            "days": rule.prior_notice_last_day,
        }
    return gettext("ohne Anmeldung")


def _line_label(line) -> str:
    return f"{line.short_name} {line.long_name}".strip()


def _trip_row(trip) -> dict:
    service: Service = trip.service
    days = [str(WEEKDAY_NAMES[day]) for day in Service.WEEKDAYS if getattr(service, day)]
    return {
        "trip": trip,
        "weekdays": ", ".join(days) or gettext("nur an einzelnen Tagen"),
        "added": [d.date for d in service.dates.all() if d.exception_type == 1],
        "removed": [d.date for d in service.dates.all() if d.exception_type == 2],
        "calls": [(st.stop.name, format_gtfs_time(st.departure_time)[:5]) for st in trip.stop_times.all()],
        "rule": rule_text(trip.booking_rule) if trip.booking_rule else "",
    }


def _preview_day(request: HttpRequest) -> date:
    raw = request.GET.get("tag", "")
    try:
        day = date.fromisoformat(raw) if raw else timezone.localdate() + timedelta(days=1)
    except ValueError:
        day = timezone.localdate() + timedelta(days=1)
    return day if 1900 <= day.year <= 2200 else timezone.localdate()


def _context(request: HttpRequest, **forms_given) -> dict:
    feed = services.buergerbus_feed()
    version = feed.active_version if feed is not None else None
    timetable = (
        selectors.buergerbus_timetable(version_id=version.pk)
        if version is not None
        else {"stops": [], "rules": [], "lines": [], "trips": []}
    )
    day = _preview_day(request)
    departures = []
    if version is not None and timetable["stops"]:
        tz = ZoneInfo(version.timezone or gtfs_conf.GTFS_DEFAULT_TIMEZONE)
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        departures = [
            departure
            for departure in selectors.departures_from_stops(
                stop_ids=[stop.pk for stop in timetable["stops"]], start=start, window_minutes=24 * 60, limit=300
            )
            if departure.feed_id == feed.pk
        ]
    return {
        "operator_nav": "buergerbus",
        "feed": feed,
        "version": version,
        "stops": timetable["stops"],
        "rules": [{"rule": rule, "text": rule_text(rule)} for rule in timetable["rules"]],
        "lines": [
            {"line": line, "rule": rule_text(line.booking_rule) if line.booking_rule else gettext("ohne Anmeldung")}
            for line in timetable["lines"]
        ],
        "trips": [_trip_row(trip) for trip in timetable["trips"]],
        "preview_day": day,
        "departures": departures,
        "stop_form": forms_given.get("stop_form") or StopForm(),
        "rule_form": forms_given.get("rule_form") or RuleForm(),
        "line_form": forms_given.get("line_form") or LineForm(rules=timetable["rules"]),
        "trip_form": forms_given.get("trip_form")
        or TripForm(lines=timetable["lines"], stops=timetable["stops"], initial={"start_date": timezone.localdate()}),
    }


@operator_page
def editor(request: HttpRequest) -> HttpResponse:
    return render(request, "web/operator/buergerbus.html", _context(request))


def _refused(request: HttpRequest, **forms_given) -> HttpResponse:
    return render(request, "web/operator/buergerbus.html", _context(request, **forms_given), status=400)


@operator_page
@require_POST
def stop_create(request: HttpRequest) -> HttpResponse:
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            stop = services.bb_stop_create(**form.cleaned_data, user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Haltestelle „%(name)s“ angelegt.") % {"name": stop.name})
            return redirect("web:operator_buergerbus")
    return _refused(request, stop_form=form)


@operator_page
@require_POST
def rule_create(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule = services.bb_booking_rule_create(
                booking_type=int(data["booking_type"]),
                prior_notice_duration_min=data["prior_notice_duration_min"],
                prior_notice_last_day=data["prior_notice_last_day"],
                prior_notice_last_time=data["prior_notice_last_time"] or None,
                message=data["message"],
                phone_number=data["phone_number"],
                user=request.user,
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Anmelderegel angelegt: %(text)s.") % {"text": rule_text(rule)})
            return redirect("web:operator_buergerbus")
    return _refused(request, rule_form=form)


def _timetable_now() -> dict:
    feed = services.buergerbus_feed()
    if feed is None or feed.active_version_id is None:
        return {"stops": [], "rules": [], "lines": [], "trips": []}
    return selectors.buergerbus_timetable(version_id=feed.active_version_id)


@operator_page
@require_POST
def line_create(request: HttpRequest) -> HttpResponse:
    form = LineForm(request.POST, rules=_timetable_now()["rules"])
    if form.is_valid():
        data = form.cleaned_data
        try:
            line = services.bb_line_create(
                short_name=data["short_name"],
                long_name=data["long_name"],
                booking_rule_id=int(data["booking_rule"]) if data["booking_rule"] else None,
                user=request.user,
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Linie %(name)s angelegt.") % {"name": line.short_name})
            return redirect("web:operator_buergerbus")
    return _refused(request, line_form=form)


@operator_page
@require_POST
def trip_create(request: HttpRequest) -> HttpResponse:
    timetable = _timetable_now()
    form = TripForm(request.POST, lines=timetable["lines"], stops=timetable["stops"])
    if form.is_valid():
        data = form.cleaned_data
        try:
            trip = services.bb_trip_create(
                line_id=int(data["line"]),
                stops=data["stops"],
                weekdays=list(data["weekdays"]),
                start_date=data["start_date"],
                end_date=data["end_date"],
                added_dates=data["added_dates"],
                removed_dates=data["removed_dates"],
                headsign=data["headsign"],
                capacity=data["capacity"],
                user=request.user,
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Fahrt angelegt (%(n)s Halte).") % {"n": trip.stop_times.count()})
            return redirect("web:operator_buergerbus")
    return _refused(request, trip_form=form)


@operator_page
def export(request: HttpRequest) -> HttpResponse:
    """The Bürgerbus timetable as a GTFS zip, as it is published."""
    feed = services.buergerbus_feed()
    if feed is None or feed.active_version is None:
        raise Http404("no Bürgerbus timetable")
    response = HttpResponse(version_export_zip(version=feed.active_version), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="buergerbus-gtfs.zip"'
    return response
