"""Background jobs: run an uploaded feed's import."""

from celery import shared_task


@shared_task(name="gtfs.import_feed")
def gtfs_import_task(import_id: int) -> None:
    from .feed_import import import_record_run

    import_record_run(import_id=import_id)
