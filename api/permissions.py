"""Role permissions. Object-level access is enforced in querysets (others' objects: 404)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class IsResident(BasePermission):
    """Any signed-in user with a verified e-mail address."""

    message = _("Please verify your e-mail address first.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.email_verified)


class IsMember(BasePermission):
    message = _("Only approved car-sharing members may do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_member)


class IsTownStaff(BasePermission):
    message = _("Only town-hall staff may do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_town_staff or user.is_operator))


class IsOperator(BasePermission):
    message = _("Only the platform operator may do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_operator)
