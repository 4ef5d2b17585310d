"""Retention: personal data is coarsened or removed after a number of days per category.

Apps declare ``RETENTION_RULES`` in their ``privacy`` module. The days come from
``settings.PRIVACY_RETENTION_DAYS`` (env ``PRIVACY_RETENTION``, e.g.
``ride_exact_places=14,notifications=90``) or the rule's default. ``run_retention`` is called
daily by Celery beat and by ``manage.py privacy_retention`` (``--dry-run`` shows what it
would do without changing anything).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .registry import privacy_modules


@dataclass(frozen=True)
class RetentionRule:
    """``apply(cutoff, dry_run)`` handles everything older than ``cutoff`` and returns a count."""

    category: str
    description: str
    default_days: int
    apply: Callable[[datetime, bool], int]


@dataclass(frozen=True)
class RetentionOutcome:
    category: str
    description: str
    days: int
    cutoff: datetime
    affected: int


def retention_rules() -> list[RetentionRule]:
    rules: list[RetentionRule] = []
    for _, module in privacy_modules():
        rules.extend(getattr(module, "RETENTION_RULES", []))
    return rules


def retention_days(rule: RetentionRule) -> int:
    return int(settings.PRIVACY_RETENTION_DAYS.get(rule.category, rule.default_days))


def run_retention(*, now: datetime | None = None, dry_run: bool = False) -> list[RetentionOutcome]:
    """Apply every rule once; each rule runs in its own transaction."""
    now = now or timezone.now()
    outcomes = []
    for rule in retention_rules():
        days = retention_days(rule)
        cutoff = now - timedelta(days=days)
        with transaction.atomic():
            affected = rule.apply(cutoff, dry_run)
        outcomes.append(RetentionOutcome(rule.category, rule.description, days, cutoff, affected))
    return outcomes
