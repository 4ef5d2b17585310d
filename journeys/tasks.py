"""Background jobs of the journey planner."""

from celery import shared_task


@shared_task(name="journeys.precompile_timetables")
def timetables_precompile_task() -> list[str]:
    """Compile today's and the next days' timetables of the active feeds (see ``warmup``)."""
    from .warmup import timetables_precompile

    return [day.isoformat() for day in timetables_precompile()]


def schedule_timetables_precompile() -> None:
    """On a feed switch: once it commits, compile the new timetables in the background
    (nothing is scheduled when ``JOURNEYS_PRECOMPILE_DAYS`` is 0)."""
    from django.db import transaction

    from .warmup import precompile_days

    if precompile_days() > 0:
        transaction.on_commit(timetables_precompile_task.delay)
