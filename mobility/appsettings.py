"""App settings: Django settings first, then the environment variable of the same name, then
the app's default. Read at call time, so tests can override them with the settings fixture.

Only the apps' ``conf`` modules call ``app_setting``; the rest of an app asks its ``conf``
module (``carsharing.conf.get(...)``, ``rides.conf.max_snap_m()``) or, for the project's own
settings, ``django.conf.settings.X``. The environment is read and typed by ``mobility.env``.
"""

from __future__ import annotations

from django.conf import settings

from mobility.env import T, parse, raw


def app_setting(name: str, default: T) -> T:
    """``settings.<name>`` if set, else the environment variable ``name`` as the type of
    ``default`` (``ImproperlyConfigured`` when it is not of that form), else ``default``."""
    if hasattr(settings, name):
        return getattr(settings, name)
    text = raw(name)
    return default if text is None else parse(name, text, default)
