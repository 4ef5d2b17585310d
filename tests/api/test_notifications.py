"""notify(): stored for later, pushed after commit to open WebSockets (in-memory and Redis)."""

import asyncio
import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import transaction

from mobility.asgi import application
from mobility.notifications.models import Notification
from mobility.notifications.services import notify
from tests.conftest import make_token

LAYERS = {
    "memory": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
    "redis": {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")], "prefix": "test-notify"},
        }
    },
}


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def channel_layer_kind(request, settings):
    settings.CHANNEL_LAYERS = LAYERS[request.param]
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()


@pytest.mark.django_db
def test_notification_list_shows_own_only_and_marks_read(client_for, alice, bob):
    mine = notify(alice, "ride_booking_confirmed", {"booking": 1})
    notify(alice, "ride_booking_cancelled", {"booking": 2})
    theirs = notify(bob, "ride_booking_confirmed", {"booking": 3})
    client = client_for(alice)
    listing = client.get("/api/v1/notifications/")
    assert listing.status_code == 200
    assert [n["kind"] for n in listing.json()["results"]] == ["ride_booking_cancelled", "ride_booking_confirmed"]
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    marked = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    unread = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["kind"] for n in unread] == ["ride_booking_cancelled"]
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=bob, read_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
async def test_websocket_receives_notification_after_commit(channel_layer_kind, alice, bob):
    token = await sync_to_async(make_token)(alice)
    communicator = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "user": alice.pk}

    def send_in_transaction():
        with transaction.atomic():
            notify(alice, "carsharing_reservation_confirmed", {"reservation": 7})
            notify(bob, "not_for_alice", {})
            # Nothing is pushed while the transaction is open.
        return Notification.objects.filter(user=alice).count()

    assert await sync_to_async(send_in_transaction)() == 1
    message = await communicator.receive_json_from(timeout=5)
    assert message["type"] == "notification"
    assert message["notification"]["kind"] == "carsharing_reservation_confirmed"
    assert message["notification"]["payload"] == {"reservation": 7}
    # bob's notification never reaches alice's socket
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_rolled_back_notification_is_never_pushed(channel_layer_kind, alice):
    token = await sync_to_async(make_token)(alice)
    communicator = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_json_from(timeout=5)

    def rolled_back():
        try:
            with transaction.atomic():
                notify(alice, "ghost", {})
                raise RuntimeError("booking refused")
        except RuntimeError:
            pass
        return Notification.objects.filter(user=alice).count()

    assert await sync_to_async(rolled_back)() == 0
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("query", ["", "?token=not-a-real-token"])
async def test_unauthenticated_socket_is_closed_with_4401(query):
    communicator = WebsocketCommunicator(application, f"/ws/notifications/{query}")
    connected, _ = await communicator.connect()
    assert connected
    if not query:
        # Without credentials the first message must authenticate; anything else is refused.
        await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "error", "code": "not_authenticated"}
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
async def test_token_in_authorization_header_and_ping(alice):
    token = await sync_to_async(make_token)(alice)
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"authorization", f"Token {token}".encode())]
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_json_from(timeout=5)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_session_cookie_authenticates_browser_socket(alice):
    from django.test import Client

    def login_cookie():
        client = Client()
        client.force_login(alice)
        return client.cookies["sessionid"].value

    session = await sync_to_async(login_cookie)()
    communicator = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"cookie", f"sessionid={session}".encode()),
            (b"origin", b"http://127.0.0.1:8000"),
            (b"host", b"127.0.0.1:8000"),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "user": alice.pk}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_foreign_browser_origin_is_refused(alice):
    token = await sync_to_async(make_token)(alice)
    communicator = WebsocketCommunicator(
        application, f"/ws/notifications/?token={token}", headers=[(b"origin", b"https://evil.example.com")]
    )
    connected, _ = await communicator.connect()
    assert connected is False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_redis_layer_delivers_across_separate_layer_instances(alice, settings):
    """Two workers = two layer connections: a push from one reaches a socket held by the other."""
    from channels_redis.core import RedisChannelLayer

    settings.CHANNEL_LAYERS = LAYERS["redis"]
    channel_layers.backends.clear()
    token = await sync_to_async(make_token)(alice)
    communicator = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_json_from(timeout=5)
    other_worker = RedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix="test-notify")
    await other_worker.group_send(
        f"user-{alice.pk}", {"type": "notification.message", "notification": {"id": 0, "kind": "from_worker_2"}}
    )
    message = await communicator.receive_json_from(timeout=5)
    assert message["notification"]["kind"] == "from_worker_2"
    await communicator.disconnect()
    await asyncio.sleep(0)
    channel_layers.backends.clear()
