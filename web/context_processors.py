"""What every web page's header needs: the unread-notification count for the badge."""

from __future__ import annotations

from django.http import HttpRequest

from mobility.notifications.selectors import unread_count

from .notifications import notification_texts_json


def navigation(request: HttpRequest) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None or "web" not in match.namespaces:
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user=user), "notification_texts": notification_texts_json()}
