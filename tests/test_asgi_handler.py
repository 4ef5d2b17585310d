"""``mobility.asgi_handler``: under ASGI the whole (synchronous) middleware chain and view run
in one hop to the request's thread, with the same responses as Django's own handler."""

import json

import pytest
from asgiref.sync import SyncToAsync
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler

from mobility.asgi_handler import SyncStackASGIHandler


def _scope(path: str, query: bytes = b"") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"accept", b"application/json"), (b"x-forwarded-proto", b"https")],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 443),
    }


async def _get(app, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    communicator = ApplicationCommunicator(app, _scope(path))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], dict(start["headers"]), body


@pytest.fixture
def hops(monkeypatch):
    """Counts the calls into a worker thread (``sync_to_async``) while a request is handled."""
    count = {"n": 0}
    original = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        count["n"] += 1
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    return count


@pytest.fixture
def hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_one_hop_for_middleware_and_view(hops, hosts):
    status, headers, body = await _get(SyncStackASGIHandler(), "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    # request_started's receivers, the middleware chain with the view, the response's closers
    assert hops["n"] == 3
    hops["n"] = 0
    await _get(ASGIHandler(), "/healthz")
    assert hops["n"] > 3  # Django's async chain crosses over again for sync middleware and the view


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_same_answers_and_headers_as_djangos_handler(hosts):
    for path in ("/healthz", "/api/v1/no-such-endpoint/", "/api/v1/journeys/"):
        ours = await _get(SyncStackASGIHandler(), path)
        django = await _get(ASGIHandler(), path)
        assert ours[0] == django[0], path
        assert json.loads(ours[2]) == json.loads(django[2]), path
        for header in (b"content-type", b"x-content-type-options", b"referrer-policy", b"cache-control"):
            assert ours[1].get(header) == django[1].get(header), (path, header)
    status, _, body = await _get(SyncStackASGIHandler(), "/api/v1/journeys/")
    assert status == 400 and json.loads(body)["error"]["code"] == "validation_error"


def test_a_worker_freezes_its_start_up_heap():
    """``mobility.asgi`` (what uvicorn loads) leaves the start-up objects out of the collector's
    generations: a fresh process, so the test process's own heap does not count."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = "import gc, mobility.asgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    env = {**os.environ, "JOURNEYS_WARM_UP": "0", "DJANGO_SETTINGS_MODULE": "mobility.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    frozen, tracked = map(int, done.stdout.split()[-2:])
    assert frozen > 50_000  # Django and the apps
    assert tracked < frozen / 10  # what is left for the collector is small
