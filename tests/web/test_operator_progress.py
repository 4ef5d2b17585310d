"""A GTFS import reports its steps live: over the uploader's WebSocket (in-memory and Redis
channel layers) and into the cache for the page polled without a socket."""

from __future__ import annotations

import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile

from gtfs.import_progress import import_progress_get
from gtfs.models import GtfsImport
from mobility.asgi import application
from tests.conftest import make_token
from tests.factories import UserFactory
from tests.gtfs.conftest import MINIMAL_FEED, build_zip

LAYERS = {
    "memory": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
    "redis": {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")], "prefix": "test-progress"},
        }
    },
}
EXPECTED_STEPS = [
    "started",
    "checked archive",
    "read",
    "validated",
    "stops",
    "calendar",
    "trips",
    "prepare stop_times",
    "stop_times",
    "transfers",
    "finished",
]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def channel_layer_kind(request, settings):
    settings.CHANNEL_LAYERS = LAYERS[request.param]
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()


@pytest.mark.django_db(transaction=True)
async def test_import_steps_reach_the_uploaders_socket_only(channel_layer_kind, tmp_path, monkeypatch):
    from gtfs import conf
    from gtfs.feed_import import import_upload_create

    monkeypatch.setattr(conf, "GTFS_UPLOAD_DIR", str(tmp_path / "uploads"))
    olga = await sync_to_async(UserFactory)(is_operator=True)
    other = await sync_to_async(UserFactory)(is_operator=True)
    sockets = {}
    for user in (olga, other):
        token = await sync_to_async(make_token)(user)
        sockets[user.pk] = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
        connected, _ = await sockets[user.pk].connect()
        assert connected
        assert (await sockets[user.pk].receive_json_from(timeout=5))["type"] == "hello"
    path = build_zip(tmp_path / "feed.zip", MINIMAL_FEED)

    def run_upload() -> GtfsImport:
        upload = SimpleUploadedFile("feed.zip", path.read_bytes(), content_type="application/zip")
        record = import_upload_create(uploaded_file=upload, name="Regionalbus", kind="transit", user=olga)
        return GtfsImport.objects.get(pk=record.pk)  # committed: the eager task has run

    record = await sync_to_async(run_upload)()
    assert record.status == "imported"
    received = []
    while not received or received[-1]["step"] != "finished":
        message = await sockets[olga.pk].receive_json_from(timeout=5)
        assert message["type"] == "gtfs_import"
        received.append(message["progress"])
    assert [m["step"] for m in received] == EXPECTED_STEPS
    assert {m["import"] for m in received} == {record.pk}
    assert [m["status"] for m in received] == ["running"] * 10 + ["imported"]
    assert [m["done"] for m in received] == list(range(2, 13)) and {m["total"] for m in received} == {12}
    assert await sockets[other.pk].receive_nothing(timeout=0.3)  # another operator's socket hears nothing
    stored = await sync_to_async(import_progress_get)(import_id=record.pk)
    assert stored == received[-1]
    for communicator in sockets.values():
        await communicator.disconnect()


@pytest.mark.django_db
def test_the_status_fragment_shows_the_last_reported_step(tmp_path):
    from gtfs.import_progress import import_progress_report
    from tests.web.conftest import signed_in

    olga = UserFactory(is_operator=True)
    record = GtfsImport.objects.create(feed_name="X", file_path=str(tmp_path / "x.zip"), created_by=olga)
    client = signed_in(olga)
    fragment = client.get(f"/betrieb/fahrplaene/importe/{record.pk}/stand/").content.decode()
    assert "wartet auf den Import" in fragment and 'value="1"' in fragment and 'data-finished="0"' in fragment
    GtfsImport.objects.filter(pk=record.pk).update(status="running")
    import_progress_report(import_id=record.pk, user_id=olga.pk, status="running", step="trips")
    fragment = client.get(f"/betrieb/fahrplaene/importe/{record.pk}/stand/").content.decode()
    assert "wird importiert" in fragment and "Fahrten geladen" in fragment and 'value="8"' in fragment
    page = client.get(f"/betrieb/fahrplaene/importe/{record.pk}/").content.decode()
    assert "Stand neu laden" in page  # no JavaScript: the page offers to look again
