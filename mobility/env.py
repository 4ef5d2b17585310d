"""The one place that reads the environment. Pure: no Django settings needed.

Every variable is read through one of the typed helpers below. An empty or missing variable
gives the default; a value of the wrong form raises ``ImproperlyConfigured`` naming the
variable, what it must be and what it was, so a typo stops the service at start-up with a
sentence instead of a traceback.

``mobility/settings.py`` reads the project's variables with these helpers; the apps' own
settings (``RIDES_…``, ``CARSHARING_…``) are read at call time by their ``conf`` module
through ``mobility.appsettings.app_setting``, which uses ``parse`` here.
"""

from __future__ import annotations

import os
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T", int, float, str, bool)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def raw(name: str) -> str | None:
    """The variable's text, or None when it is missing or empty."""
    value = os.environ.get(name)
    return None if value is None or value == "" else value


def parse(name: str, text: str, like: T) -> T:
    """``text`` (the value of ``name``) as the type of ``like``: bool, int, float or str."""
    if isinstance(like, bool):
        value = text.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {text!r}")
    if isinstance(like, int):
        try:
            return int(text.strip())
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be an integer, got {text!r}") from exc
    if isinstance(like, float):
        try:
            return float(text.strip())
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be a number, got {text!r}") from exc
    return text


def env_str(name: str, default: str = "") -> str:
    value = raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = raw(name)
    return default if value is None else parse(name, value, default)


def env_int(name: str, default: int) -> int:
    value = raw(name)
    return default if value is None else parse(name, value, default)


def env_float(name: str, default: float) -> float:
    value = raw(name)
    return default if value is None else parse(name, value, default)


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_int_mapping(name: str, *, minimum: int = 0) -> dict[str, int]:
    """``key=number,key=number`` (e.g. ``PRIVACY_RETENTION=ride_exact_places=14,notifications=90``)
    as a dict; every number a whole number of at least ``minimum``, every key given once."""
    result: dict[str, int] = {}
    for item in env_list(name):
        key, sep, number = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ImproperlyConfigured(f"{name} must be a list of key=number pairs, got {item!r}")
        value = parse(f"{name} ({key})", number, 0)
        if value < minimum:
            raise ImproperlyConfigured(f"{name} ({key}) must be at least {minimum}, got {value}")
        if key in result:
            raise ImproperlyConfigured(f"{name} names {key!r} twice")
        result[key] = value
    return result
