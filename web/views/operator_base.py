"""The operator console's access rule: signed in, and holding the operator role.

Anonymous visitors are sent to the login page; a signed-in resident or town-hall employee
without the operator role gets the German 403 page. Every console page is personal (never
cached by browsers or proxies).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .base import personal


def is_operator(user) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_operator or user.is_superuser))


def operator_page(view: Callable) -> Callable:
    """A page of the operator console (``/betrieb/``)."""

    @personal
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not is_operator(request.user):
            raise PermissionDenied("operator role required")
        return view(request, *args, **kwargs)

    return wrapped
