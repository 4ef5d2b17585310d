"""Benchmark: reservation creates over HTTP from 50 concurrent clients, against the floor.

``python -m benchmarks.reservations [--clients 50] [--requests 20] [--conflict-share 0.1]``

The real ASGI application (``mobility.asgi:application``) is served by uvicorn with two
workers on a free loopback port, on PostgreSQL (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/mobility_bench_cars``; created and migrated if missing).

* ours  = ``POST /api/v1/carsharing/reservations/`` by approved members: different vehicles
  and slots, plus a share of deliberate conflicts (a slot another client has just asked for);
  every answer must be 201 or 409.
* floor = ``GET /api/v1/me/`` with the same tokens, clients and request count: the cheapest
  authenticated endpoint of the same server (token lookup + one serializer).

Progress goes to stderr; the last stdout line is one JSON object with ``creates_per_s``
(reservation requests answered per second, 201 and 409 together), ``floor_per_s``,
``ratio`` (ours / floor), ``p95_ms`` (reservation requests), ``overlaps`` (overlapping
blocking reservations found in the database afterwards; must be 0) and the counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks._servers import ensure_database, start_uvicorn, stop_process

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mobility_bench_cars"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(clients: int, vehicles_per_client: int) -> tuple[list[str], list[int]]:
    """Fresh fleet, members and tokens; returns (tokens, vehicle ids)."""
    from datetime import date

    from django.core.management import call_command
    from knox.models import get_token_model

    from carsharing.models import (
        Membership,
        PaymentRecord,
        Reservation,
        Station,
        Tariff,
        Vehicle,
        VehicleType,
    )
    from mobility.accounts.models import User

    call_command("migrate", verbosity=0)
    PaymentRecord.objects.all().delete()
    Reservation.objects.all().delete()
    Vehicle.objects.filter(plate__startswith="BENCH-").delete()
    station, _ = Station.objects.get_or_create(name="Bench station", defaults={"lat": 50.15, "lon": 9.9})
    vtype, _ = VehicleType.objects.get_or_create(
        name="Bench car", defaults={"seats": 4, "propulsion": "electric", "range_km": 250}
    )
    Tariff.objects.update_or_create(
        vehicle_type=vtype, defaults={"per_hour_cents": 400, "daily_cap_cents": 4000, "per_km_cents": 20}
    )
    vehicles = Vehicle.objects.bulk_create(
        [
            Vehicle(plate=f"BENCH-{i:04d}", vehicle_type=vtype, station=station)
            for i in range(clients * vehicles_per_client)
        ]
    )
    AuthToken = get_token_model()
    tokens = []
    for i in range(clients):
        user, _ = User.objects.get_or_create(
            email=f"bench{i}@bench.example", defaults={"email_verified": True, "is_member": True}
        )
        user.is_member = True
        user.email_verified = True
        user.save()
        Membership.objects.update_or_create(
            user=user,
            defaults={
                "licence_number": f"BENCH{i:04d}",
                "licence_expiry": date.today() + timedelta(days=3650),
                "status": "approved",
            },
        )
        AuthToken.objects.filter(user=user).delete()
        tokens.append(AuthToken.objects.create(user)[1])
    return tokens, [v.pk for v in vehicles]


def plan(tokens, vehicle_ids, per_client: int, conflict_share: float, seed: int = 7):
    """Per client: a list of reservation bodies. Own vehicles and slots, plus deliberate conflicts."""
    from django.utils import timezone

    from carsharing.domain.policy import ceil_to_grid

    rng = random.Random(seed)
    base = ceil_to_grid(timezone.now() + timedelta(hours=2), 60)
    per_vehicle = len(vehicle_ids) // len(tokens)
    plans: list[list[dict]] = []
    for c in range(len(tokens)):
        own = vehicle_ids[c * per_vehicle : (c + 1) * per_vehicle]
        bodies = []
        for k in range(per_client):
            if k and rng.random() < conflict_share:
                # The slot a neighbouring client asks for at the same point of its run.
                other = (c + 1) % len(tokens)
                vehicle = vehicle_ids[other * per_vehicle + (k % per_vehicle)]
                slot = k // per_vehicle
            else:
                vehicle = own[k % per_vehicle]
                slot = k // per_vehicle
            start = base + timedelta(hours=2 * slot)  # 1 h booking + 15 min buffer fit in 2 h
            bodies.append(
                {"vehicle": vehicle, "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
            )
        plans.append(bodies)
    return plans


async def run_phase(base_url: str, tokens, jobs, method: str, path: str):
    """Every client runs its jobs one after another; all clients at once. Returns (seconds, latencies, codes)."""
    import httpx

    latencies: list[float] = []
    codes: dict[int, int] = {}
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def one_client(token, bodies):
            headers = {"Authorization": f"Token {token}"}
            for body in bodies:
                started = time.perf_counter()
                if method == "POST":
                    response = await client.post(path, json=body, headers=headers)
                else:
                    response = await client.get(path, headers=headers)
                latencies.append(time.perf_counter() - started)
                codes[response.status_code] = codes.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client(t, b) for t, b in zip(tokens, jobs, strict=True)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, codes


def count_overlaps() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM carsharing_reservation a JOIN carsharing_reservation b "
            "ON a.vehicle_id = b.vehicle_id AND a.id < b.id "
            "AND a.start < b.blocked_until AND b.start < a.blocked_until "
            "AND a.status IN ('held','confirmed','active','returned','settled') "
            "AND b.status IN ('held','confirmed','active','returned','settled')"
        )
        return cursor.fetchone()[0]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] * 1000 if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="reservation requests per client")
    parser.add_argument("--conflict-share", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    ensure_database(url)
    server_env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "mobility.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "STRIPE_SECRET_KEY": "",
        "PAYMENTS_FALLBACK": "invoice",
        # Under ASGI every request runs in its own thread context: persistent connections
        # would pile up, so the server connects per request (as Django recommends for ASGI).
        "DB_CONN_MAX_AGE": "0",
    }
    server_env.pop("REDIS_URL", None)
    os.environ.update({k: v for k, v in server_env.items() if k != "LOG_LEVEL"})
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)

    log(f"preparing {args.clients} members and {args.clients * 4} vehicles on {url.rpartition('/')[2]}")
    tokens, vehicle_ids = prepare(args.clients, 4)
    jobs = plan(tokens, vehicle_ids, args.requests, args.conflict_share)

    server, port = start_uvicorn(
        server_env,
        log=Path(tempfile.gettempdir()) / "mob-bench-reservations.log",
        workers=args.workers,
        extra_args=["--no-access-log", "--lifespan", "off", "--timeout-keep-alive", "120"],
        timeout_s=30,
        log_level="warning",  # as quiet as before: the run measures throughput
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        # Warm-up: a few requests per worker so imports and first connections are not measured.
        warm = [[{}] * 2 for _ in tokens]
        asyncio.run(run_phase(base_url, tokens, warm, "GET", "/api/v1/me/"))

        log(f"floor: {args.clients} clients x {args.requests} GET /api/v1/me/")
        floor_s, floor_lat, floor_codes = asyncio.run(
            run_phase(base_url, tokens, [[{}] * args.requests for _ in tokens], "GET", "/api/v1/me/")
        )
        log(f"  {floor_codes} in {floor_s:.2f} s")
        log(f"ours: {args.clients} clients x {args.requests} POST /api/v1/carsharing/reservations/")
        ours_s, ours_lat, ours_codes = asyncio.run(
            run_phase(base_url, tokens, jobs, "POST", "/api/v1/carsharing/reservations/")
        )
        log(f"  {ours_codes} in {ours_s:.2f} s")
    finally:
        stop_process(server)

    total = sum(ours_codes.values())
    unexpected = {code: n for code, n in ours_codes.items() if code not in (201, 409)}
    from carsharing.models import Reservation

    created_rows = Reservation.objects.count()
    result = {
        "creates_per_s": round(total / ours_s, 1),
        "floor_per_s": round(sum(floor_codes.values()) / floor_s, 1),
        "ratio": round((total / ours_s) / (sum(floor_codes.values()) / floor_s), 3),
        "p95_ms": round(p95(ours_lat), 1),
        "floor_p95_ms": round(p95(floor_lat), 1),
        "overlaps": count_overlaps(),
        "created": ours_codes.get(201, 0),
        "conflicts": ours_codes.get(409, 0),
        "unexpected": unexpected,
        "rows": created_rows,
        "clients": args.clients,
        "requests": total,
        "workers": args.workers,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
