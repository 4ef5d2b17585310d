"""Reads of a user's notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def unread_count(*, user) -> int:
    """How many of ``user``'s notifications are unread (the badge)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(*, user, limit: int = 50) -> QuerySet[Notification]:
    """``user``'s newest notifications first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def notifications_of(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """All of ``user``'s notifications (newest first, the model's order), or only the unread."""
    queryset = Notification.objects.filter(user=user)
    return queryset.filter(read_at__isnull=True) if unread_only else queryset
