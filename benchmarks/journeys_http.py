"""The HTTP part of ``benchmarks.journeys``: a real server with RNV imported.

``prepare`` runs in a child process with the benchmark's environment: it migrates the
database, imports the RNV feed with its calendar moved by whole weeks so that its service
covers today (the API only plans within a year of today), imports the RNV road graph (car and
walking profiles) and precompiles today's and tomorrow's timetables (as the post-import task
and Celery beat do). ``run`` then starts ``uvicorn mobility.asgi:application`` (one worker,
``DJANGO_DEBUG=0``), waits until it answers ``/healthz``, times the first search of that fresh
worker (``cold_first_search_s``) and then ``--http-queries`` searches one after another from
one client (``http_p50_ms``, ``http_p95_ms``), and as many ``GET /healthz`` on the same
server as its floor (``http_floor_p50_ms``, ``http_floor_p95_ms``: the server and Django's
middleware without any view work). Database: ``BENCH_DATABASE_URL`` or
``postgres://postgres@127.0.0.1:5432/mob_data_bench`` (created if missing).

The server runs as in production: with its own throw-away Redis (cache, throttle, Celery
broker) and a Celery worker, which writes the search log the searches queue;
``http_search_logs_written`` counts the entries that arrived (it must equal
``http_search_logs_expected``: none lost). Without ``redis-server`` on the PATH the server runs
without Redis (eager tasks, the log written inside each search) and says so in ``http_redis``.
That Redis listens on the first free port in 8150-8199, or on ``BENCH_REDIS_PORT``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mob_data_bench"
PORT = int(os.environ.get("BENCH_PORT", "8201"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def shifted_feed(source: Path, target: Path, today: dt.date) -> int:
    """Copy a GTFS zip with calendar.txt/calendar_dates.txt moved by whole weeks (weekdays
    stay) so that the middle of its service lies on ``today``; returns the shift in days."""
    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}

    def rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
        reader = csv.DictReader(io.StringIO(files[name].decode("utf-8-sig")))
        return list(reader.fieldnames or []), list(reader)

    def parse(value: str) -> dt.date:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))

    header, calendar = rows("calendar.txt")
    first = min(parse(r["start_date"]) for r in calendar)
    last = max(parse(r["end_date"]) for r in calendar)
    middle = first + (last - first) / 2
    shift = ((today - middle).days // 7) * 7
    for r in calendar:
        for key in ("start_date", "end_date"):
            r[key] = (parse(r[key]) + dt.timedelta(days=shift)).strftime("%Y%m%d")
    out = {"calendar.txt": (header, calendar)}
    if "calendar_dates.txt" in files:
        header_d, dates = rows("calendar_dates.txt")
        for r in dates:
            r["date"] = (parse(r["date"]) + dt.timedelta(days=shift)).strftime("%Y%m%d")
        out["calendar_dates.txt"] = (header_d, dates)
    for name, (fields, data) in out.items():
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
        files[name] = buffer.getvalue().encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return shift


def prepare(feed: Path, osm: Path) -> None:
    """(child process) migrate, import feed and road graph, precompile timetables."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from gtfs.feed_import import feed_import
    from journeys.timetable_store import local_tz
    from journeys.warmup import timetables_precompile
    from rides.models import RoadGraph as RoadGraphModel
    from rides.services import roadgraph_import

    call_command("migrate", verbosity=0)
    today = timezone.now().astimezone(local_tz()).date()
    shifted = Path(os.environ["DATA_DIR"]) / "rnv-shifted.zip"
    shifted.parent.mkdir(parents=True, exist_ok=True)
    shift = shifted_feed(feed, shifted, today)
    started = time.perf_counter()
    result = feed_import(path=shifted, name="rnv")
    log(
        f"feed import ({'new' if result.created else 'unchanged'}, shift {shift} days) "
        f"{time.perf_counter() - started:.1f} s"
    )
    if (
        not RoadGraphModel.objects.filter(name="rnv", active=True).exists()
        or not Path(RoadGraphModel.objects.get(name="rnv").path).is_dir()
    ):
        started = time.perf_counter()
        roadgraph_import(path=osm, name="rnv")
        log(f"road graph import {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    days = timetables_precompile(days=2)
    log(f"precompiled {days} in {time.perf_counter() - started:.1f} s")


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _search_log_count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM stats_searchlog").fetchone()[0])


def _process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _get(path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", headers={"X-Forwarded-Proto": "https", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (local server)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def run(feed: Path, osm: Path, queries: list[tuple[float, float, float, float, int]]) -> dict:
    """Prepare, start a fresh worker, time its first search and then ``queries``.

    ``queries`` are (from lat, from lon, to lat, to lon, seconds after midnight).
    """
    import numpy as np

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    _ensure_database(url)
    data_dir = Path(tempfile.gettempdir()) / "mob-data-bench"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_DIR": str(data_dir),
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "mobility.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SEARCH_THROTTLE_RATE": "1000000/min",
    }
    root = Path(__file__).resolve().parents[1]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", f"from benchmarks.journeys_http import prepare; prepare({str(feed)!r}, {str(osm)!r})"],
        cwd=root,
        env=env,
        check=True,
    )
    prepare_s = time.perf_counter() - started
    import shutil

    from benchmarks._stack import ThrowawayRedis, free_port, start_worker, stop_process

    redis_port = int(os.environ.get("BENCH_REDIS_PORT") or 0) or free_port(8150, 8199)
    if redis_port == PORT:  # the server's own port is free too, until it starts
        redis_port = free_port(PORT + 1, 8199) if PORT < 8199 else free_port(8150, PORT - 1)
    redis = ThrowawayRedis(redis_port) if shutil.which("redis-server") else None
    worker = None
    if redis is not None:
        env = {**env, "REDIS_URL": redis.url}
        worker = start_worker(env, concurrency=1)
    logs_before = _search_log_count(url)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "mobility.asgi:application", "--host", "127.0.0.1", "--port", str(PORT)],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        spawned = time.perf_counter()
        while True:
            if server.poll() is not None:
                raise SystemExit("the server did not start")
            try:
                if _get("/healthz", timeout=1.0)[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        worker_start_s = time.perf_counter() - spawned
        tz = dt.timezone(dt.timedelta(hours=1))  # shown to the API with an explicit offset
        day = dt.date.today() + dt.timedelta(days=1)

        def path_for(q) -> str:
            at = dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(seconds=q[4])
            return (
                f"/api/v1/journeys/?from={q[0]:.6f},{q[1]:.6f}&to={q[2]:.6f},{q[3]:.6f}"
                f"&depart_at={urllib.parse.quote(at.isoformat())}"
            )

        t0 = time.perf_counter()
        status, body = _get(path_for(queries[0]))
        cold_s = time.perf_counter() - t0
        if status != 200:
            raise SystemExit(f"first search failed: {status} {body[:300]!r}")
        times_ms: list[float] = []
        answered = 0
        cpu_before = _process_cpu_s(server.pid)
        for q in queries[1:]:
            t0 = time.perf_counter()
            status, body = _get(path_for(q))
            times_ms.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise SystemExit(f"search failed: {status} {body[:300]!r}")
            answered += bool(json.loads(body)["options"])
        server_cpu_ms = (_process_cpu_s(server.pid) - cpu_before) * 1000 / len(times_ms)
        # the floor: the same server and client answering its liveness probe (uvicorn and
        # Django's middleware, no view work), as many times
        floor_ms: list[float] = []
        for _ in queries[1:]:
            t0 = time.perf_counter()
            _get("/healthz")
            floor_ms.append((time.perf_counter() - t0) * 1000)
        expected = len(times_ms) + 1
        deadline = time.monotonic() + 60
        while _search_log_count(url) - logs_before < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        written = _search_log_count(url) - logs_before
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            stop_process(worker)
        if redis is not None:
            redis.destroy()
    return {
        "http_redis": redis is not None,
        "http_search_logs_expected": expected,
        "http_search_logs_written": written,
        "http_p50_ms": round(float(np.percentile(times_ms, 50)), 2),
        "http_p95_ms": round(float(np.percentile(times_ms, 95)), 2),
        "http_floor_p50_ms": round(float(np.percentile(floor_ms, 50)), 2),
        "http_floor_p95_ms": round(float(np.percentile(floor_ms, 95)), 2),
        "http_queries": len(times_ms),
        # the server process's CPU time per search: robust when other jobs share the cores
        "http_server_cpu_ms": round(server_cpu_ms, 2),
        "http_loadavg_1m": round(os.getloadavg()[0], 2),
        "http_answered": answered,
        "cold_first_search_s": round(cold_s, 3),
        "cold_worker_start_s": round(worker_start_s, 2),
        "http_prepare_s": round(prepare_s, 1),
    }
