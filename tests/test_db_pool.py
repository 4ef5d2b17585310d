"""Issue 10, point 1: PostgreSQL connections come from a bounded pool per process, and the
service recovers by itself after a database restart.

The fault test starts its own throw-away PostgreSQL cluster (never the shared one) and the
production web service (two uvicorn workers) against it, hammers it with parallel clients,
counts the connections PostgreSQL sees, restarts the cluster and times ``/readyz``."""

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _settings_in_subprocess(**env) -> dict:
    code = (
        "import json; from mobility import settings as s; "
        "print(json.dumps({'db': s.DATABASES['default'], 'proxies': s.REST_FRAMEWORK.get('NUM_PROXIES')}, default=str))"
    )
    full_env = {"PATH": os.environ.get("PATH", ""), **env}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_postgres_uses_a_bounded_pool_sized_from_settings():
    result = _settings_in_subprocess(
        DATABASE_URL="postgres://u@db.example:5432/mob", DB_POOL_MIN_SIZE="3", DB_POOL_MAX_SIZE="7"
    )
    db = result["db"]
    assert db["CONN_MAX_AGE"] == 0  # connections go back to the pool after every request
    assert db["CONN_HEALTH_CHECKS"] is True
    pool = db["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"], pool["timeout"]) == (3, 7, 30)


def test_pool_can_be_turned_off_for_an_external_pooler():
    db = _settings_in_subprocess(DATABASE_URL="postgres://u@db.example:5432/mob", DB_POOL_MAX_SIZE="0")["db"]
    assert "pool" not in db.get("OPTIONS", {})
    assert db["CONN_MAX_AGE"] == 60


def test_trusted_proxies_default_to_none():
    assert _settings_in_subprocess()["proxies"] == 0
    assert _settings_in_subprocess(DJANGO_TRUSTED_PROXIES="2")["proxies"] == 2


@pytest.fixture
def throwaway_postgres():
    if not shutil.which("runuser") and os.geteuid() == 0:
        pytest.skip("runuser is needed to run PostgreSQL as root")
    from benchmarks._stack import PG_BIN, ThrowawayPostgres, free_port

    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    pg = ThrowawayPostgres(free_port(8150, 8199))
    yield pg
    pg.destroy()


@pytest.mark.slow
def test_connections_stay_within_the_pool_and_readyz_recovers_after_a_restart(throwaway_postgres):
    from benchmarks._stack import free_port, production_env, start_web, stop_process

    pg = throwaway_postgres
    env = production_env(database_url=pg.url, redis_url=None, DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="3")
    port = free_port(8150, 8199)
    web = start_web(env, port, workers=2)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=15) as client, ThreadPoolExecutor(40) as pool:
            statuses = list(pool.map(lambda _: client.get(f"{base}/readyz").status_code, range(400)))
            peak = pg.connections("postgres")
        assert statuses.count(200) == 400
        assert 1 <= peak <= 2 * 3  # two workers, three connections each at most

        pg.stop("fast")
        down = httpx.get(f"{base}/readyz", timeout=15)
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "not_ready"
        pg.start()
        back_at = time.monotonic()
        # Recovered means every worker answers again: 20 /readyz in a row are 200 (one worker's
        # pool may reconnect later than the other's; the first 200 alone proves only one).
        recovered, streak = None, 0
        while time.monotonic() - back_at < 30:
            streak = streak + 1 if httpx.get(f"{base}/readyz", timeout=15).status_code == 200 else 0
            if streak == 20:
                recovered = time.monotonic() - back_at
                break
            if not streak:
                time.sleep(0.1)
        assert recovered is not None and recovered <= 5, recovered
    finally:
        stop_process(web)
