"""The production path: production settings, several uvicorn worker processes, PostgreSQL
and Redis. A notification stored by another process reaches a WebSocket held by a worker."""

import json
import os
from pathlib import Path

import httpx
import pytest
from django.db import connection
from websockets.sync.client import connect

from benchmarks._servers import start_uvicorn, stop_process
from mobility.notifications.services import notify
from tests.conftest import _free_port, make_token

ROOT = Path(__file__).resolve().parents[1]
HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture
def production_server(transactional_db, tmp_path):
    port = _free_port()
    db = connection.settings_dict
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "mobility.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "p" * 64,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "CHANNELS_PREFIX": "test-prod",
    }
    process, port = start_uvicorn(
        env, log=tmp_path / "server.log", first_port=port, workers=2, extra_args=["--proxy-headers"], timeout_s=60
    )
    yield f"http://127.0.0.1:{port}", port
    stop_process(process)


@pytest.mark.postgres
@pytest.mark.redis
def test_two_workers_serve_api_and_push_notifications_through_redis(production_server, settings, alice):
    base, port = production_server
    ready = httpx.get(f"{base}/readyz", headers=HTTPS, timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "channel_layer": "ok"}
    # Without TLS (as seen by the proxy header) production redirects to HTTPS.
    assert httpx.get(f"{base}/api/v1/me/", timeout=10).status_code == 301

    token = make_token(alice)
    me = httpx.get(f"{base}/api/v1/me/", headers={**HTTPS, "Authorization": f"Token {token}"}, timeout=10)
    assert me.status_code == 200 and me.json()["email"] == "alice@example.org"

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": "test-prod"},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        with connect(f"ws://127.0.0.1:{port}/ws/notifications/?token={token}", open_timeout=10) as socket:
            assert json.loads(socket.recv(timeout=10)) == {"type": "hello", "user": alice.pk}
            # This test process is not one of the server's workers: delivery goes through Redis.
            notify(alice, "carsharing_reservation_confirmed", {"reservation": 42})
            message = json.loads(socket.recv(timeout=10))
            assert message["type"] == "notification"
            assert message["notification"]["payload"] == {"reservation": 42}
    finally:
        channel_layers.backends.clear()
