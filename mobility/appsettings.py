"""App settings: Django settings first, then the environment variable of the same name, then
the app's default. Read at call time, so tests can override them with the settings fixture."""

from __future__ import annotations

import os
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T", int, float, str, bool)


def app_setting(name: str, default: T) -> T:
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(default, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True  # type: ignore[return-value]
        if raw.lower() in {"0", "false", "no", "off"}:
            return False  # type: ignore[return-value]
        raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")
    try:
        return type(default)(raw)
    except ValueError as exc:
        kind = {int: "an integer", float: "a number"}.get(type(default), type(default).__name__)
        raise ImproperlyConfigured(f"{name} must be {kind}, got {raw!r}") from exc
