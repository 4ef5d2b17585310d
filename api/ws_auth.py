"""WebSocket authentication: the same app token (``?token=`` or ``Authorization`` header)
or the session cookie of the browsable API."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


@database_sync_to_async
def _user_for_token(token: str):
    try:
        user, _ = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed:
        return None
    return user


def _token_from_scope(scope) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode())
    if query.get("token"):
        return query["token"][0]
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.decode().split()
            if len(parts) == 2 and parts[0].lower() == "token":
                return parts[1]
    return None


class TokenAuthMiddleware:
    """Sets ``scope["user"]`` from an app token when one is given; else leaves the session user."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = _token_from_scope(scope)
        if token is not None:
            scope = dict(scope)
            scope["user"] = await _user_for_token(token) or AnonymousUser()
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
