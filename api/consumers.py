"""WebSocket consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from mobility.notifications.services import revocation_group_for_session, revocation_group_for_token, user_group_name

from .ws_auth import APP_SUBPROTOCOL, user_for_token

logger = logging.getLogger(__name__)

# Close codes in the private 4000-4999 range, mirroring HTTP statuses.
CLOSE_NOT_AUTHENTICATED = 4401
# RFC 6455 "Try Again Later": the channel layer (Redis) is unreachable; reconnect later.
CLOSE_TRY_AGAIN_LATER = 1013


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/notifications/``: pushes the signed-in user's notifications as they happen.

    Credentials: the app token (header, ``token.<token>`` subprotocol or ``?token=``), the
    session cookie, or, if none was given, a first message ``{"type": "auth", "token": …}``
    within ``WS_AUTH_TIMEOUT_SECONDS``. A socket without valid credentials is accepted only
    to be closed with code 4401, so the client can tell "sign in" from a network failure.
    When the token is revoked (logout, logout everywhere, erasure) or the session ends, the
    socket is closed with 4401 too.
    """

    groups_joined: list[str]
    auth_timer: asyncio.Task | None = None

    async def connect(self) -> None:
        self.groups_joined = []
        offered = self.scope.get("subprotocols") or []
        subprotocol = APP_SUBPROTOCOL if APP_SUBPROTOCOL in offered else None
        user = self.scope.get("user")
        await self.accept(subprotocol)
        if user is not None and user.is_authenticated and user.is_active:
            session = self.scope.get("session")
            await self._start(user, self.scope.get("auth_token_key"), getattr(session, "session_key", None))
            return
        if self.scope.get("auth_token_given"):
            await self._refuse("not_authenticated")
            return
        self.auth_timer = asyncio.ensure_future(self._auth_timeout())

    async def _auth_timeout(self) -> None:
        await asyncio.sleep(settings.WS_AUTH_TIMEOUT_SECONDS)
        self.auth_timer = None
        await self._refuse("not_authenticated")

    async def _refuse(self, code: str) -> None:
        await self.send_json({"type": "error", "code": code})
        await self.close(code=CLOSE_NOT_AUTHENTICATED)

    async def _start(self, user, token_key: str | None, session_key: str | None) -> None:
        self.user_id = user.pk
        groups = [user_group_name(user.pk)]
        if token_key:
            groups.append(revocation_group_for_token(token_key))
        elif session_key:
            groups.append(revocation_group_for_session(session_key))
        try:
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
                self.groups_joined.append(group)
        except Exception:
            logger.warning("channel layer unavailable, closing socket of user %s", user.pk, exc_info=True)
            await self.send_json({"type": "error", "code": "service_unavailable"})
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        await self.send_json({"type": "hello", "user": user.pk})

    async def disconnect(self, code: int) -> None:
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        for group in self.groups_joined:
            with contextlib.suppress(Exception):  # the layer may be gone (Redis down)
                await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if self.auth_timer is not None:
            # Waiting for the first message: it must authenticate, nothing else is answered.
            self.auth_timer.cancel()
            self.auth_timer = None
            token = content.get("token") if isinstance(content, dict) and content.get("type") == "auth" else None
            user, token_key = await user_for_token(token) if isinstance(token, str) else (None, None)
            if user is None or not user.is_active:
                await self._refuse("not_authenticated")
                return
            await self._start(user, token_key, None)
            return
        if not self.groups_joined:
            return
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def notification_message(self, event) -> None:
        await self.send_json({"type": "notification", "notification": event["notification"]})

    async def gtfs_import(self, event) -> None:
        """Progress of a GTFS import this user uploaded (``gtfs.import_progress``)."""
        await self.send_json({"type": "gtfs_import", "progress": event["progress"]})

    async def auth_revoked(self, event) -> None:
        await self._refuse("token_revoked")
