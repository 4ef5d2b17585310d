"""Read side of accounts: finding a person for the operator (role changes, erasure)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from mobility.errors import NotFound

from .models import CostCentre, User


def user_search(*, query: str, limit: int = 20) -> QuerySet[User]:
    """Accounts whose e-mail address or display name contains ``query`` (case-insensitive);
    at least three characters, so nobody lists every account by accident."""
    query = query.strip()
    if len(query) < 3:
        return User.objects.none()
    return (
        User.objects.filter(Q(email__icontains=query) | Q(display_name__icontains=query))
        .select_related("cost_centre")
        .order_by("email")[:limit]
    )


def user_get(*, user_id: int) -> User:
    user = User.objects.select_related("cost_centre").filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such account.", code="user_not_found")
    return user


def cost_centre_list() -> QuerySet[CostCentre]:
    return CostCentre.objects.filter(active=True).order_by("code")
