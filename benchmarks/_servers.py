"""Starting and stopping the service in a subprocess, for the benchmarks and the tests that
need a real server (the production stack, the browser tests, the soak run): one free-port
helper, one uvicorn start-up, one stop; and the benchmarks' own database, created when missing.

Other sessions on the machine start servers too: a port that was free a moment ago may be
taken by the time uvicorn binds, and a health check would then reach *their* server. So a
server counts as started only when its own log says it listens on the port and its
``/healthz`` answers; when the bind failed, the next free port is tried.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port(low: int | None = None, high: int | None = None) -> int:
    """A free loopback port: the first free one in ``[low, high]`` when given, else any."""
    candidates = range(low, high + 1) if low is not None and high is not None else [0]
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in {low}-{high}")


def start_uvicorn(
    env: dict[str, str],
    *,
    log: Path,
    first_port: int | None = None,
    workers: int = 1,
    extra_args: Sequence[str] = (),
    timeout_s: float = 90,
    attempts: int = 20,
    log_level: str = "info",
) -> tuple[subprocess.Popen, int]:
    """Serve ``mobility.asgi:application`` with ``env`` on 127.0.0.1 and return (process, port)
    once it listens on its own port and ``/healthz`` says 200. ``first_port``: try ports from
    there (the session's range), else any free port. The server's output goes to ``log``; the
    process leads its own session, so ``stop_process`` ends its workers too. Below ``info``
    (``log_level="warning"``: the quietest server, for load measurements) uvicorn does not say
    where it listens, so only ``/healthz`` is waited for: use it on a port known to be yours."""
    says_where = log_level in {"info", "debug", "trace"}
    port = first_port
    for _ in range(attempts):
        port = free_port(port, port + 99) if port is not None else free_port()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "mobility.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    "--log-level",
                    log_level,  # at info the "running on" line shows whose server holds the port
                    *extra_args,
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        listening = f"Uvicorn running on http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout_s
        while says_where and process.poll() is None and listening not in log.read_text(errors="replace"):
            if time.monotonic() > deadline:
                stop_process(process)
                raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)
        if says_where and process.poll() is not None:
            if "address already in use" not in log.read_text(errors="replace").lower():
                raise RuntimeError(f"the server stopped at start-up:\n{log.read_text(errors='replace')[-4000:]}")
            port += 1  # someone else bound it first
            continue
        base = f"http://127.0.0.1:{port}"
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return process, port
            if process.poll() is not None or time.monotonic() > deadline:
                stop_process(process)
                raise RuntimeError(f"the server did not get healthy:\n{log.read_text(errors='replace')[-4000:]}")
            time.sleep(0.2)
    raise RuntimeError(f"no port from {first_port} could be bound:\n{log.read_text(errors='replace')[-4000:]}")


def stop_process(process: subprocess.Popen) -> None:
    """End a process started with ``start_new_session`` and everything it started (uvicorn's
    workers): SIGTERM, then SIGKILL after 20 seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named at the end of ``url`` when it does not exist yet."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    try:
        psycopg.connect(url).close()
    except psycopg.OperationalError:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}", file=sys.stderr, flush=True)
