"""Issue 10, point 6: with Redis down, endpoints that do not need it keep working (throttles
and caches degrade, logged), work that must be queued is refused cleanly with 503 and leaves
nothing behind, and sockets work again once Redis is back.

Redis here is a real client against a loopback port nobody listens on (a stopped Redis), or
a throw-away redis-server that the test stops and starts."""

import logging

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from gtfs.models import GtfsImport
from mobility.notifications.models import Notification
from mobility.notifications.services import notify
from tests.conftest import _free_port, make_token
from tests.gtfs.conftest import make_feed as make_feed  # noqa: F401 (the fixture)


def _layer(url: str) -> dict:
    return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}}


def _cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "mobility.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    settings.CACHES = _cache(url)
    settings.CHANNEL_LAYERS = _layer(url)
    return url


@pytest.mark.django_db(transaction=True)
def test_login_and_throttled_endpoints_work_without_redis(redis_down, api_client, alice, settings, caplog):
    settings.AUTH_THROTTLE_RATE = "3/min"
    caplog.set_level(logging.WARNING, logger="mobility.cache")
    alice.set_password("a-long-and-unusual-passphrase-42")
    alice.save()
    wrong = api_client.post("/api/v1/auth/login/", {"email": alice.email, "password": "nope-nope-nope"})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    right = api_client.post(
        "/api/v1/auth/login/", {"email": alice.email, "password": "a-long-and-unusual-passphrase-42"}
    )
    assert right.status_code == 200 and right.json()["token"]
    assert "Redis cache unavailable" in caplog.text
    # The throttle counts nothing while Redis is down: requests are let through, not refused.
    assert [
        api_client.post("/api/v1/auth/login/", {"email": alice.email, "password": "x" * 12}).status_code
        for _ in range(4)
    ] == [400] * 4


@pytest.mark.django_db(transaction=True)
def test_notifications_are_stored_when_the_push_cannot_reach_redis(redis_down, client_for, alice):
    notify(alice, "hello", {"n": 1})
    assert Notification.objects.filter(user=alice, kind="hello").count() == 1
    response = client_for(alice).get("/api/v1/notifications/")
    assert response.status_code == 200
    assert [n["kind"] for n in response.json()["results"]] == ["hello"]


@pytest.mark.django_db(transaction=True)
def test_gtfs_upload_is_refused_with_503_and_leaves_nothing_when_the_queue_is_down(
    client_for, otto, make_feed, settings, tmp_path
):
    from pathlib import Path

    from gtfs import conf
    from mobility.celery import app

    upload_dir = Path(conf.GTFS_UPLOAD_DIR)
    before = set(upload_dir.iterdir()) if upload_dir.exists() else set()
    from gtfs.tasks import gtfs_import_task

    dead = f"redis://127.0.0.1:{_free_port()}/0"  # the broker (Redis) is down
    real_delay = gtfs_import_task.delay

    def delay_through_the_dead_broker(*args, **kwargs):
        # A real publish to a broker nobody listens on (not the configured one, which other
        # tests and a worker may use); Celery raises kombu's OperationalError.
        with app.connection_for_write(dead) as connection:
            return gtfs_import_task.apply_async(args, kwargs, connection=connection, retry=False)

    saved_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    gtfs_import_task.delay = delay_through_the_dead_broker
    try:
        with open(make_feed(), "rb") as handle:
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile("feed.zip", handle.read(), content_type="application/zip")
        response = client_for(otto).post(
            "/api/v1/gtfs/imports/", {"file": upload, "name": "Regionalbus", "kind": "transit"}, format="multipart"
        )
    finally:
        app.conf.task_always_eager = saved_eager
        gtfs_import_task.delay = real_delay
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "import_queue_unavailable"
    assert response["Retry-After"] == "30"
    assert GtfsImport.objects.count() == 0
    assert (set(upload_dir.iterdir()) if upload_dir.exists() else set()) == before


@pytest.mark.django_db(transaction=True)
async def test_socket_works_again_after_redis_comes_back(alice, settings):
    from benchmarks._stack import ThrowawayRedis, free_port

    redis = ThrowawayRedis(free_port(8150, 8199))
    try:
        settings.CHANNEL_LAYERS = _layer(redis.url)
        settings.CACHES = _cache(redis.url)
        from mobility.asgi import application

        token = await sync_to_async(make_token)(alice)
        redis.stop()
        protocols = ["mobility.v1", f"token.{token}"]
        refused = WebsocketCommunicator(application, "/ws/notifications/", subprotocols=protocols)
        connected, _ = await refused.connect(timeout=10)
        # The socket cannot join its groups: "try again later", the client reconnects.
        assert connected
        assert await refused.receive_json_from(timeout=10) == {"type": "error", "code": "service_unavailable"}
        assert await refused.receive_output(timeout=10) == {"type": "websocket.close", "code": 1013}
        await sync_to_async(notify)(alice, "while_down", {})  # stored, not pushed
        redis.start()
        socket = WebsocketCommunicator(application, "/ws/notifications/", subprotocols=protocols)
        connected, _ = await socket.connect(timeout=10)
        assert connected
        assert await socket.receive_json_from(timeout=10) == {"type": "hello", "user": alice.pk}
        await sync_to_async(notify)(alice, "after_recovery", {"n": 2})
        message = await socket.receive_json_from(timeout=10)
        assert message["notification"]["kind"] == "after_recovery"
        await socket.disconnect()
        assert await sync_to_async(lambda: cache.get("nothing", "miss"))() == "miss"
    finally:
        redis.destroy()
