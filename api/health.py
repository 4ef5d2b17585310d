"""Liveness and readiness probes (plain Django views, no authentication)."""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .errors import error_body


@require_GET
def healthz(request) -> JsonResponse:
    """The process is alive and answers."""
    return JsonResponse({"status": "ok"})


async def _channel_layer_roundtrip() -> bool:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "readyz.ping", "token": token})
    message = await layer.receive(channel)
    return message.get("token") == token


# A probe answers quickly: it does not queue for a pooled connection like a request does.
PROBE_DB_TIMEOUT_S = 2.0


def _database_roundtrip() -> None:
    pool = getattr(connection, "pool", None)
    if pool is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return
    pool.open()
    raw = pool.getconn(timeout=PROBE_DB_TIMEOUT_S)
    try:
        raw.execute("SELECT 1").fetchone()
    finally:
        pool.putconn(raw)


@require_GET
def readyz(request) -> JsonResponse:
    """The database and the channel layer are reachable."""
    checks: dict[str, str] = {}
    try:
        _database_roundtrip()
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        checks["channel_layer"] = "ok" if async_to_sync(_channel_layer_roundtrip)() else "error: no echo"
    except Exception as exc:
        checks["channel_layer"] = f"error: {type(exc).__name__}"
    if all(value == "ok" for value in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    body = error_body("not_ready", "A dependency is not reachable.", checks)
    return JsonResponse(body, status=503)
