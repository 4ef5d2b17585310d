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

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gtfs import selectors, selectors_editor, services
from gtfs.domain.times import format_gtfs_time
from gtfs.feed_export import version_export_zip
from gtfs.models import Service
from mobility.errors import DomainError, NotFound
from mobility.l10n import format_number
from rides import selectors as rides_selectors

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
    "gtfs_trip_not_found": _("Diese Fahrt gibt es nicht (mehr)."),
    "gtfs_stop_in_use": _(
        "Diese Haltestelle wird noch angefahren oder in Buchungen genannt; sie bleibt. Ändern Sie zuerst die Fahrten."
    ),
    "gtfs_line_has_trips": _("Diese Linie hat noch Fahrten; löschen Sie zuerst die Fahrten."),
    "gtfs_booking_rule_in_use": _("Linien nutzen diese Anmelderegel noch; wählen Sie dort zuerst eine andere."),
    "gtfs_trip_has_bookings": _(
        "Für diese Fahrt gibt es Buchungen; sie bleibt bestehen. Halte und Zeiten lassen sich nicht mehr ändern."
    ),
    "gtfs_capacity_below_bookings": _("An einem Tag sind schon mehr Plätze gebucht; so wenige Plätze gehen nicht."),
}
FIELD_MAP = {
    "prior_notice_duration_min": "prior_notice_duration_min",
    "prior_notice_last_day": "prior_notice_last_day",
    "prior_notice_last_time": "prior_notice_last_time",
    "end_date": "end_date",
    "weekdays": "weekdays",
    "added_dates": "added_dates",
    "stops": "stop_1",
    "booking_type": "booking_type",
    "start_date": "start_date",
    "capacity": "capacity",
}


