"""How apps take part in export, erasure and retention.

An app that stores personal data has a ``<app>/privacy.py`` module with any of:

- ``export_personal_data(user) -> dict``: everything the app holds about ``user``, as JSON
  types (GDPR Art. 15 and 20);
- ``erase_personal_data(user) -> dict``: erase or replace personal fields; keep only what
  statistics and bookkeeping need; returns counts for the erasure summary (Art. 17);
- ``RETENTION_RULES: list[RetentionRule]``: data that must be coarsened or removed after
  some days (see ``mobility.privacy.retention``).

The modules are found by name in INSTALLED_APPS order, like admin modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps


def app_modules(module_name: str) -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for every installed app with a module ``<app>.<module_name>`` (how
    the core finds what the apps offer without importing them); an error inside one is raised."""
    for config in apps.get_app_configs():
        name = f"{config.name}.{module_name}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        yield config.label, module


def privacy_modules() -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for every installed app with a ``privacy`` module."""
    return app_modules("privacy")
