"""WebSocket consumers."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from mobility.notifications.services import user_group_name

# Close codes in the private 4000-4999 range, mirroring HTTP statuses.
CLOSE_NOT_AUTHENTICATED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/notifications/``: pushes the signed-in user's notifications as they happen.

    An unauthenticated socket is accepted only to be closed at once with code 4401, so the
    client can tell "sign in" from a network failure.
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.accept()
            await self.send_json({"type": "error", "code": "not_authenticated"})
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.group = user_group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.pk})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def notification_message(self, event) -> None:
        await self.send_json({"type": "notification", "notification": event["notification"]})
