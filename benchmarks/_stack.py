"""Throw-away production stack on loopback: its own PostgreSQL cluster and Redis server (so
they can be restarted or killed without touching anybody else's), uvicorn with several
workers and a Celery worker, all with the production settings.

Used by ``benchmarks.soak`` and the fault tests. PostgreSQL refuses to run as root, so the
cluster is run as the ``postgres`` system user when started by root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

# free_port and stop_process are used here and by this module's callers.
from benchmarks._servers import free_port as free_port
from benchmarks._servers import start_uvicorn
from benchmarks._servers import stop_process as stop_process

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class ThrowawayPostgres:
    """An initdb'd cluster in a temporary directory, on ``port``, trust auth on loopback."""

    def __init__(self, port: int, max_connections: int = 100):
        self.port = port
        self.max_connections = max_connections
        self.dir = Path(tempfile.mkdtemp(prefix="mob-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "pg.log"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.start()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
            f"-c max_connections={self.max_connections} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        subprocess.run(
            _as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def is_ready(self) -> bool:
        return (
            subprocess.run(
                [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"], check=False
            ).returncode
            == 0
        )

    def connections(self, database: str) -> int:
        """Client connections to ``database`` (not counting the one asking)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()",
                [database],
            ).fetchone()
        return int(row[0])

    def create_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayRedis:
    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def destroy(self) -> None:
        self.stop()


def start_localstripe(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.localstripe_server", "--port", str(port), "--from-scratch"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/customers", auth=("sk_test_soak", ""), timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    stop_process(process)
    raise RuntimeError("localstripe did not start")


def production_env(*, database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "mobility.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "s" * 64,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def start_web(env: dict[str, str], port: int, workers: int = 2) -> subprocess.Popen:
    """uvicorn with ``workers`` processes on exactly ``port`` (output in /tmp/mob-web-PORT.log)."""
    process, bound = start_uvicorn(
        env,
        log=Path(tempfile.gettempdir()) / f"mob-web-{port}.log",
        first_port=port,
        workers=workers,
        # Longer than any client's or proxy's idle keep-alive, so the server never closes a
        # connection just as the client sends on it (the client sees a reset).
        extra_args=["--timeout-keep-alive", "75", "--no-access-log"],
        attempts=1,
        log_level="warning",
    )
    if bound != port:
        stop_process(process)
        raise RuntimeError(f"port {port} was taken")
    return process


def start_worker(env: dict[str, str], concurrency: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mobility",
            "worker",
            "--loglevel",
            "WARNING",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
