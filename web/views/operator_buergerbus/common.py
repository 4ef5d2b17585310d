"""Shared by the Bürgerbus editor's pages: the German error sentences, row actions, labels and the
one-form page."""

from __future__ import annotations

import re

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gtfs import services
from gtfs.domain.times import format_gtfs_time
from mobility.errors import DomainError, NotFound

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
    "gtfs_line_number_taken": _("Eine andere Linie hat schon diese Nummer; bitte wählen Sie eine andere."),
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
    "short_name": "short_name",
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


class PlainTextInput(forms.TextInput):
    """A text input rendered in Python (the trip form's eight time fields), as Django's
    ``input.html`` renders it: type, name, value, then the attributes."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html, format_html_join

        final = self.build_attrs(self.attrs, attrs)
        shown = self.format_value(value)
        valued = format_html_join("", ' {}="{}"', ((k, v) for k, v in final.items() if v not in (None, False, True)))
        flags = format_html_join("", " {}", ((k,) for k, v in final.items() if v is True))
        if shown is None:
            return format_html('<input type="{}" name="{}"{}{}>', self.input_type, name, valued, flags)
        return format_html('<input type="{}" name="{}" value="{}"{}{}>', self.input_type, name, shown, valued, flags)


def _german(exc: DomainError) -> str:
    from ...errors import german_message

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


def page_query(request: HttpRequest) -> str:
    """``?seite=N`` when the operator came from page N (> 1) of the overview's trip table, so
    that saving, deleting or going back returns there; otherwise empty."""
    raw = request.GET.get("seite", "")
    return f"?seite={int(raw)}" if re.fullmatch(r"[0-9]{1,6}", raw) and int(raw) > 1 else ""


def overview_url(request: HttpRequest) -> str:
    """The overview, at the trip table's page the operator came from."""
    query = page_query(request)
    return reverse("web:operator_buergerbus") + (f"{query}#fahrten" if query else "")


def back_to_overview(request: HttpRequest) -> HttpResponse:
    return redirect(overview_url(request))


class RowActions:
    """The "Bearbeiten" and "Löschen" links of the editor's rows, built in Python: the overview
    lists every trip, and two ``{% url %}`` and ``{% trans %}`` tags per row were a fifth of its
    server time. The URLs are reversed once per kind with a placeholder id."""

    PLACEHOLDER = "987654321"

    def __init__(self, query: str = "") -> None:
        """``query``: appended to every link (the overview's page, see ``page_query``)."""
        self.edit, self.delete = gettext("Bearbeiten"), gettext("Löschen")
        self.patterns = {
            kind: (
                reverse(f"web:operator_buergerbus_{kind}_edit", args=[self.PLACEHOLDER]) + query,
                reverse(f"web:operator_buergerbus_{kind}_delete", args=[self.PLACEHOLDER]) + query,
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


def _active_version():
    feed = services.buergerbus_feed()
    return feed, (feed.active_version if feed is not None else None)


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
        action = reverse(f"{CREATE_URLS[kind]}_edit", args=[obj.pk]) + page_query(request)
        delete_url = reverse(f"{CREATE_URLS[kind]}_delete", args=[obj.pk]) + page_query(request)
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
            "overview_url": overview_url(request),
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


def _trip_label(trip) -> str:
    calls = list(trip.stop_times.all())
    first = calls[0] if calls else None
    label = trip.route.short_name
    if first is not None:
        label += " " + format_gtfs_time(first.departure_time)[:5] + " " + first.stop.name
    if trip.headsign:
        label += " → " + trip.headsign
    return label
