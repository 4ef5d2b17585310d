"""One timestamp convention: local time with its offset, the same in REST and WebSocket payloads."""

import re
from datetime import UTC, datetime

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import transaction

from mobility.asgi import application
from mobility.notifications.services import notify
from mobility.timestamps import iso_local
from tests.conftest import make_token

LOCAL_OFFSET = re.compile(r"[+-]0[12]:00$")  # Europe/Berlin: +01:00 in winter, +02:00 in summer


@pytest.mark.django_db(transaction=True)
async def test_a_notification_has_the_same_timestamp_over_the_socket_and_in_the_list(settings, alice):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    token = await sync_to_async(make_token)(alice)
    communicator = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_json_from(timeout=5)  # hello

    def send():
        with transaction.atomic():
            notify(alice, "hello", {})

    await sync_to_async(send)()
    pushed = (await communicator.receive_json_from(timeout=5))["notification"]
    await communicator.disconnect()
    channel_layers.backends.clear()

    def listed():
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(alice)}")
        return client.get("/api/v1/notifications/").json()["results"][0]

    rest = await sync_to_async(listed)()
    assert pushed["created_at"] == rest["created_at"]
    assert LOCAL_OFFSET.search(pushed["created_at"]), pushed["created_at"]


def test_iso_local_is_local_time_to_the_second():
    moment = datetime(2026, 7, 1, 5, 27, 34, 833_333, tzinfo=UTC)
    assert iso_local(moment) == "2026-07-01T07:27:35+02:00"
    assert iso_local(moment.replace(month=1)) == "2026-01-01T06:27:35+01:00"
    assert iso_local(None) is None
