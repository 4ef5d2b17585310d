"""Publish the Bürgerbus timetable as a GTFS zip (with GTFS-Flex).

Only timetable data: agency, stops, routes, trips, stop_times, calendar, calendar_dates,
booking_rules, feed_info and the GTFS-Flex zones (``locations.geojson`` for polygon zones,
``location_groups.txt`` + ``location_group_stops.txt`` for stop groups, in the final
GTFS-Flex spelling, with their stop times' pickup/drop-off windows). No bookings, no
personal data. Ids are the stored GTFS ids, so exporting and importing again gives the same
timetable.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

from .domain.times import format_gtfs_date, format_gtfs_time
from .models import (
    Agency,
    BookingRule,
    CalendarDate,
    FeedVersion,
    FlexLocation,
    FlexStopTime,
    Route,
    Service,
    Stop,
    StopTime,
    Trip,
)


def _csv(rows: list[list], header: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _num(value) -> str:
    return "" if value is None else str(value)


def version_export_zip(*, version: FeedVersion) -> bytes:
    """The version's timetable as a GTFS zip (bytes)."""
    files: dict[str, bytes] = {}
    agencies = list(Agency.objects.filter(version=version))
    files["agency.txt"] = _csv(
        [[a.agency_id, a.name, a.url, a.timezone, a.lang, a.phone, a.email] for a in agencies],
        ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang", "agency_phone", "agency_email"],
    )
    files["stops.txt"] = _csv(
        [
            [
                s.stop_id,
                s.code,
                s.name,
                _num(s.lat),
                _num(s.lon),
                s.location_type,
                s.parent_station,
                s.platform_code,
                _num(s.wheelchair_boarding),
            ]
            for s in Stop.objects.filter(version=version).order_by("id")
        ],
        [
            "stop_id",
            "stop_code",
            "stop_name",
            "stop_lat",
            "stop_lon",
            "location_type",
            "parent_station",
            "platform_code",
            "wheelchair_boarding",
        ],
    )
    files["routes.txt"] = _csv(
        [
            [r.route_id, r.agency_id, r.short_name, r.long_name, r.desc, r.route_type, r.url, r.color, r.text_color]
            for r in Route.objects.filter(version=version).order_by("id")
        ],
        [
            "route_id",
            "agency_id",
            "route_short_name",
            "route_long_name",
            "route_desc",
            "route_type",
            "route_url",
            "route_color",
            "route_text_color",
        ],
    )
    trips = list(Trip.objects.filter(version=version).select_related("route", "service", "booking_rule").order_by("id"))
    files["trips.txt"] = _csv(
        [
            [
                t.route.route_id,
                t.service.service_id,
                t.trip_id,
                t.headsign,
                t.short_name,
                _num(t.direction_id),
                t.block_id,
                t.shape_id,
                _num(t.wheelchair_accessible),
                _num(t.bikes_allowed),
            ]
            for t in trips
        ],
        [
            "route_id",
            "service_id",
            "trip_id",
            "trip_headsign",
            "trip_short_name",
            "direction_id",
            "block_id",
            "shape_id",
            "wheelchair_accessible",
            "bikes_allowed",
        ],
    )
    rule_of_trip = {t.pk: (t.booking_rule.booking_rule_id if t.booking_rule else "") for t in trips}
    trip_ids = {t.pk: t.trip_id for t in trips}
    rows = []
    for st in (
        StopTime.objects.filter(trip__version=version).select_related("stop").order_by("trip_id", "stop_sequence")
    ):
        rule = rule_of_trip.get(st.trip_id, "")
        rows.append(
            [
                trip_ids[st.trip_id],
                format_gtfs_time(st.arrival_time),
                format_gtfs_time(st.departure_time),
                st.stop.stop_id,
                st.stop_sequence,
                st.stop_headsign,
                st.pickup_type,
                st.drop_off_type,
                rule,
                rule,
            ]
        )
    header = [
        "trip_id",
        "arrival_time",
        "departure_time",
        "stop_id",
        "stop_sequence",
        "stop_headsign",
        "pickup_type",
        "drop_off_type",
        "pickup_booking_rule_id",
        "drop_off_booking_rule_id",
    ]
    flex_rows = list(
        FlexStopTime.objects.filter(version=version)
        .select_related("location", "pickup_booking_rule", "drop_off_booking_rule")
        .order_by("trip_id", "stop_sequence")
    )
    if flex_rows:
        header += ["location_group_id", "location_id", "start_pickup_drop_off_window", "end_pickup_drop_off_window"]
        rows = [[*row, "", "", "", ""] for row in rows]
        for fst in flex_rows:
            group = fst.location.kind == FlexLocation.Kind.GROUP
            rows.append(
                [
                    trip_ids[fst.trip_id],
                    "",
                    "",
                    "",
                    fst.stop_sequence,
                    "",
                    fst.pickup_type,
                    fst.drop_off_type,
                    fst.pickup_booking_rule.booking_rule_id if fst.pickup_booking_rule else "",
                    fst.drop_off_booking_rule.booking_rule_id if fst.drop_off_booking_rule else "",
                    fst.location.location_id if group else "",
                    "" if group else fst.location.location_id,
                    format_gtfs_time(fst.start_window),
                    format_gtfs_time(fst.end_window),
                ]
            )
        rows.sort(key=lambda row: (row[0], int(row[4])))
    files["stop_times.txt"] = _csv(rows, header)
    files.update(_flex_files(version))
    services = list(Service.objects.filter(version=version).order_by("id"))
    calendar_rows = [
        [
            s.service_id,
            *[int(getattr(s, d)) for d in Service.WEEKDAYS],
            format_gtfs_date(s.start_date),
            format_gtfs_date(s.end_date),
        ]
        for s in services
        if s.has_calendar
    ]
    if calendar_rows:
        files["calendar.txt"] = _csv(calendar_rows, ["service_id", *Service.WEEKDAYS, "start_date", "end_date"])
    date_rows = [
        [d.service.service_id, format_gtfs_date(d.date), d.exception_type]
        for d in CalendarDate.objects.filter(service__version=version)
        .select_related("service")
        .order_by("service_id", "date")
    ]
    if date_rows or not calendar_rows:
        files["calendar_dates.txt"] = _csv(date_rows, ["service_id", "date", "exception_type"])
    rules = list(BookingRule.objects.filter(version=version).order_by("id"))
    if rules:
        files["booking_rules.txt"] = _csv(
            [
                [
                    r.booking_rule_id,
                    r.booking_type,
                    _num(r.prior_notice_duration_min),
                    _num(r.prior_notice_duration_max),
                    _num(r.prior_notice_last_day),
                    format_gtfs_time(r.prior_notice_last_time),
                    _num(r.prior_notice_start_day),
                    format_gtfs_time(r.prior_notice_start_time),
                    r.message,
                    r.pickup_message,
                    r.drop_off_message,
                    r.phone_number,
                    r.info_url,
                    r.booking_url,
                ]
                for r in rules
            ],
            [
                "booking_rule_id",
                "booking_type",
                "prior_notice_duration_min",
                "prior_notice_duration_max",
                "prior_notice_last_day",
                "prior_notice_last_time",
                "prior_notice_start_day",
                "prior_notice_start_time",
                "message",
                "pickup_message",
                "drop_off_message",
                "phone_number",
                "info_url",
                "booking_url",
            ],
        )
    publisher = agencies[0] if agencies else None
    files["feed_info.txt"] = _csv(
        [
            [
                publisher.name if publisher else version.feed.name,
                publisher.url if publisher else "https://example.org/",
                "de",
                format_gtfs_date(version.valid_from) if version.valid_from else "",
                format_gtfs_date(version.valid_to) if version.valid_to else "",
                str(version.pk),
            ]
        ],
        ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date", "feed_end_date", "feed_version"],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _flex_files(version: FeedVersion) -> dict[str, bytes]:
    """``locations.geojson`` and the location group files of the version's Flex zones."""
    files: dict[str, bytes] = {}
    zones = list(FlexLocation.objects.filter(version=version).order_by("id"))
    areas = [z for z in zones if z.kind == FlexLocation.Kind.AREA]
    groups = [z for z in zones if z.kind == FlexLocation.Kind.GROUP]
    if areas:
        document = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": z.location_id, "properties": {"stop_name": z.name}, "geometry": z.geometry}
                for z in areas
            ],
        }
        files["locations.geojson"] = json.dumps(document, ensure_ascii=False).encode("utf-8")
    if groups:
        files["location_groups.txt"] = _csv(
            [[z.location_id, z.name] for z in groups], ["location_group_id", "location_group_name"]
        )
        files["location_group_stops.txt"] = _csv(
            [[z.location_id, stop_id] for z in groups for stop_id in z.stop_ids], ["location_group_id", "stop_id"]
        )
    return files
