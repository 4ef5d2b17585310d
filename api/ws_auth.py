"""WebSocket authentication: the app token or the session cookie of the browsable API.

The token may come in the ``Authorization: Token …`` header (native apps), as a subprotocol
``token.<token>`` offered next to ``mobility.v1`` (browsers, which cannot set headers), or in
the first message ``{"type": "auth", "token": "…"}`` (see the consumer). The old ``?token=``
query parameter still works but puts the token into URLs; every logged URL has it scrubbed
(``mobility.logfilters``).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

TOKEN_SUBPROTOCOL_PREFIX = "token."
APP_SUBPROTOCOL = "mobility.v1"


@database_sync_to_async
def user_for_token(token: str):
    """``(user, token_key)`` for a valid app token, else ``(None, None)``."""
    try:
        user, auth_token = TokenAuthentication().authenticate_credentials(token.encode())
    except (AuthenticationFailed, UnicodeError, ValueError):
        return None, None
    return user, auth_token.token_key


def _token_from_scope(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.decode("latin-1").split()
            if len(parts) == 2 and parts[0].lower() == "token":
                return parts[1]
    for protocol in scope.get("subprotocols") or []:
        if protocol.startswith(TOKEN_SUBPROTOCOL_PREFIX):
            return protocol[len(TOKEN_SUBPROTOCOL_PREFIX) :]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0]
    return None


class TokenAuthMiddleware:
    """Sets ``scope["user"]`` (and ``scope["auth_token_key"]``) from an app token when one is
    given; else leaves the session user, and the consumer may wait for a first auth message."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = _token_from_scope(scope)
        if token is not None:
            scope = dict(scope)
            user, token_key = await user_for_token(token)
            scope["user"] = user or AnonymousUser()
            scope["auth_token_key"] = token_key
            scope["auth_token_given"] = True
        return await self.inner(scope, receive, send)


def WebSocketAuthStack(inner):  # noqa: N802 (reads like the Channels stacks)
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))


class BrowserOriginValidator:
    """Checks the ``Origin`` of browser sockets against ALLOWED_HOSTS.

    Browsers always send ``Origin`` on WebSockets, so a foreign page cannot ride on a user's
    session cookie. Native apps usually send none and authenticate with their token; they are
    let through. A socket with a foreign origin is refused before the handshake (HTTP 403).
    """

    def __init__(self, inner):
        from channels.security.websocket import AllowedHostsOriginValidator

        self.inner = inner
        self.checked = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope, receive, send):
        has_origin = any(name == b"origin" for name, _ in scope.get("headers", []))
        if has_origin:
            return await self.checked(scope, receive, send)
        return await self.inner(scope, receive, send)
