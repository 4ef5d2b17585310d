"""GTFS import: real feeds, validation problems, hostile archives, versions and dedup."""

from __future__ import annotations

import zipfile

import pytest
from django.core.management import CommandError, call_command

from gtfs import conf
from gtfs.feed_import import FeedRefused, feed_import
from gtfs.models import (
    Agency,
    BookingRule,
    CalendarDate,
    Feed,
    FeedKind,
    FeedVersion,
    Route,
    Service,
    Stop,
    StopTime,
    Trip,
)
from tests.conftest import shared_file
from tests.gtfs.conftest import build_zip, raw_rows

pytestmark = pytest.mark.django_db

ST_HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
CAL_HEADER = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"

SMALL_FEEDS = [
    "vvs-bus-752.zip",
    "buergerbus-maulbronn-wiernsheim.zip",
    "herrenberg-vvs-2021.zip",
    "cairns.zip",
]


def _counts(version: FeedVersion) -> dict[str, int]:
    return {
        "stops": Stop.objects.filter(version=version).count(),
        "routes": Route.objects.filter(version=version).count(),
        "trips": Trip.objects.filter(version=version).count(),
        "stop_times": StopTime.objects.filter(trip__version=version).count(),
    }


def _table_rows() -> int:
    return sum(m.objects.count() for m in (Agency, Stop, Route, Service, CalendarDate, Trip, StopTime, BookingRule))


@pytest.mark.parametrize("filename", SMALL_FEEDS)
def test_feed_import_real_feed_matches_raw_files(filename):
    path = shared_file(f"gtfs/{filename}")
    result = feed_import(path=path, name=filename)
    assert result.created
    expected = {name: len(raw_rows(path, f"{name}.txt")) for name in ("stops", "routes", "trips", "stop_times")}
    assert _counts(result.version) == expected
    assert result.feed.active_version_id == result.version.pk
    # times past 24:00 are kept as seconds > 86,400
    raw_max = max(
        int(h) * 3600 + int(m) * 60 + int(s)
        for row in raw_rows(path, "stop_times.txt")
        if row["departure_time"]
        for h, m, s in [row["departure_time"].split(":")]
    )
    stored = StopTime.objects.filter(trip__version=result.version, departure_time__isnull=False)
    stored_max = max(stored.values_list("departure_time", flat=True))
    assert stored_max == raw_max


def test_feed_import_flex_feed_imports_without_warnings():
    path = shared_file("gtfs/bbnavi-rufbus-flex.zip")
    result = feed_import(path=path, name="rufbus")
    assert result.created
    assert result.warnings == []  # the zones are imported now (tests/gtfs/test_flex_import.py)
    assert BookingRule.objects.filter(version=result.version).count() == len(raw_rows(path, "booking_rules.txt"))
    # every trip carries the booking rule its stop times name
    for row in raw_rows(path, "stop_times.txt"):
        trip = Trip.objects.get(version=result.version, trip_id=row["trip_id"])
        assert trip.booking_rule.booking_rule_id == row["pickup_booking_rule_id"]
    assert result.version.warnings == result.warnings


def test_feed_import_calendar_dates_only_feed_has_services_without_calendar():
    path = shared_file("gtfs/buergerbus-maulbronn-wiernsheim.zip")
    result = feed_import(path=path, name="bb", kind=FeedKind.COMMUNITY_BUS)
    services = Service.objects.filter(version=result.version)
    assert services.count() == len({r["service_id"] for r in raw_rows(path, "calendar_dates.txt")})
    assert not services.filter(has_calendar=True).exists()
    assert str(result.version.valid_from) == "2023-12-11"
    assert str(result.version.valid_to) == "2024-12-13"


@pytest.mark.slow
@pytest.mark.postgres
def test_feed_import_rnv_on_postgres():
    path = shared_file("gtfs/rnv-2016-11.zip")
    result = feed_import(path=path, name="rnv")
    assert result.version.stats["stop_times"] == 424_266
    assert _counts(result.version) == {"stops": 2057, "routes": 100, "trips": 20636, "stop_times": 424_266}


def test_feed_import_same_file_again_does_nothing(make_feed):
    path = make_feed()
    first = feed_import(path=path, name="test")
    rows = _table_rows()
    again = feed_import(path=path, name="test")
    assert not again.created
    assert again.version.pk == first.version.pk
    assert _table_rows() == rows
    assert FeedVersion.objects.count() == 1


def test_feed_import_new_content_switches_version_and_keeps_old(make_feed):
    first = feed_import(path=make_feed(), name="test")
    changed = make_feed(
        {"routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\nR1,A,802,X,3\n"}
    )
    second = feed_import(path=changed, name="test")
    assert second.created and second.version.pk != first.version.pk
    feed = Feed.objects.get(name="test")
    assert feed.active_version_id == second.version.pk
    assert Route.objects.get(version=second.version).short_name == "802"
    assert Route.objects.get(version=first.version).short_name == "801"


