"""Periodic car-sharing jobs (schedule them with Celery beat; see the README):

- ``carsharing.reservations_tick`` every minute: expire holds, mark no-shows.
- ``carsharing.base_load_materialise`` daily: book base-load blocks ahead.
- ``carsharing.payments_reconcile`` hourly: catch up with Stripe.
- ``carsharing.licence_reminders`` daily: remind members of their licence re-check.
"""

from __future__ import annotations

from celery import shared_task

from . import conf, services


@shared_task(name="carsharing.reservations_tick")
def reservations_tick() -> dict[str, int]:
    return services.reservations_tick()


@shared_task(name="carsharing.base_load_materialise")
def base_load_materialise(weeks: int | None = None) -> dict[str, int]:
    return services.base_load_materialise(weeks=weeks)


@shared_task(name="carsharing.payments_reconcile")
def payments_reconcile() -> dict[str, int]:
    if not conf.payments_enabled():
        return {"synced": 0, "retried": 0}
    return services.payments_reconcile()


@shared_task(name="carsharing.licence_reminders")
def licence_reminders() -> int:
    return services.licence_reminders_send()
