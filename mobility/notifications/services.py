"""``notify``: store a notification and push it to the user's open WebSockets.

The push happens after the surrounding transaction commits, so a rolled-back booking never
announces itself. Pushing is best effort: the stored row is the record, a socket that is not
open simply reads it later from ``/api/v1/notifications/``.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from .models import Notification
from .texts import notification_title_body

logger = logging.getLogger(__name__)


def user_group_name(user_id: int) -> str:
    """The channel-layer group every WebSocket of this user joins."""
    return f"user-{user_id}"


def revocation_group_for_token(token_key: str) -> str:
    """The group of the sockets signed in with one app token (knox ``token_key``)."""
    return f"auth-token-{token_key}"


def revocation_group_for_session(session_key: str) -> str:
    return f"auth-session-{session_key}"


def sockets_close_for_revoked(group: str) -> None:
    """Close the sockets of a revoked token or ended session (code 4401). Best effort: with
    the channel layer down there is no open socket to reach either."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "auth.revoked"})
    except Exception:
        logger.warning("could not close the sockets of %s", group, exc_info=True)


def notification_as_message(notification: Notification, language: str | None = None) -> dict[str, Any]:
    """The WebSocket message: words in ``language`` (default: the recipient's saved language,
    else German), never in the language of whoever caused the notification."""
    language = language or getattr(notification.user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        title, body = notification_title_body(notification.kind, notification.payload)
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": title,
        "body": body,
        "payload": notification.payload,
        # Local time with its offset, exactly as the REST list renders it (mobility.timestamps).
        "created_at": timezone.localtime(notification.created_at).isoformat(),
        "read_at": timezone.localtime(notification.read_at).isoformat() if notification.read_at else None,
    }


def _push(user_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            user_group_name(user_id), {"type": "notification.message", "notification": message}
        )
    except Exception:  # the stored notification stays; a push failure must not break the caller
        logger.exception("could not push notification to user %s", user_id)


def notify(user, kind: str, payload: dict[str, Any] | None = None) -> Notification:
    """Store a notification for ``user`` and push it after commit."""
    notification = Notification.objects.create(user=user, kind=kind, payload=payload or {})
    message = notification_as_message(notification)
    user_id = notification.user_id
    transaction.on_commit(lambda: _push(user_id, message))
    return notification


def notification_mark_read(*, user, notification_id: int) -> Notification:
    from mobility.errors import NotFound

    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise NotFound("No such notification.", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