class PlainSelect(forms.Select):
    """A select rendered in Python: the trip form has sixteen of them, and Django's template per
    option made that page the slowest of the console."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html, format_html_join

        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(v), " selected" if str(v) == selected else "", label) for v, label in self.choices),
        )
        valued = format_html_join("", ' {}="{}"', ((k, v) for k, v in final.items() if v not in (None, False, True)))
        flags = format_html_join("", " {}", ((k,) for k, v in final.items() if v is True))
        return format_html("<select{}{}>{}</select>", valued, flags, options)


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

    def __init__(self, *args, lines=(), stops=(), rows: int = MAX_TRIP_STOPS, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [(str(line.pk), _line_label(line)) for line in lines]
        stop_choices = [("", "–")] + [(str(stop.pk), stop.name) for stop in stops]
        self.stop_rows = []
        for n in range(1, max(rows, MAX_TRIP_STOPS) + 1):
            self.fields[f"stop_{n}"] = forms.ChoiceField(
                label=gettext("Halt %(n)s") % {"n": n}, choices=stop_choices, required=n <= 2, widget=PlainSelect
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
        "label": _trip_label(trip),
    }


def _preview_day(request: HttpRequest) -> date:
    raw = request.GET.get("tag", "")
    try:
        day = date.fromisoformat(raw) if raw else timezone.localdate() + timedelta(days=1)
    except ValueError:
        day = timezone.localdate() + timedelta(days=1)
    return day if 1900 <= day.year <= 2200 else timezone.localdate()


def _empty_timetable() -> dict:
    return {"stops": [], "rules": [], "lines": [], "trips": []}


class RowActions:
    """The "Bearbeiten" and "Löschen" links of the editor's rows, built in Python: the overview
    lists every trip, and two ``{% url %}`` and ``{% trans %}`` tags per row were a fifth of its
    server time. The URLs are reversed once per kind with a placeholder id."""

    PLACEHOLDER = "987654321"

    def __init__(self) -> None:
        self.edit, self.delete = gettext("Bearbeiten"), gettext("Löschen")
        self.patterns = {
            kind: (
                reverse(f"web:operator_buergerbus_{kind}_edit", args=[self.PLACEHOLDER]),
                reverse(f"web:operator_buergerbus_{kind}_delete", args=[self.PLACEHOLDER]),
            )
            for kind in ("stop", "rule", "line", "trip")
        }

    def __call__(self, kind: str, pk: int, name: str):
        edit_url, delete_url = (url.replace(self.PLACEHOLDER, str(pk)) for url in self.patterns[kind])
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a> '
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            edit_url,
            self.edit,
            name,
            delete_url,
            self.delete,
            name,
        )


def _context(request: HttpRequest) -> dict:
    feed = services.buergerbus_feed()
    version = feed.active_version if feed is not None else None
    timetable = selectors.buergerbus_timetable(version_id=version.pk) if version is not None else _empty_timetable()
    actions = RowActions()
    line_word = gettext("Linie")
    rules = []
    for rule in timetable["rules"]:
        text = rule_text(rule)
        rules.append({"rule": rule, "text": text, "actions": actions("rule", rule.pk, text)})
    trips = []
    for trip in timetable["trips"]:
        row = _trip_row(trip)
        row["actions"] = actions("trip", trip.pk, row["label"])
        trips.append(row)
    return {
        "feed": feed,
        "version": version,
        "stops": [{"stop": stop, "actions": actions("stop", stop.pk, stop.name)} for stop in timetable["stops"]],
        "rules": rules,
        "lines": [
            {
                "line": line,
                "rule": rule_text(line.booking_rule) if line.booking_rule else gettext("ohne Anmeldung"),
                "actions": actions("line", line.pk, f"{line_word} {line.short_name}"),
            }
            for line in timetable["lines"]
        ],
        "trips": trips,
    }


def _active_version():
    feed = services.buergerbus_feed()
    return feed, (feed.active_version if feed is not None else None)


@operator_page
def preview(request: HttpRequest) -> HttpResponse:
    """The departure board residents will see at one Bürgerbus stop on one day: only the
    Bürgerbus timetable's trips of that service day (not the region's other feeds)."""
    feed, version = _active_version()
    stops = selectors.buergerbus_stops_and_lines(version_id=version.pk)["stops"] if version is not None else []
    day = _preview_day(request)
    raw_stop = request.GET.get("haltestelle", "")
    stop = next((s for s in stops if raw_stop.isdigit() and s.pk == int(raw_stop)), stops[0] if stops else None)
    departures = []
    if stop is not None:
        departures = selectors_editor.preview_departures(version=version, stop=stop, day=day)
        for departure in departures:
            rule = departure["booking_rule"]
            departure["rule"] = rule_text(rule) if rule is not None else ""
    return render(
        request,
        "web/operator/buergerbus_preview.html",
        {"stops": stops, "stop": stop, "preview_day": day, "departures": departures},
    )


@operator_page
def editor(request: HttpRequest) -> HttpResponse:
    return render(request, "web/operator/buergerbus.html", _context(request))


FORM_PAGES = {
    "stop": (_("Neue Haltestelle"), _("Haltestelle anlegen")),
    "rule": (_("Neue Anmelderegel"), _("Anmelderegel anlegen")),
    "line": (_("Neue Linie"), _("Linie anlegen")),
}
EDIT_PAGES = {
    "stop": (_("Haltestelle „%(name)s“ bearbeiten"), _("Änderungen speichern")),
    "rule": (_("Anmelderegel bearbeiten"), _("Änderungen speichern")),
    "line": (_("Linie %(name)s bearbeiten"), _("Änderungen speichern")),
}
CREATE_URLS = {
    "stop": "web:operator_buergerbus_stop",
    "rule": "web:operator_buergerbus_rule",
    "line": "web:operator_buergerbus_line",
}


def _form_page(
    request: HttpRequest,
    kind: str,
    form: forms.Form,
    *,
    status: int = 200,
    obj=None,
    name: str = "",
    hint: str = "",
) -> HttpResponse:
    """One editor form on its own page (a task per page; the editor itself stays a fast
    overview): a new object, or with ``obj`` the edit form of an existing one."""
    if obj is None:
        title, button = FORM_PAGES[kind]
        action = reverse(CREATE_URLS[kind])
        delete_url = ""
    else:
        title_pattern, button = EDIT_PAGES[kind]
        title = str(title_pattern) % {"name": name}  # a dict leaves a text without placeholders as it is
        action = reverse(f"{CREATE_URLS[kind]}_edit", args=[obj.pk])
        delete_url = reverse(f"{CREATE_URLS[kind]}_delete", args=[obj.pk])
    return render(
        request,
        "web/operator/buergerbus_form.html",
        {
            "form": form,
            "kind": kind,
            "title": title,
            "button": button,
            "action": action,
            "delete_url": delete_url,
            "position_hint": hint,
            "stop_id": obj.pk if kind == "stop" and obj is not None else "",
            "hint_url": reverse("web:operator_buergerbus_stop_hint"),
        },
        status=status,
    )


def _editor_object(getter, **kwargs):
    try:
        return getter(**kwargs)
    except NotFound:
        raise Http404("not in the Bürgerbus timetable") from None


# --- stops -----------------------------------------------------------------------------------

NEAREST_STOP_RADIUS_M = 2000.0
ROAD_FAR_M = 150.0


def position_hint(lat: float, lon: float, *, exclude_stop_id: int | None = None) -> str:
    """One German sentence on where ``(lat, lon)`` lies: the nearest road and the nearest
    stop of any active timetable (within 2 km), so a stop is not placed in a field or twice."""
    parts = []
    road = rides_selectors.road_distance_m(lat=lat, lon=lon)
    if road is None:
        parts.append(gettext("Kein Straßennetz importiert."))
    elif road > ROAD_FAR_M:
        parts.append(gettext("Achtung: die nächste Straße ist %(m)s m entfernt.") % {"m": format_number(road)})
    else:
        parts.append(gettext("Nächste Straße: %(m)s m entfernt.") % {"m": format_number(road)})
    near = [
        (stop, distance)
        for stop, distance in selectors.stops_near(lat=lat, lon=lon, radius_m=NEAREST_STOP_RADIUS_M, limit=2)
        if stop.pk != exclude_stop_id
    ]
    if near:
        stop, distance = near[0]
        parts.append(
            gettext("Nächste Haltestelle: „%(name)s“, %(m)s m entfernt.")
            % {"name": stop.name, "m": format_number(distance)}
        )
    else:
        parts.append(gettext("Keine Haltestelle im Umkreis von 2 km."))
    return " ".join(parts)


@operator_page
def stop_hint(request: HttpRequest) -> HttpResponse:
    """``?lat=&lon=`` (degrees, WGS84): the position hint as JSON ``{"hint": "…"}`` for the
    map on the stop form; a bad position is a 400 ``invalid_position``."""
    try:
        lat, lon = float(request.GET.get("lat", "")), float(request.GET.get("lon", ""))
        valid = -90 <= lat <= 90 and -180 <= lon <= 180
    except ValueError:
        valid = False
    if not valid:
        message = gettext("Breite und Länge in Grad (WGS84) angeben.")
        return JsonResponse(
            {"error": {"code": "invalid_position", "message": message, "fields": {"lat": [message]}}}, status=400
        )
    raw_stop = request.GET.get("haltestelle", "")
    exclude = int(raw_stop) if raw_stop.isdigit() and len(raw_stop) < 19 else None
    return JsonResponse({"hint": position_hint(lat, lon, exclude_stop_id=exclude)})


def _posted_hint(form: forms.Form, exclude_stop_id: int | None = None) -> str:
    """The position hint for the coordinates of a form sent back with errors (if they are valid)."""
    data = form.cleaned_data if form.is_bound else {}
    if "lat" in data and "lon" in data:
        return position_hint(data["lat"], data["lon"], exclude_stop_id=exclude_stop_id)
    return ""


@operator_page
def stop_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, "stop", StopForm())
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            stop = services.bb_stop_create(**form.cleaned_data, user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Haltestelle „%(name)s“ angelegt.") % {"name": stop.name})
            return redirect("web:operator_buergerbus")
    return _form_page(request, "stop", form, status=400, hint=_posted_hint(form))


@operator_page
def stop_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename or move a stop (click or drag on the map, or the coordinate fields)."""
    stop = _editor_object(selectors_editor.editor_stop, stop_id=pk)
    if request.method != "POST":
        form = StopForm(initial={"name": stop.name, "lat": stop.lat, "lon": stop.lon, "code": stop.code})
        hint = position_hint(stop.lat, stop.lon, exclude_stop_id=stop.pk) if stop.lat is not None else ""
        return _form_page(request, "stop", form, obj=stop, name=stop.name, hint=hint)
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            stop = services.bb_stop_update(stop_id=stop.pk, **form.cleaned_data, user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Haltestelle „%(name)s“ gespeichert.") % {"name": stop.name})
            return redirect("web:operator_buergerbus")
    return _form_page(request, "stop", form, status=400, obj=stop, name=stop.name, hint=_posted_hint(form, stop.pk))


# --- booking rules ---------------------------------------------------------------------------


def _rule_arguments(data: dict) -> dict:
    return {
        "booking_type": int(data["booking_type"]),
        "prior_notice_duration_min": data["prior_notice_duration_min"],
        "prior_notice_last_day": data["prior_notice_last_day"],
        "prior_notice_last_time": data["prior_notice_last_time"] or None,
        "message": data["message"],
        "phone_number": data["phone_number"],
    }


@operator_page
def rule_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, "rule", RuleForm())
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            rule = services.bb_booking_rule_create(**_rule_arguments(form.cleaned_data), user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Anmelderegel angelegt: %(text)s.") % {"text": rule_text(rule)})
            return redirect("web:operator_buergerbus")
    return _form_page(request, "rule", form, status=400)


@operator_page
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a booking rule; every line that uses it follows."""
    rule = _editor_object(selectors_editor.editor_rule, rule_id=pk)
    if request.method != "POST":
        last_time = format_gtfs_time(rule.prior_notice_last_time)[:5] if rule.prior_notice_last_time is not None else ""
        form = RuleForm(
            initial={
                "booking_type": str(rule.booking_type),
                "prior_notice_duration_min": rule.prior_notice_duration_min,
                "prior_notice_last_day": rule.prior_notice_last_day,
                "prior_notice_last_time": last_time,
                "message": rule.message,
                "phone_number": rule.phone_number,
            }
        )
        return _form_page(request, "rule", form, obj=rule)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            rule = services.bb_booking_rule_update(
                rule_id=rule.pk, **_rule_arguments(form.cleaned_data), user=request.user
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Anmelderegel gespeichert: %(text)s.") % {"text": rule_text(rule)})
            return redirect("web:operator_buergerbus")
    return _form_page(request, "rule", form, status=400, obj=rule)


# --- lines -----------------------------------------------------------------------------------


def _rules_now() -> list:
    return selectors_editor.editor_rules()


@operator_page
def line_create(request: HttpRequest) -> HttpResponse:
    rules = _rules_now()
    if request.method != "POST":
        return _form_page(request, "line", LineForm(rules=rules))
    form = LineForm(request.POST, rules=rules)
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
    return _form_page(request, "line", form, status=400)


@operator_page
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a line or give it another booking rule (its trips take the new rule too)."""
    line = _editor_object(selectors_editor.editor_line, line_id=pk)
    rules = _rules_now()
    if request.method != "POST":
        form = LineForm(
            rules=rules,
            initial={
                "short_name": line.short_name,
                "long_name": line.long_name,
                "booking_rule": str(line.booking_rule_id or ""),
            },
        )
        return _form_page(request, "line", form, obj=line, name=line.short_name)
    form = LineForm(request.POST, rules=rules)
    if form.is_valid():
        data = form.cleaned_data
        try:
            line = services.bb_line_update(
                line_id=line.pk,
                short_name=data["short_name"],
                long_name=data["long_name"],
                booking_rule_id=int(data["booking_rule"]) if data["booking_rule"] else None,
                user=request.user,
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Linie %(name)s gespeichert.") % {"name": line.short_name})
            return redirect("web:operator_buergerbus")
    return _form_page(request, "line", form, status=400, obj=line, name=line.short_name)


# --- trips -----------------------------------------------------------------------------------


def _trip_choices() -> dict:
    feed = services.buergerbus_feed()
    if feed is None or not feed.active_version_id:
        return {"stops": [], "lines": []}
    return selectors.buergerbus_stops_and_lines(version_id=feed.active_version_id)


def _trip_page(request: HttpRequest, form: TripForm, *, ready: bool, trip=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "web/operator/buergerbus_trip.html",
        {
            "trip_form": form,
            "ready": ready,
            "trip": trip,
            "action": reverse("web:operator_buergerbus_trip_edit", args=[trip.pk])
            if trip is not None
            else reverse("web:operator_buergerbus_trip"),
        },
        status=status,
    )


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
    choices = _trip_choices()
    rows = trip.stop_times.count() if hasattr(trip, "_prefetched_objects_cache") else MAX_TRIP_STOPS
    if request.method != "POST":
        form = TripForm(lines=choices["lines"], stops=choices["stops"], rows=rows, initial=_trip_initial(trip))
        return _trip_page(request, form, ready=True, trip=trip)
    form = TripForm(request.POST, lines=choices["lines"], stops=choices["stops"], rows=rows)
    if form.is_valid():
        data = form.cleaned_data
        changes = {
            "line_id": int(data["line"]),
            "weekdays": list(data["weekdays"]),
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "added_dates": data["added_dates"],
            "removed_dates": data["removed_dates"],
            "headsign": data["headsign"],
        }
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
            return redirect("web:operator_buergerbus")
    return _trip_page(request, form, ready=True, trip=trip, status=400)


# --- deleting --------------------------------------------------------------------------------


def _trip_label(trip) -> str:
    calls = list(trip.stop_times.all())
    first = calls[0] if calls else None
    label = trip.route.short_name
    if first is not None:
        label += " " + format_gtfs_time(first.departure_time)[:5] + " " + first.stop.name
    if trip.headsign:
        label += " → " + trip.headsign
    return label


def _delete_refusal(kind: str, usage: dict[str, int]) -> str:
    """The German reason a delete will be refused (the services decide; this says it first)."""
    if kind == "stop" and (usage["trips"] or usage["bookings"]):
        return str(MESSAGES["gtfs_stop_in_use"])
    if kind == "rule" and (usage["lines"] or usage["trips"]):
        return str(MESSAGES["gtfs_booking_rule_in_use"])
    if kind == "line" and usage["trips"]:
        return str(MESSAGES["gtfs_line_has_trips"])
    if kind == "trip" and usage["bookings"]:
        return gettext("Für diese Fahrt gibt es Buchungen (%(n)s); sie bleibt bestehen.") % {"n": usage["bookings"]}
    return ""


DELETE_KINDS = {
    # kind: (selector, its id keyword (the service takes the same), usage selector, service, title, done)
    "stop": (
        selectors_editor.editor_stop,
        "stop_id",
        lambda obj: selectors_editor.stop_usage(stop=obj),
        services.bb_stop_delete,
        _("Haltestelle „%(name)s“ löschen?"),
        _("Haltestelle „%(name)s“ gelöscht."),
    ),
    "rule": (
        selectors_editor.editor_rule,
        "rule_id",
        lambda obj: selectors_editor.rule_usage(rule=obj),
        services.bb_booking_rule_delete,
        _("Anmelderegel „%(name)s“ löschen?"),
        _("Anmelderegel „%(name)s“ gelöscht."),
    ),
    "line": (
        selectors_editor.editor_line,
        "line_id",
        lambda obj: selectors_editor.line_usage(line=obj),
        services.bb_line_delete,
        _("Linie %(name)s löschen?"),
        _("Linie %(name)s gelöscht."),
    ),
    "trip": (
        selectors_editor.editor_trip,
        "trip_id",
        lambda obj: selectors_editor.trip_usage(trip=obj),
        services.bb_trip_delete,
        _("Fahrt %(name)s löschen?"),
        _("Fahrt %(name)s gelöscht."),
    ),
}


def _object_name(kind: str, obj) -> str:
    if kind == "stop":
        return obj.name
    if kind == "rule":
        return rule_text(obj)
    if kind == "line":
        return obj.short_name
    return _trip_label(obj)


def _delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The confirmation page (GET) and the delete itself (POST). What is still in use is
    refused by the service; the page says so before (no button) and after (409)."""
    getter, id_name, usage_of, delete, title, done = DELETE_KINDS[kind]
    obj = _editor_object(getter, **{id_name: pk})
    name = _object_name(kind, obj)
    refusal = _delete_refusal(kind, usage_of(obj))
    status = 200
    if request.method == "POST":
        try:
            delete(**{id_name: obj.pk}, user=request.user)
        except DomainError as exc:
            refusal, status = _german(exc), exc.status_code
        else:
            messages.success(request, str(done) % {"name": name})
            return redirect("web:operator_buergerbus")
    return render(
        request,
        "web/operator/buergerbus_delete.html",
        {
            "title": str(title) % {"name": name},
            "refusal": refusal,
            "action": reverse(f"web:operator_buergerbus_{kind}_delete", args=[obj.pk]),
        },
        status=status,
    )


@operator_page
def stop_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "stop", pk)


@operator_page
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "rule", pk)


@operator_page
def line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "line", pk)


@operator_page
def trip_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "trip", pk)


@operator_page
def export(request: HttpRequest) -> HttpResponse:
    """The Bürgerbus timetable as a GTFS zip, as it is published."""
    feed = services.buergerbus_feed()
    if feed is None or feed.active_version is None:
        raise Http404("no Bürgerbus timetable")
    response = HttpResponse(version_export_zip(version=feed.active_version), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="buergerbus-gtfs.zip"'
    return response
