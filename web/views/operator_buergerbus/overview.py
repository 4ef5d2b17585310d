"""Bürgerbus editor: the overview page, the residents' preview and the GTFS export."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext

from gtfs import selectors, selectors_editor, services
from gtfs.domain.times import format_gtfs_time
from gtfs.feed_export import version_export_zip
from gtfs.models import Service

from ..operator_base import operator_page
from .common import WEEKDAY_NAMES, RowActions, _active_version, rule_text


def _preview_day(request: HttpRequest) -> date:
    raw = request.GET.get("tag", "")
    try:
        day = date.fromisoformat(raw) if raw else timezone.localdate() + timedelta(days=1)
    except ValueError:
        day = timezone.localdate() + timedelta(days=1)
    return day if 1900 <= day.year <= 2200 else timezone.localdate()


def _weekday_text(flags: tuple[bool, ...], cache: dict) -> str:
    """The weekdays of a calendar in German words, built once per combination and request."""
    if flags not in cache:
        days = [str(WEEKDAY_NAMES[day]) for day, on in zip(Service.WEEKDAYS, flags, strict=True) if on]
        cache[flags] = ", ".join(days) or gettext("nur an einzelnen Tagen")
    return cache[flags]


def _german_dates(days: list[date]) -> str:
    return ", ".join(day.strftime("%d.%m.%Y") for day in days)


def _trip_rows(data: dict, rule_texts: dict[int, str], actions: RowActions) -> list[dict]:
    """The overview's trip rows with every cell ready (one string or fragment each): the page
    lists every trip, so nothing is looked up or formatted per row in the template."""
    weekday_cache: dict = {}
    also, not_on = gettext("zusätzlich"), gettext("nicht am")
    rows = []
    for trip in data["trips"]:
        calls = [(format_gtfs_time(departure)[:5], name) for departure, name in data["calls"].get(trip["id"], [])]
        flags = tuple(trip[f"service__{day}"] for day in Service.WEEKDAYS)
        start, end = trip["service__start_date"], trip["service__end_date"]
        days = _weekday_text(flags, weekday_cache) + ", " + (start.strftime("%d.%m.%Y") if start else "")
        days += " – " + (end.strftime("%d.%m.%Y") if end else "")
        exceptions = data["dates"].get(trip["service_id"], [])
        added = [day for day, kind in exceptions if kind == 1]
        removed = [day for day, kind in exceptions if kind == 2]
        if added:
            days += f"; {also} {_german_dates(added)}"
        if removed:
            days += f"; {not_on} {_german_dates(removed)}"
        if trip["booking_rule_id"] in rule_texts:
            days += "; " + rule_texts[trip["booking_rule_id"]]
        title = trip["route__short_name"] + (f" → {trip['headsign']}" if trip["headsign"] else "")
        label = trip["route__short_name"]
        if calls:
            label += f" {calls[0][0]} {calls[0][1]}"
        if trip["headsign"]:
            label += " → " + trip["headsign"]
        rows.append(
            {
                "title": title,
                "calls": format_html_join("", "<li>{} {}</li>", calls),
                "days": days,
                "capacity": trip["capacity"],
                "actions": actions("trip", trip["id"], label),
            }
        )
    return rows


def _trip_pages(page) -> list[dict]:
    """The page links below the trip table: ``number`` (None for the "…" of a gap), ``url``
    (to the trip table on that page) and ``current``. Django's elided range: the first and
    last pages and two either side of the current one."""
    if not page.has_other_pages():
        return []
    return [
        {
            "number": None if number == page.paginator.ELLIPSIS else number,
            "url": f"?seite={number}#fahrten",
            "current": number == page.number,
        }
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]


def _context(request: HttpRequest) -> dict:
    data = selectors_editor.editor_overview(trip_page=request.GET.get("seite"))
    number = data["trips"].number
    actions = RowActions(query=f"?seite={number}" if number > 1 else "")  # back to this page afterwards
    line_word = gettext("Linie")
    rules = []
    rule_texts = {}
    for rule in data["rules"]:
        text = rule_texts[rule.pk] = rule_text(rule)
        rules.append({"rule": rule, "text": text, "actions": actions("rule", rule.pk, text)})
    without = gettext("ohne Anmeldung")
    feed = data["feed"]
    return {
        "feed": feed,
        "version_id": feed["active_version_id"] if feed else None,
        "stops": [{"stop": stop, "actions": actions("stop", stop["id"], stop["name"])} for stop in data["stops"]],
        "rules": rules,
        "lines": [
            {
                "line": line,
                "rule": rule_texts.get(line["booking_rule_id"], without),
                "actions": actions("line", line["id"], f"{line_word} {line['short_name']}"),
            }
            for line in data["lines"]
        ],
        "trips": _trip_rows(data, rule_texts, actions),
        "trip_page": data["trips"],
        "trip_pages": _trip_pages(data["trips"]),
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
