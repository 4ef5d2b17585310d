"""Background jobs of the journey planner."""

from celery import shared_task


@shared_task(name="journeys.precompile_timetables")
def timetables_precompile_task() -> list[str]:
    """Compile today's and the next days' timetables of the active feeds (see ``warmup``)."""
    from .warmup import timetables_precompile

    return [day.isoformat() for day in timetables_precompile()]


def schedule_timetables_precompile() -> None:
    """On a feed switch: once it commits, forget the cached active versions again (so every
    worker plans on the new ones from the next search) and compile the new timetables in the
    background. Nothing is scheduled when ``JOURNEYS_PRECOMPILE_DAYS`` is 0; the cached active
    versions then expire by their short lifetime (``gtfs.selectors.ACTIVE_VERSIONS_TTL_S``)."""
    from django.db import transaction

    from gtfs.selectors import active_versions_forget

    from .warmup import precompile_days

    def switched() -> None:
        active_versions_forget()
        timetables_precompile_task.delay()

    if precompile_days() > 0:
        transaction.on_commit(switched)