def test_feed_import_refused_feed_leaves_previous_version_and_no_rows(make_feed):
    good = feed_import(path=make_feed(), name="test")
    rows = _table_rows()
    bad = make_feed({"trips.txt": "route_id,service_id,trip_id\nR9,WD,T1\nR1,WD,T2\n"})
    with pytest.raises(FeedRefused) as info:
        feed_import(path=bad, name="test")
    assert info.value.code == "gtfs_invalid_feed"
    assert [(p["severity"], p["code"], p["file"], p["row"]) for p in info.value.problems] == [
        ("error", "unknown_route", "trips.txt", 2)
    ]
    assert Feed.objects.get(name="test").active_version_id == good.version.pk
    assert _table_rows() == rows
    assert FeedVersion.objects.count() == 1


def test_feed_import_failure_during_load_rolls_back(make_feed, monkeypatch):
    from django.db import connection

    from gtfs import feed_import as module

    original_insert, original_csv = module.bulk_insert, module.csv_chunks

    def failing_insert(table, frame, text_columns=()):
        if table == StopTime._meta.db_table:
            raise RuntimeError("disk full")
        return original_insert(table, frame, text_columns)

    def failing_csv(frame, **kwargs):  # PostgreSQL: fails after the partition table was created
        if "stop_sequence" in frame.columns:
            raise RuntimeError("disk full")
        return original_csv(frame, **kwargs)

    monkeypatch.setattr(module, "bulk_insert", failing_insert)
    monkeypatch.setattr(module, "csv_chunks", failing_csv)
    with pytest.raises(RuntimeError):
        feed_import(path=make_feed(), name="test")
    assert _table_rows() == 0
    assert not Feed.objects.exists() and not FeedVersion.objects.exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'gtfs_stoptime'::regclass")
            assert cursor.fetchone()[0] == 1  # only the default partition


@pytest.mark.parametrize(
    ("files", "code", "file", "row"),
    [
        ({"stops.txt": None}, "missing_file", "stops.txt", None),
        ({"trips.txt": "route_id,service_id\nR1,WD\n"}, "missing_column", "trips.txt", 1),
        ({"calendar.txt": None, "calendar_dates.txt": None}, "missing_file", "calendar.txt", None),
        ({"trips.txt": "route_id,service_id,trip_id\nR1,XX,T1\nR1,WD,T2\n"}, "unknown_service", "trips.txt", 2),
        ({"trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\nR1,WD,T1\nR1,WD,T2\n"}, "duplicate_id", "trips.txt", 3),
        (
            {"stop_times.txt": ST_HEADER + "T1,8:00,08:00:00,S1,1\n"},
            "invalid_time",
            "stop_times.txt",
            2,
        ),
        (
            {"stop_times.txt": ST_HEADER + "T1,08:00:00,08:00:00,S9,1\n"},
            "unknown_stop",
            "stop_times.txt",
            2,
        ),
        (
            {"stop_times.txt": ST_HEADER + "T9,08:00:00,08:00:00,S1,1\n"},
            "unknown_trip",
            "stop_times.txt",
            2,
        ),
        (
            {"stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,A,48.9,8.8\nS2,B,95.0,8.8\nS3,C,48,8\n"},
            "coordinates_out_of_range",
            "stops.txt",
            3,
        ),
        (
            {"calendar.txt": CAL_HEADER + "WD,1,1,1,1,1,0,0,20241301,20241231\n"},
            "invalid_date",
            "calendar.txt",
            2,
        ),
        (
            {"calendar.txt": CAL_HEADER + "WD,1,1,1,1,1,0,0,20241231,20240101\n"},
            "invalid_date_range",
            "calendar.txt",
            2,
        ),
        (
            {"calendar_dates.txt": "service_id,date,exception_type\nWD,20240501,3\n"},
            "invalid_value",
            "calendar_dates.txt",
            2,
        ),
    ],
)
def test_feed_import_validation_problems(make_feed, files, code, file, row):
    with pytest.raises(FeedRefused) as info:
        feed_import(path=make_feed(files), name="test")
    problems = info.value.problems
    assert {"severity": "error", "code": code, "file": file, "row": row} in [
        {k: p[k] for k in ("severity", "code", "file", "row")} for p in problems
    ]
    assert all(set(p) == {"severity", "code", "file", "row", "message"} for p in problems)
    assert _table_rows() == 0 and not Feed.objects.exists()


def test_feed_import_warnings_are_kept_with_the_version(make_feed):
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,Mühlacker Bahnhof,48.95,8.84\nS2,,48.96,8.85\nS3,Schule,0,0\n"
    result = feed_import(path=make_feed({"stops.txt": stops}), name="test")
    codes = {(w["code"], w["row"]) for w in result.version.warnings}
    assert codes == {("missing_stop_name", 3), ("coordinates_zero", 4)}


# --- hostile archives -----------------------------------------------------------------------


def _refused_code(path) -> str:
    with pytest.raises(FeedRefused) as info:
        feed_import(path=path, name="test")
    assert not Feed.objects.exists()
    return info.value.code


