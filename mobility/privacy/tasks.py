from celery import shared_task

from .retention import run_retention


@shared_task(name="privacy.run_retention")
def run_retention_task() -> dict:
    """Daily: apply every retention rule (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
    return {outcome.category: outcome.affected for outcome in run_retention()}
