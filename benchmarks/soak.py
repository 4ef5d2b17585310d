"""Soak: the production stack under a realistic mix from many parallel clients.

``python -m benchmarks.soak [--clients 200] [--duration 60] [--fault pg-restart]``

Starts on loopback, all by itself and on ports 8100-8149: a throw-away PostgreSQL cluster, a
Redis server, localstripe (card holds), the demo region, the web service with the production
settings (``DJANGO_DEBUG=0``, uvicorn ``--workers 2``, PostgreSQL pool of ``--pool-max`` per
process) and a Celery worker. Then ``--clients`` clients loop for ``--duration`` seconds over
a mix of journey searches, departures, Bürgerbus bookings, ride requests and car-sharing
reservations that are confirmed (a card hold at localstripe), every booking POST with an
``Idempotency-Key``.

With ``--fault pg-restart`` the PostgreSQL cluster is stopped (fast shutdown) in the middle
of the run, left down for ``--down-s`` seconds and started again; the web service is not
touched.

The last stdout line is one JSON object: ``requests``, ``server_errors`` (every 5xx; goal 0
without a fault), ``server_errors_outside_fault`` (5xx outside the outage window, i.e.
before the stop and after recovery), ``p95_ms``, ``peak_db_connections`` (sampled from
``pg_stat_activity`` every 0.25 s) and ``pool_total`` (the configured bound: web workers x
pool + Celery processes x their pool), ``overlaps`` (overlapping blocking reservations of a
vehicle, goal 0), ``double_holds`` (reservations with more than one live card hold at
localstripe, goal 0), ``half_written`` (confirmed card reservations without an authorised
hold, authorisations left pending, idempotency records left in progress; goal 0), and with
the fault: ``recovery_s`` (from the database accepting connections again to the end of the
last failed request that was sent after that moment; goal <= 5), ``readyz_recovery_s``
(until ``/readyz`` answers 200 again), ``inflight_failed`` (requests in flight across the
restart that failed, each with a 503) and ``last_failure_after_back_s`` (when the last of
any failed request ended, in-flight ones included).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from benchmarks._stack import (
    ThrowawayPostgres,
    ThrowawayRedis,
    free_port,
    production_env,
    start_localstripe,
    start_web,
    start_worker,
    stop_process,
)
from benchmarks.reservations import count_overlaps

PORTS = (8100, 8149)
DB_NAME = "mobility_soak"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(members: int, residents: int) -> dict:
    """Demo region, accounts with tokens and saved cards, and the request targets."""
    import stripe
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from knox.models import get_token_model

    from carsharing import services as car_services
    from carsharing.models import Membership, Vehicle
    from gtfs import services as gtfs_services
    from gtfs.models import FeedKind, Stop, StopTime, Trip
    from mobility.accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    call_command("demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    AuthToken = get_token_model()
    client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})

    def account(email: str, member: bool) -> str:
        user, _ = User.objects.get_or_create(email=email, defaults={"email_verified": True, "display_name": email})
        user.email_verified = True
        user.is_member = member
        user.save()
        if member:
            Membership.objects.update_or_create(
                user=user,
                defaults={
                    "licence_number": f"SOAK{user.pk:05d}",
                    "licence_expiry": timezone.localdate() + timedelta(days=3650),
                    "status": "approved",
                },
            )
            started = car_services.payment_setup_start(user=user)
            client.v1.setup_intents.confirm(started["setup_intent"], params={"payment_method": "pm_card_visa"})
            car_services.payment_method_save(user=user, setup_intent_id=started["setup_intent"])
        return AuthToken.objects.create(user)[1]

    member_tokens = [account(f"soak-member{i}@soak.example", True) for i in range(members)]
    resident_tokens = [account(f"soak-resident{i}@soak.example", False) for i in range(residents)]
    vehicles = list(Vehicle.objects.values_list("pk", flat=True))
    for i in range(20):  # enough cars that members mostly book, and sometimes collide
        Vehicle.objects.create(
            plate=f"SOAK-{i:03d}",
            vehicle_type=Vehicle.objects.first().vehicle_type,
            station=Vehicle.objects.first().station,
        )
    vehicles = list(Vehicle.objects.values_list("pk", flat=True))
    stops = list(Stop.objects.filter(version__feed__kind=FeedKind.TRANSIT).values("pk", "lat", "lon"))

    # Bürgerbus (trip, date, first stop, last stop) that can be booked: tried and rolled back.
    bookable = []
    anyone = User.objects.filter(email__startswith="soak-resident").first()
    for trip in Trip.objects.filter(version__feed__kind=FeedKind.COMMUNITY_BUS):
        times = list(StopTime.objects.filter(trip=trip).order_by("stop_sequence").values_list("stop_id", flat=True))
        if len(times) < 2:
            continue
        for days in range(2, 9):
            day = timezone.localdate() + timedelta(days=days)
            try:
                with transaction.atomic():
                    gtfs_services.bb_booking_create(
                        trip_id=trip.pk,
                        service_date=day,
                        from_stop_id=times[0],
                        to_stop_id=times[-1],
                        passenger=anyone,
                    )
                    raise _Rollback
            except _Rollback:
                bookable.append({"trip": trip.pk, "date": day.isoformat(), "from_stop": times[0], "to_stop": times[-1]})
            except Exception:  # noqa: S112 - not bookable on that day
                continue
    road_nodes = _village_points()
    return {
        "members": member_tokens,
        "residents": resident_tokens,
        "vehicles": vehicles,
        "stops": stops,
        "buergerbus": bookable,
        "places": road_nodes,
    }


class _Rollback(Exception):
    pass


def _village_points() -> list[tuple[float, float]]:
    from rides.models import MeetingPoint

    points = [(p.lat, p.lon) for p in MeetingPoint.objects.all()]
    if len(points) < 2:
        from gtfs.models import Stop

        points = [(s.lat, s.lon) for s in Stop.objects.all()[:10]]
    return points


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.codes: Counter = Counter()
        self.kinds: Counter = Counter()
        self.failures: list[tuple[float, float, int, str]] = []  # (start, end, status, kind)
        self.examples: dict[str, str] = {}

    def add(self, kind: str, started: float, ended: float, status: int, body: str = "") -> None:
        self.latencies.append(ended - started)
        self.codes[status] += 1
        self.kinds[kind] += 1
        if status >= 500 or status == 0:
            self.failures.append((started, ended, status, kind))
            self.examples.setdefault(f"{kind} {status}", body[:300])


async def drive(base: str, data: dict, clients: int, duration: float, stats: Stats, seed: int = 7) -> None:
    import httpx
    from django.utils import timezone

    from carsharing.domain.policy import ceil_to_grid

    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    base_slot = ceil_to_grid(timezone.now() + timedelta(hours=3), 60)
    deadline = time.monotonic() + duration

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:

        async def call(kind: str, method: str, url: str, token: str | None, **kwargs):
            headers = {"Authorization": f"Token {token}"} if token else {}
            headers.update(kwargs.pop("headers", {}))
            started = time.monotonic()
            try:
                response = await http.request(method, url, headers=headers, **kwargs)
                status, body = response.status_code, response.text
            except httpx.HTTPError as exc:
                status, body = 0, repr(exc)
                response = None
            stats.add(kind, started, time.monotonic(), status, body)
            return response

        async def client_loop(n: int) -> None:
            local = random.Random(rng.random())
            member = data["members"][n % len(data["members"])]
            resident = data["residents"][n % len(data["residents"])]
            while time.monotonic() < deadline:
                roll = local.random()
                if roll < 0.25:
                    a, b = local.sample(data["places"], 2)
                    depart = (timezone.now() + timedelta(hours=local.randint(1, 30))).isoformat()
                    await call(
                        "search",
                        "GET",
                        "/api/v1/journeys/",
                        resident,
                        params={"from": f"{a[0]},{a[1]}", "to": f"{b[0]},{b[1]}", "depart_at": depart},
                    )
                elif roll < 0.50:
                    stop = local.choice(data["stops"])
                    await call("departures", "GET", "/api/v1/gtfs/departures/", None, params={"stops": stop["pk"]})
                elif roll < 0.60 and data["buergerbus"]:
                    body = dict(local.choice(data["buergerbus"]), seats=1)
                    await call(
                        "buergerbus_booking",
                        "POST",
                        "/api/v1/gtfs/buergerbus/bookings/",
                        resident,
                        json=body,
                        headers={"Idempotency-Key": f"bb-{n}-{local.random()}"},
                    )
                elif roll < 0.75:
                    a, b = local.sample(data["places"], 2)
                    start = timezone.now() + timedelta(hours=local.randint(2, 48))
                    await call(
                        "ride_request",
                        "POST",
                        "/api/v1/rides/requests/",
                        resident,
                        json={
                            "origin": {"lat": a[0], "lon": a[1]},
                            "destination": {"lat": b[0], "lon": b[1]},
                            "earliest_departure": start.isoformat(),
                            "latest_arrival": (start + timedelta(hours=2)).isoformat(),
                            "seats": 1,
                        },
                        headers={"Idempotency-Key": f"ride-{n}-{local.random()}"},
                    )
                else:
                    vehicle = local.choice(data["vehicles"])
                    start = base_slot + timedelta(hours=2 * local.randint(0, 200))
                    key = f"res-{n}-{local.random()}"
                    created = await call(
                        "reservation",
                        "POST",
                        "/api/v1/carsharing/reservations/",
                        member,
                        json={
                            "vehicle": vehicle,
                            "start": start.isoformat(),
                            "end": (start + timedelta(hours=1)).isoformat(),
                        },
                        headers={"Idempotency-Key": key},
                    )
                    if created is not None and created.status_code == 201:
                        reservation = created.json()["id"]
                        for _attempt in range(3):  # a retried confirm must never hold twice
                            confirmed = await call(
                                "confirm", "POST", f"/api/v1/carsharing/reservations/{reservation}/confirm/", member
                            )
                            if confirmed is not None and confirmed.status_code < 500:
                                break
                            await asyncio.sleep(0.5)

        await asyncio.gather(*(client_loop(n) for n in range(clients)))


def sample_connections(pg: ThrowawayPostgres, stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        with contextlib.suppress(Exception):  # the database is down during the fault
            peak[0] = max(peak[0], pg.connections(DB_NAME))
        stop.wait(0.25)


def check_database(localstripe_base: str) -> dict[str, int]:
    import httpx
    from django.utils import timezone

    from carsharing.models import PaymentRecord, Reservation
    from mobility.core.models import IdempotencyRecord

    overlaps = count_overlaps()
    # Live holds at Stripe (localstripe), per reservation from the intents' metadata.
    live: Counter = Counter()
    starting_after = None
    while True:
        params = {"limit": 100, **({"starting_after": starting_after} if starting_after else {})}
        page = httpx.get(f"{localstripe_base}/v1/payment_intents", params=params, auth=("sk_test_soak", ""), timeout=60)
        items = page.json().get("data", [])
        for intent in items:
            if intent.get("status") == "requires_capture":
                live[(intent.get("metadata") or {}).get("reservation")] += 1
        if not page.json().get("has_more") or not items:
            break
        starting_after = items[-1]["id"]
    double_holds = sum(1 for count in live.values() if count > 1)
    for reservation_id, count in live.items():
        if count > 1:  # what our side recorded for it, for whoever has to find out why
            records = PaymentRecord.objects.filter(reservation_id=reservation_id).order_by("pk")
            print(
                f"double hold: reservation {reservation_id} has {count} live holds; records: "
                + "; ".join(
                    f"{r.kind}/{r.status} key={r.idempotency_key} intent={r.stripe_payment_intent or '-'}"
                    for r in records
                ),
                file=sys.stderr,
            )
    confirmed_card = Reservation.objects.filter(status="confirmed", billing="card")
    unheld = confirmed_card.exclude(payments__kind="authorise", payments__status="authorised").count()
    pending = PaymentRecord.objects.filter(kind="authorise", status="pending").count()
    stuck = IdempotencyRecord.objects.filter(status_code__isnull=True, lease_until__lt=timezone.now()).count()
    return {
        "overlaps": overlaps,
        "double_holds": double_holds,
        "live_holds": sum(live.values()),
        "half_written": unheld + pending + stuck,
        "confirmed_without_hold": unheld,
        "authorisations_pending": pending,
        "idempotency_stuck": stuck,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--pool-max", type=int, default=10, help="DB_POOL_MAX_SIZE of each web worker")
    parser.add_argument("--fault", choices=["none", "pg-restart"], default="none")
    parser.add_argument("--down-s", type=float, default=3.0, help="how long the database stays down")
    parser.add_argument("--warmup-s", type=float, default=20.0, help="unmeasured warm-up with 4 clients")
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--residents", type=int, default=40)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mob-soak-"))
    pg = ThrowawayPostgres(free_port(*PORTS), max_connections=100)
    redis = ThrowawayRedis(free_port(*PORTS))
    stripe_port = free_port(*PORTS)
    localstripe = start_localstripe(stripe_port)
    processes: list[subprocess.Popen] = [localstripe]
    try:
        pg.create_database(DB_NAME)
        stripe_base = f"http://127.0.0.1:{stripe_port}"
        common = {
            "DATA_DIR": str(workdir / "data"),
            "MEDIA_ROOT": str(workdir / "media"),
            "STRIPE_SECRET_KEY": "sk_test_soak",
            "STRIPE_API_BASE": stripe_base,
            "STRIPE_WEBHOOK_SECRET": "whsec_soak",
            "AUTH_THROTTLE_RATE": "100000/min",
            "SEARCH_THROTTLE_RATE": "100000/min",
            "CARSHARING_MEMBER_HORIZON_DAYS": "60",
        }
        worker_pool = 2
        web_env = production_env(
            database_url=pg.url_for(DB_NAME), redis_url=redis.url, DB_POOL_MAX_SIZE=str(args.pool_max), **common
        )
        worker_env = production_env(
            database_url=pg.url_for(DB_NAME), redis_url=redis.url, DB_POOL_MAX_SIZE=str(worker_pool), **common
        )
        # This process prepares data and checks it afterwards: without a pool, one connection.
        os.environ.update(production_env(database_url=pg.url_for(DB_NAME), redis_url=redis.url, **common))
        os.environ["DB_POOL_MAX_SIZE"] = "0"
        os.environ["DB_CONN_MAX_AGE"] = "0"
        import django

        django.setup()
        log("preparing the demo region, accounts and saved cards")
        data = prepare(args.members, args.residents)
        from django.db import connection

        connection.close()
        log(
            f"{len(data['vehicles'])} vehicles, {len(data['stops'])} stops, {len(data['buergerbus'])} bookable "
            f"Bürgerbus trips, {len(data['places'])} places"
        )
        port = free_port(*PORTS)
        processes.append(start_web(web_env, port, workers=args.workers))
        worker_concurrency = 2
        processes.append(start_worker(worker_env, concurrency=worker_concurrency))
        pool_total = args.workers * args.pool_max + (worker_concurrency + 1) * worker_pool
        base = f"http://127.0.0.1:{port}"

        log("warming up (each worker compiles the planner on its first search)")
        asyncio.run(drive(base, data, 4, args.warmup_s, Stats(), seed=1))
        stats = Stats()
        peak = [0]
        stop_sampling = threading.Event()
        sampler = threading.Thread(target=sample_connections, args=(pg, stop_sampling, peak), daemon=True)
        sampler.start()
        fault: dict[str, float] = {}

        def inject() -> None:
            time.sleep(args.duration / 2)
            fault["stopped_at"] = time.monotonic()
            log("fault: stopping PostgreSQL")
            pg.stop("fast")
            time.sleep(args.down_s)
            pg.start()
            fault["back_at"] = time.monotonic()
            log("fault: PostgreSQL is back")

        readyz_ok: list[float] = []

        def probe_readyz() -> None:
            """After the database is back: when does /readyz answer 200 again?"""
            import httpx

            while "back_at" not in fault:
                time.sleep(0.05)
            while time.monotonic() - fault["back_at"] < 60:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                        readyz_ok.append(time.monotonic())
                        return
                time.sleep(0.1)

        injector = prober = None
        if args.fault == "pg-restart":
            injector = threading.Thread(target=inject, daemon=True)
            injector.start()
            prober = threading.Thread(target=probe_readyz, daemon=True)
            prober.start()
        log(f"driving {args.clients} clients for {args.duration:.0f} s against {base}")
        asyncio.run(drive(base, data, args.clients, args.duration, stats))
        if injector is not None:
            injector.join()
            prober.join(timeout=70)
        stop_sampling.set()
        sampler.join()
        time.sleep(2)
        checks = check_database(stripe_base)
        server_errors = sum(1 for _s, _e, status, _k in stats.failures if status >= 500)
        result = {
            "benchmark": "soak",
            "fault": args.fault,
            "clients": args.clients,
            "duration_s": args.duration,
            "requests": len(stats.latencies),
            "server_errors": server_errors,
            "transport_errors": sum(1 for f in stats.failures if f[2] == 0),
            "p95_ms": round(statistics.quantiles(stats.latencies, n=100)[94] * 1000, 1),
            "peak_db_connections": peak[0],
            "pool_total": pool_total,
            **checks,
            "by_kind": dict(stats.kinds),
            "by_status": {str(k): v for k, v in sorted(stats.codes.items())},
        }
        if args.fault == "pg-restart":
            back = fault["back_at"]
            # recovery_s: how long requests sent after the database was back still failed.
            sent_after = [end for start, end, status, _k in stats.failures if start >= back]
            result["recovery_s"] = round(max(sent_after) - back, 2) if sent_after else 0.0
            # Requests in flight across the restart (sent before it was back) that failed, and
            # when the last of them ended: the strict view of the same outage.
            failed_after = [end for start, end, status, _k in stats.failures if end > back]
            result["inflight_failed"] = sum(1 for start, _e, _s, _k in stats.failures if start < back)
            result["last_failure_after_back_s"] = round(max(failed_after) - back, 2) if failed_after else 0.0
            result["readyz_recovery_s"] = round(readyz_ok[0] - back, 2) if readyz_ok else None
            window_end = max(failed_after) if failed_after else back
            result["server_errors_outside_fault"] = sum(
                1
                for start, end, status, _k in stats.failures
                if status >= 500 and (end < fault["stopped_at"] or start > window_end)
            )
        for key, body in stats.examples.items():
            log(f"example failure {key}: {body}")
        print(json.dumps(result))
    finally:
        for process in reversed(processes):
            stop_process(process)
        redis.destroy()
        pg.destroy()


if __name__ == "__main__":
    main()
