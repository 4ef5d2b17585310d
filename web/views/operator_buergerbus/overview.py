"""Bürgerbus editor: the overview page, the residents' preview and the GTFS export."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from gtfs import selectors, selectors_editor, services
from gtfs.domain.times import format_gtfs_time
from gtfs.feed_export import version_export_zip
from gtfs.models import Service

from ..operator_base import operator_page
from .common import WEEKDAY_NAMES, RowActions, _active_version, _trip_label, rule_text


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


@operator_page
def export(request: HttpRequest) -> HttpResponse:
    """The Bürgerbus timetable as a GTFS zip, as it is published."""
    feed = services.buergerbus_feed()
    if feed is None or feed.active_version is None:
        raise Http404("no Bürgerbus timetable")
    response = HttpResponse(version_export_zip(version=feed.active_version), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="buergerbus-gtfs.zip"'
    return response
