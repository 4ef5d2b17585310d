"""Usage-statistics benchmark on PostgreSQL: one year of history, the monthly report vs raw SQL.

    python -m benchmarks.stats [--vehicles 300] [--per-vehicle 2000] [--offers 40000] [--riders-per-offer 10]
                               [--regenerate]

``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/mobility_bench_stats``) is
created and migrated if needed. The history of 2025 is generated in the database with
``INSERT ... SELECT generate_series`` (no Python loop over rows): by default 300 vehicles
with 2,000 non-overlapping reservations each (slots of 4 h 15 min, 1 h to 2 h 45 min booked
plus the 15 min buffer, so the no-overlap exclusion constraint holds) = 600,000
reservations, and 40,000 ride offers with 10 bookings each = 400,000 ride bookings, plus
50,000 ride requests. Re-runs reuse the data when the counts match.

Timed, best of 3 each:

* ``ours``: the car-sharing monthly report exactly as the API builds it
  (``report_build(section=carsharing, by=none, period=month)``: the ORM ``GROUP BY``
  query, the pandas grid, disclosure control, ratios);
* ``floor``: one hand-written SQL ``SELECT date_trunc('month', start AT TIME ZONE ...) ...
  GROUP BY 1`` computing the same figures (counts, hours, km, revenue, cost-centre charges,
  cancellations, no-shows), fetched with a plain cursor.

Both results are compared figure by figure (``mismatches``). The ride-sharing monthly
report is timed the same way against its own raw SQL (``rides_*``), and the car-sharing
report per vehicle (``vehicle_*``: 300 columns, suppression with the linear audit). Progress goes to
stderr; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mobility_bench_stats"
YEAR_START = "2025-01-01 00:00:00+01"
FIRST, LAST = date(2025, 1, 1), date(2025, 12, 31)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    log("migrating")
    call_command("migrate", verbosity=0)


def insert_select(cursor, table: str, values: dict[str, str], source: str) -> int:
    """``INSERT INTO table (cols) SELECT exprs FROM source``; fails loudly if a NOT NULL column
    without a default is missing (another app added a field)."""
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_nullable = 'NO' "
        "AND column_default IS NULL AND column_name <> 'id'",
        [table],
    )
    required = {row[0] for row in cursor.fetchall()}
    missing = required - set(values)
    if missing:
        raise SystemExit(f"{table}: the generator does not fill the new columns {sorted(missing)}")
    columns = ", ".join(f'"{c}"' for c in values)
    cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {', '.join(values.values())} FROM {source}")  # noqa: S608
    return cursor.rowcount


def generate(args) -> None:
    from django.db import connection, transaction

    from carsharing.models import Station, Vehicle, VehicleType
    from mobility.accounts.models import CostCentre, User
    from rides.models import RoadGraph

    with transaction.atomic(), connection.cursor() as cursor:
        log("clearing old history")
        cursor.execute("TRUNCATE carsharing_reservation, rides_ridebooking, rides_riderequest, rides_rideoffer CASCADE")
        users = list(User.objects.filter(email__startswith="bench-").order_by("id").values_list("id", flat=True))
        if len(users) < 200:
            User.objects.bulk_create(
                [User(email=f"bench-{n}@example.org", password="!") for n in range(len(users), 200)]
            )
            users = list(User.objects.filter(email__startswith="bench-").order_by("id").values_list("id", flat=True))
        centre, _ = CostCentre.objects.get_or_create(code="KST-BENCH", defaults={"name": "Benchmark"})
        kind, _ = VehicleType.objects.get_or_create(
            name="Bench", defaults={"seats": 5, "propulsion": "electric", "range_km": 300}
        )
        stations = list(Station.objects.filter(name__startswith="Bench "))
        if len(stations) < 10:
            stations = [Station.objects.create(name=f"Bench {n}", lat=51.0, lon=12.0) for n in range(10)]
        have = Vehicle.objects.filter(plate__startswith="BN-").count()
        Vehicle.objects.bulk_create(
            [
                Vehicle(plate=f"BN-{n}", vehicle_type=kind, station=stations[n % len(stations)])
                for n in range(have, args.vehicles)
            ]
        )
        vehicle_ids = list(Vehicle.objects.filter(plate__startswith="BN-").order_by("id").values_list("id", flat=True))
        graph, _ = RoadGraph.objects.get_or_create(
            name="bench", defaults={"path": "/nonexistent", "node_count": 2, "edge_count": 1, "bbox": [0, 0, 1, 1]}
        )
        user_array = f"(ARRAY{users[:200]}::bigint[])"
        log(f"generating {len(vehicle_ids) * args.per_vehicle:,} reservations")
        started = time.perf_counter()
        h = "((v.id * 31 + i * 17) % 100)"
        minutes = "(60 + ((v.id * 7 + i * 13) % 8) * 15)"
        status = (
            f"CASE WHEN {h} < 84 THEN 'settled' WHEN {h} < 91 THEN 'cancelled' WHEN {h} < 95 THEN 'no_show' "
            f"WHEN {h} < 97 THEN 'expired' ELSE 'confirmed' END"
        )
        official = "((v.id + i) % 10 = 0)"
        start = f"(TIMESTAMPTZ '{YEAR_START}' + (i * 255 + (v.id % 17) * 15) * INTERVAL '1 minute')"
        count = insert_select(
            cursor,
            "carsharing_reservation",
            {
                "vehicle_id": "v.id",
                "user_id": f"{user_array}[(v.id * 3 + i) % 200 + 1]",
                "kind": f"CASE WHEN {official} THEN 'official' ELSE 'member' END",
                "status": status,
                "billing": f"CASE WHEN {official} THEN 'cost_centre' ELSE 'card' END",
                "start": start,
                "end": f"{start} + {minutes} * INTERVAL '1 minute'",
                "blocked_until": f"{start} + ({minutes} + 15) * INTERVAL '1 minute'",
                "cost_centre_id": f"CASE WHEN {official} THEN {centre.pk} END",
                "purpose": "''",
                "released": "false",
                "estimate_cents": f"{minutes} * 10",
                "actual_cents": (
                    f"CASE WHEN {h} < 84 THEN {minutes} * 10 + ((v.id + i) % 50) * 10 "
                    f"WHEN {h} < 91 THEN 200 WHEN {h} < 95 THEN {minutes} * 10 END"
                ),
                "fee_cents": "0",
                "odometer_start_km": f"CASE WHEN {h} < 84 THEN i * 40 END",
                "odometer_end_km": f"CASE WHEN {h} < 84 THEN i * 40 + (v.id + i) % 60 END",
                "damage_report": "''",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"unnest(ARRAY{vehicle_ids}::bigint[]) AS v(id) CROSS JOIN generate_series(0, {args.per_vehicle - 1}) AS i",
        )
        log(f"  {count:,} reservations in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        departure = "(TIMESTAMPTZ '2025-01-01 06:00:00+01' + (o * 787) % (364 * 86400) * INTERVAL '1 second')"
        insert_select(
            cursor,
            "rides_rideoffer",
            {
                "driver_id": f"{user_array}[o % 200 + 1]",
                "graph_id": str(graph.pk),
                "origin_lat": "51.0",
                "origin_lon": "12.0",
                "destination_lat": "51.1",
                "destination_lon": "12.1",
                "origin_node": "0",
                "destination_node": "1",
                "departure": departure,
                "seats": "8",
                "cost_share_cents": "0",
                "max_detour_minutes": "15",
                "recurrence_weekdays": "0",
                "recurrence_exceptions": "'[]'::jsonb",
                "distance_m": "(3000 + (o * 37) % 20000)",
                "duration_s": "900",
                "polyline": "''",
                "status": "'active'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {args.offers - 1}) AS o",
        )
        log(f"generating {args.offers * args.riders_per_offer:,} ride bookings")
        b = "((o.id * 13 + k * 7) % 100)"
        count = insert_select(
            cursor,
            "rides_ridebooking",
            {
                "offer_id": "o.id",
                "occurrence_date": "(o.departure AT TIME ZONE 'Europe/Berlin')::date",
                "rider_id": f"{user_array}[(o.id + 1 + k) % 200 + 1]",
                "seats": "1 + k % 2",
                "pickup_lat": "51.0",
                "pickup_lon": "12.0",
                "pickup_node": "0",
                "dropoff_lat": "51.1",
                "dropoff_lon": "12.1",
                "dropoff_node": "1",
                "pickup_time": "o.departure",
                "dropoff_time": "o.departure + INTERVAL '20 minutes'",
                "walk_m": "0",
                "added_s": "60",
                "status": f"CASE WHEN {b} < 80 THEN 'confirmed' WHEN {b} < 90 THEN 'cancelled' ELSE 'declined' END",
                "cancel_reason": f"CASE WHEN {b} >= 80 AND {b} < 90 THEN 'plans changed' ELSE '' END",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"rides_rideoffer o CROSS JOIN generate_series(0, {args.riders_per_offer - 1}) AS k",
        )
        log(f"  {count:,} ride bookings in {time.perf_counter() - started:.1f} s")
        request_offset = "(r * 613) % (364 * 86400) * INTERVAL '1 second'"
        insert_select(
            cursor,
            "rides_riderequest",
            {
                "rider_id": f"{user_array}[r % 200 + 1]",
                "graph_id": str(graph.pk),
                "origin_lat": "51.0",
                "origin_lon": "12.0",
                "destination_lat": "51.1",
                "destination_lon": "12.1",
                "earliest_departure": f"TIMESTAMPTZ '2025-01-01 06:00:00+01' + {request_offset}",
                "latest_arrival": f"TIMESTAMPTZ '2025-01-01 08:00:00+01' + {request_offset}",
                "seats": "1",
                "pickup_mode": "'door'",
                "max_walk_m": "500",
                "status": "'open'",
                "created_at": "now()",
            },
            "generate_series(0, 49999) AS r",
        )
    with connection.cursor() as cursor:
        log("analysing")
        cursor.execute("ANALYZE carsharing_reservation, rides_rideoffer, rides_ridebooking, rides_riderequest")


FLOOR_CARSHARING = """
SELECT date_trunc('month', r.start AT TIME ZONE 'Europe/Berlin')::date AS period,{extra_select}
  count(*) FILTER (WHERE r.status IN ('confirmed','active','returned','settled') AND r.kind = 'member'),
  count(*) FILTER (WHERE r.status IN ('confirmed','active','returned','settled') AND r.kind = 'official'),
  extract(epoch FROM sum(r."end" - r.start) FILTER (
      WHERE r.status IN ('confirmed','active','returned','settled') AND r.kind = 'member')) / 3600.0,
  extract(epoch FROM sum(r."end" - r.start) FILTER (
      WHERE r.status IN ('confirmed','active','returned','settled') AND r.kind = 'official')) / 3600.0,
  sum(r.odometer_end_km - r.odometer_start_km) FILTER (
      WHERE r.status IN ('confirmed','active','returned','settled')
        AND r.odometer_end_km IS NOT NULL AND r.odometer_start_km IS NOT NULL),
  sum(coalesce(r.actual_cents, r.estimate_cents)) FILTER (
      WHERE r.kind = 'member' AND r.status IN ('confirmed','active','returned','settled','cancelled','no_show')),
  sum(coalesce(r.actual_cents, r.estimate_cents)) FILTER (
      WHERE r.kind = 'official' AND r.status IN ('confirmed','active','returned','settled','cancelled','no_show')),
  count(*) FILTER (WHERE r.status = 'cancelled'),
  count(*) FILTER (WHERE r.status = 'no_show')
