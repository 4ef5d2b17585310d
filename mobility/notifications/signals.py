"""Revoking credentials closes the WebSockets opened with them.

Every way an app token disappears (logout, logout everywhere, password reset, erasure, expiry
clean-up) deletes its row, so the row's deletion is the one place to hook; a session ends
with ``user_logged_out``. The close is sent after the deleting transaction commits.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete
from knox.models import get_token_model

from .services import revocation_group_for_session, revocation_group_for_token, sockets_close_for_revoked


def _token_deleted(sender, instance, **kwargs) -> None:
    group = revocation_group_for_token(instance.token_key)
    transaction.on_commit(lambda: sockets_close_for_revoked(group))


def _session_ended(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        group = revocation_group_for_session(session_key)
        transaction.on_commit(lambda: sockets_close_for_revoked(group))


def connect() -> None:
    post_delete.connect(_token_deleted, sender=get_token_model(), dispatch_uid="notifications-token-revoked")
    user_logged_out.connect(_session_ended, dispatch_uid="notifications-session-ended")
