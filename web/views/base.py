"""Shared pieces of the web views: personal pages, safe redirects, htmx detection."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache


def personal(view: Callable) -> Callable:
    """A page with personal data: sign-in required, and never stored by browsers or proxies."""

    @wraps(view)
    @never_cache
    @login_required(login_url="web:login")
    def wrapped(request: HttpRequest, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


def safe_next(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """The ``next`` (or ``field``) target if it stays on this site, else ``default``."""
    target = request.POST.get(field) or request.GET.get(field) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