FROM carsharing_reservation r
WHERE r.start >= %s AND r.start < %s
GROUP BY 1{extra_group} ORDER BY 1
"""
FLOOR_COLUMNS = (
    "member_trips",
    "official_trips",
    "member_hours",
    "official_hours",
    "km",
    "revenue_cents",
    "cost_centre_cents",
    "cancellations",
    "no_shows",
)

FLOOR_RIDES = """
SELECT p, sum(offers), sum(requests), sum(matches), sum(seats), sum(km) FROM (
  SELECT date_trunc('month', o.departure AT TIME ZONE 'Europe/Berlin')::date AS p, count(*) AS offers,
         0 AS requests, 0 AS matches, 0 AS seats, 0 AS km
  FROM rides_rideoffer o WHERE o.departure >= %(start)s AND o.departure < %(end)s GROUP BY 1
  UNION ALL
  SELECT date_trunc('month', q.earliest_departure AT TIME ZONE 'Europe/Berlin')::date, 0, count(*), 0, 0, 0
  FROM rides_riderequest q WHERE q.earliest_departure >= %(start)s AND q.earliest_departure < %(end)s GROUP BY 1
  UNION ALL
  SELECT date_trunc('month', b.pickup_time AT TIME ZONE 'Europe/Berlin')::date, 0, 0, count(*), sum(b.seats),
    sum(o.distance_m) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM rides_ridebooking e WHERE e.status = 'confirmed' AND e.offer_id = b.offer_id
          AND e.occurrence_date = b.occurrence_date AND e.id < b.id)) / 1000.0
  FROM rides_ridebooking b JOIN rides_rideoffer o ON o.id = b.offer_id
  WHERE b.status = 'confirmed' AND b.pickup_time >= %(start)s AND b.pickup_time < %(end)s
  GROUP BY 1
) AS parts GROUP BY p ORDER BY p
"""


def best_of(n: int, fn):
    best, result = float("inf"), None
    for _ in range(n):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vehicles", type=int, default=300)
    parser.add_argument("--per-vehicle", type=int, default=2000, help="reservations per vehicle (at most 2,000)")
    parser.add_argument("--offers", type=int, default=40_000)
    parser.add_argument("--riders-per-offer", type=int, default=10, help="bookings per offer (at most 20)")
    parser.add_argument("--regenerate", action="store_true", help="generate even if the counts already match")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.per_vehicle = min(args.per_vehicle, 2000)
    args.riders_per_offer = min(args.riders_per_offer, 20)
    setup_django(os.environ.get("DATABASE_URL", DEFAULT_URL))

    from zoneinfo import ZoneInfo

    from django.db import connection

    from carsharing.models import Reservation
    from rides.models import RideBooking
    from stats.domain.periods import local_midnight
    from stats.selectors.reports import report_build, report_query

    want_res = args.vehicles * args.per_vehicle
    want_book = args.offers * args.riders_per_offer
    if args.regenerate or Reservation.objects.count() != want_res or RideBooking.objects.count() != want_book:
        generate(args)
    else:
        log("reusing the generated history")
    reservations, bookings = Reservation.objects.count(), RideBooking.objects.count()
    log(f"{reservations:,} reservations, {bookings:,} ride bookings")

    tz = ZoneInfo("Europe/Berlin")
    start, end = local_midnight(FIRST, tz), local_midnight(date(2026, 1, 1), tz)

    def ours():
        return report_build(report_query(section="carsharing", by="none", period="month", first=FIRST, last=LAST))

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_CARSHARING.format(extra_select="", extra_group=""), [start, end])
            return cursor.fetchall()

    def ours_vehicle():
        return report_build(report_query(section="carsharing", by="vehicle", period="month", first=FIRST, last=LAST))

    def floor_vehicle():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_CARSHARING.format(extra_select=" r.vehicle_id,", extra_group=", 2"), [start, end])
            return cursor.fetchall()

    def ours_rides():
        return report_build(report_query(section="rides", by="none", period="month", first=FIRST, last=LAST))

    def floor_rides():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_RIDES, {"start": start, "end": end})
            return cursor.fetchall()

    log("warming up")
    floor()
    ours()
    log("timing the car-sharing monthly report")
    ours_s, report = best_of(args.repeat, ours)
    floor_s, rows = best_of(args.repeat, floor)
    log(f"  ours {ours_s:.3f} s, floor {floor_s:.3f} s")
    log("timing the car-sharing monthly report per vehicle")
    ours_vehicle_s, vehicle_report = best_of(args.repeat, ours_vehicle)
    floor_vehicle_s, _ = best_of(args.repeat, floor_vehicle)
    log(f"  ours {ours_vehicle_s:.3f} s, floor {floor_vehicle_s:.3f} s")
    log("timing the ride-sharing monthly report")
    ours_rides_s, rides_report = best_of(args.repeat, ours_rides)
    floor_rides_s, ride_rows = best_of(args.repeat, floor_rides)
    log(f"  ours {ours_rides_s:.3f} s, floor {floor_rides_s:.3f} s")

    mismatches = 0
    table = report.table.set_index("period")
    for row in rows:
        period = row[0].isoformat()
        for name, expected in zip(FLOOR_COLUMNS, row[1:], strict=True):
            got = table.loc[period, name]
            if got is None or abs(float(got) - float(expected or 0)) > 0.01:
                mismatches += 1
                log(f"  MISMATCH {period} {name}: ours {got}, floor {expected}")
    rides_table = rides_report.table.set_index("period")
    for period, offers, requests, matches, seats, km in ride_rows:
        got = rides_table.loc[period.isoformat()]
        counts = (int(got["offers"]), int(got["requests"]), int(got["matches"]), int(got["seats_booked"]))
        if counts != (offers, requests, matches, seats) or abs(float(got["shared_km"]) - float(km)) > 0.01:
            mismatches += 1
            log(f"  MISMATCH rides {period}")
    print(
        json.dumps(
            {
                "benchmark": "stats_monthly_report",
                "reservations": reservations,
                "ride_bookings": bookings,
                "periods": len(rows),
                "ours_s": round(ours_s, 4),
                "floor_s": round(floor_s, 4),
                "overhead": round(ours_s / floor_s, 3),
                "vehicle_ours_s": round(ours_vehicle_s, 4),
                "vehicle_floor_s": round(floor_vehicle_s, 4),
                "vehicle_overhead": round(ours_vehicle_s / floor_vehicle_s, 3),
                "vehicle_suppressed_cells": vehicle_report.suppressed_cells,
                "rides_ours_s": round(ours_rides_s, 4),
                "rides_floor_s": round(floor_rides_s, 4),
                "rides_overhead": round(ours_rides_s / floor_rides_s, 3),
                "suppressed_cells": report.suppressed_cells,
                "mismatches": mismatches,
            }
        )
    )


if __name__ == "__main__":
    main()
