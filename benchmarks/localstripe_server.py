"""localstripe (PyPI) with Stripe's idempotent requests.

``python -m benchmarks.localstripe_server --port N --from-scratch`` runs localstripe's own
server with one addition: a ``POST`` carrying an ``Idempotency-Key`` header is executed once;
a later request with the same key gets the first one's saved status and body again (with
``Idempotent-Replayed: true``), the same key with other parameters gets 400
``idempotency_error``, and a request while the first one with its key still runs gets 409, as
Stripe documents it (API reference, "Idempotent requests"). localstripe itself ignores
the header, so a retry of a call whose answer was lost made a second PaymentIntent there, where
Stripe returns the first: the soak's database restart counted such retries as double holds.

Saved are the answers of requests that ran (2xx, and 402 for a declined card); a request
refused as invalid (400) can be made again with its key, as at Stripe. Keys live as long as
the process (Stripe keeps them for 24 hours).
"""

from __future__ import annotations

import hashlib

from aiohttp import web
from localstripe import server

_saved: dict[str, tuple[str, int, bytes]] = {}
_running: set[str] = set()


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"type": "idempotency_error", "message": message}}, status=status)


@web.middleware
async def idempotency_middleware(request: web.Request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    body = await request.read()  # aiohttp keeps it for the handler
    fingerprint = hashlib.sha256(request.path.encode() + b"\0" + body).hexdigest()
    saved = _saved.get(key)
    if saved is not None:
        if saved[0] != fingerprint:
            return _error(
                400, "Keys for idempotent requests can only be used with the same parameters they were first used with."
            )
        replay = web.Response(status=saved[1], body=saved[2], content_type="application/json")
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    if key in _running:
        return _error(409, "There is currently another in-progress request using this Idempotency-Key.")
    _running.add(key)
    try:
        response = await handler(request)
    finally:
        _running.discard(key)
    if 200 <= response.status < 300 or response.status == 402:
        _saved[key] = (fingerprint, response.status, bytes(response.body or b""))
    return response


def main() -> None:
    # outermost, so that the replayed answer is the one the client got (errors included)
    server.app.middlewares.insert(0, idempotency_middleware)
    server.start()


if __name__ == "__main__":
    main()
