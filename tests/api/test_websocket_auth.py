"""Issue 10: WebSocket tokens outside URLs (subprotocol, first message), revocation closes
the socket (4401), and no token in any logged URL."""

import logging
import threading
import time

import httpx
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from websockets.sync.client import connect

from mobility.asgi import application
from mobility.logfilters import scrub
from tests.conftest import _free_port, make_token

pytestmark = pytest.mark.django_db(transaction=True)


async def _hello(communicator, user):
    connected, subprotocol = await communicator.connect()
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "user": user.pk}
    return subprotocol


async def test_token_as_subprotocol(alice):
    token = await sync_to_async(make_token)(alice)
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", subprotocols=["mobility.v1", f"token.{token}"]
    )
    assert await _hello(communicator, alice) == "mobility.v1"
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()


async def test_token_in_the_first_message(alice):
    token = await sync_to_async(make_token)(alice)
    communicator = WebsocketCommunicator(application, "/ws/notifications/")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "auth", "token": token})
    assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "user": alice.pk}
    await communicator.disconnect()


async def test_wrong_token_in_the_first_message_is_4401(alice):
    communicator = WebsocketCommunicator(application, "/ws/notifications/")
    await communicator.connect()
    await communicator.send_json_to({"type": "auth", "token": "f" * 64})
    assert await communicator.receive_json_from(timeout=5) == {"type": "error", "code": "not_authenticated"}
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


async def test_socket_without_credentials_is_closed_after_the_auth_timeout(settings):
    settings.WS_AUTH_TIMEOUT_SECONDS = 0.2
    communicator = WebsocketCommunicator(application, "/ws/notifications/")
    await communicator.connect()
    started = time.monotonic()
    assert await communicator.receive_json_from(timeout=5) == {"type": "error", "code": "not_authenticated"}
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    assert time.monotonic() - started < 3


async def test_logout_all_closes_the_users_sockets_with_4401(client_for, alice, bob):
    alice_token = await sync_to_async(make_token)(alice)
    other_alice_token = await sync_to_async(make_token)(alice)
    bob_token = await sync_to_async(make_token)(bob)
    sockets = {}
    for name, token, user in (("a1", alice_token, alice), ("a2", other_alice_token, alice), ("b", bob_token, bob)):
        sockets[name] = WebsocketCommunicator(
            application, "/ws/notifications/", headers=[(b"authorization", f"Token {token}".encode())]
        )
        await _hello(sockets[name], user)

    def logout_all():
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {alice_token}")
        return client.post("/api/v1/auth/logout-all/").status_code

    assert await sync_to_async(logout_all)() == 204
    for name in ("a1", "a2"):
        assert await sockets[name].receive_json_from(timeout=5) == {"type": "error", "code": "token_revoked"}
        assert await sockets[name].receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    # bob's socket stays open and working
    await sockets["b"].send_json_to({"type": "ping"})
    assert await sockets["b"].receive_json_from(timeout=5) == {"type": "pong"}
    await sockets["b"].disconnect()


async def test_logout_closes_only_the_socket_of_that_token(alice):
    token = await sync_to_async(make_token)(alice)
    other = await sync_to_async(make_token)(alice)
    revoked = WebsocketCommunicator(application, "/ws/notifications/", subprotocols=["mobility.v1", f"token.{token}"])
    kept = WebsocketCommunicator(application, "/ws/notifications/", subprotocols=["mobility.v1", f"token.{other}"])
    await _hello(revoked, alice)
    await _hello(kept, alice)

    def logout():
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post("/api/v1/auth/logout/").status_code

    assert await sync_to_async(logout)() == 204
    assert await revoked.receive_json_from(timeout=5) == {"type": "error", "code": "token_revoked"}
    assert await revoked.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await kept.send_json_to({"type": "ping"})
    assert await kept.receive_json_from(timeout=5) == {"type": "pong"}
    await kept.disconnect()


def test_scrub_replaces_credential_parameters_only():
    assert scrub("/ws/notifications/?token=abc123&x=1") == "/ws/notifications/?token=[redacted]&x=1"
    assert scrub('"GET /a/?page=2&access_token=zz HTTP/1.1"') == '"GET /a/?page=2&access_token=[redacted] HTTP/1.1"'
    assert scrub("/a/?tokens=1") == "/a/?tokens=1"


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_uvicorn_access_and_websocket_logs_never_contain_the_token(alice):
    import uvicorn

    token = make_token(alice)
    collect = _Collect()
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error")]
    for logger in loggers:
        logger.addHandler(collect)
        logger.setLevel(logging.INFO)
    port = _free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_config=None, access_log=True, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz?token={token}").status_code == 200
        with connect(f"ws://127.0.0.1:{port}/ws/notifications/?token={token}") as socket:
            assert '"hello"' in socket.recv(timeout=5)
        time.sleep(0.2)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for logger in loggers:
            logger.removeHandler(collect)
        from tests.conftest import close_other_database_sessions

        close_other_database_sessions()
    logged = "\n".join(collect.lines)
    assert "/healthz?token=[redacted]" in logged
    assert "/ws/notifications/?token=[redacted]" in logged
    assert token not in logged
