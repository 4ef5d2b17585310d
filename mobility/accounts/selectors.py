"""Account reads."""

from __future__ import annotations

from django.db.models import QuerySet

from mobility.errors import NotFound

from .models import CostCentre, User


def active_user(*, user_id: int) -> User:
    """The active account ``user_id`` (``NotFound(user_not_found)`` otherwise)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("No such resident.", code="user_not_found")
    return user


def users() -> QuerySet[User]:
    """Every account with its cost centre, oldest first."""
    return User.objects.select_related("cost_centre").order_by("id")


def cost_centres() -> QuerySet[CostCentre]:
    return CostCentre.objects.order_by("code")