def test_archive_not_a_zip(tmp_path):
    path = tmp_path / "feed.zip"
    path.write_text("stop_id,stop_name\n")
    assert _refused_code(path) == "gtfs_not_a_zip"
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    assert _refused_code(empty) == "gtfs_not_a_zip"


def test_archive_path_traversal(tmp_path, make_feed):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../etc/agency.txt", "x")
    assert _refused_code(path) == "gtfs_path_traversal"
    absolute = tmp_path / "abs.zip"
    with zipfile.ZipFile(absolute, "w") as archive:
        archive.writestr("/tmp/agency.txt", "x")
    assert _refused_code(absolute) == "gtfs_path_traversal"


def test_archive_nested_archive(tmp_path, make_feed):
    inner = make_feed()
    path = build_zip(tmp_path / "outer.zip", {"agency.txt": "x", "inner.zip": inner.read_bytes()})
    assert _refused_code(path) == "gtfs_nested_archive"


def test_archive_compression_ratio_bomb(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stop_times.txt", b"0" * (50 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    assert _refused_code(path) == "gtfs_compression_ratio"


def test_archive_too_many_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(conf, "GTFS_MAX_ENTRIES", 5)
    path = build_zip(tmp_path / "many.zip", {f"extra{i}.txt": "x" for i in range(6)})
    assert _refused_code(path) == "gtfs_too_many_entries"


def test_archive_too_large(make_feed, monkeypatch):
    path = make_feed()
    monkeypatch.setattr(conf, "GTFS_MAX_UPLOAD_BYTES", path.stat().st_size - 1)
    assert _refused_code(path) == "gtfs_archive_too_large"
    monkeypatch.setattr(conf, "GTFS_MAX_UPLOAD_BYTES", 10**9)
    monkeypatch.setattr(conf, "GTFS_MAX_UNCOMPRESSED_BYTES", 100)
    assert _refused_code(path) == "gtfs_archive_too_large"


# --- management command ---------------------------------------------------------------------


def test_gtfs_import_command(make_feed, capsys):
    path = make_feed()
    call_command("gtfs_import", str(path), "--name", "Bürgerbus", "--kind", "community_bus", "--no-progress")
    feed = Feed.objects.get(name="Bürgerbus")
    assert feed.kind == FeedKind.COMMUNITY_BUS and feed.active_version is not None
    assert "Imported feed" in capsys.readouterr().out
    call_command("gtfs_import", str(path), "--name", "Bürgerbus", "--kind", "community_bus", "--no-progress")
    assert "Unchanged" in capsys.readouterr().out
    with pytest.raises(CommandError, match="gtfs_feed_kind_mismatch"):
        call_command("gtfs_import", str(path), "--name", "Bürgerbus", "--kind", "transit", "--no-progress")
    with pytest.raises(CommandError, match="gtfs_invalid_feed"):
        call_command("gtfs_import", str(make_feed({"stops.txt": None})), "--name", "x", "--no-progress")


def test_gtfs_import_command_counts_every_step_feed_import_reports(make_feed):
    from gtfs.management.commands.gtfs_import import STEPS

    reported: list[str] = []
    feed_import(path=make_feed(), name="test", progress=reported.append)
    assert reported == list(STEPS)  # the progress bar's total is the number of updates


def test_old_versions_are_pruned(make_feed, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(conf, "GTFS_KEEP_VERSIONS", 2)
    versions = []
    for n in range(4):
        routes = f"route_id,agency_id,route_short_name,route_long_name,route_type\nR1,A,80{n},X,3\n"
        versions.append(feed_import(path=make_feed({"routes.txt": routes}), name="test").version.pk)
    assert list(FeedVersion.objects.order_by("id").values_list("id", flat=True)) == versions[2:]
    assert Feed.objects.get(name="test").active_version_id == versions[3]
    assert set(Stop.objects.values_list("version_id", flat=True)) == set(versions[2:])
    assert set(StopTime.objects.values_list("version_id", flat=True)) == set(versions[2:])
    assert set(Service.objects.values_list("version_id", flat=True)) == set(versions[2:])
    assert CalendarDate.objects.count() == 2 * 2
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_regclass(%s), to_regclass(%s)",
                [f"gtfs_stoptime_v{versions[0]}", f"gtfs_stoptime_v{versions[3]}"],
            )
            assert cursor.fetchone() == (None, f"gtfs_stoptime_v{versions[3]}")


def test_feed_import_time_order_warnings(make_feed):
    stop_times = ST_HEADER + (
        "T1,08:00:00,08:00:00,S1,1\nT1,08:05:00,08:06:00,S2,2\nT1,08:03:00,08:03:00,S3,3\n"
        "T2,23:50:00,23:50:00,S1,1\nT2,24:05:00,24:05:00,S2,2\nT2,,,S3,3\n"
    )
    result = feed_import(path=make_feed({"stop_times.txt": stop_times}), name="test")
    assert [(w["code"], w["row"]) for w in result.version.warnings] == [
        ("times_decreasing", 4),
        ("missing_endpoint_time", 7),
    ]
    assert StopTime.objects.get(trip__trip_id="T2", stop_sequence=3).departure_time is None
