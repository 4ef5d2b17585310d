from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GtfsConfig(AppConfig):
    name = "gtfs"
    verbose_name = _("Timetables and Bürgerbus")

    def ready(self) -> None:
        # Cache invalidation, not domain flow: every way a feed's active version changes (the
        # import, a rollback, a Bürgerbus timetable edit, the admin) saves a Feed or FeedVersion
        # row, so the cached active versions are dropped here rather than in each of them.
        from django.db.models.signals import post_delete, post_save

        from .models import Feed, FeedVersion

        for model in (Feed, FeedVersion):
            post_save.connect(_forget_active_versions, sender=model, dispatch_uid=f"gtfs-active-{model.__name__}")
            post_delete.connect(_forget_active_versions, sender=model, dispatch_uid=f"gtfs-active-del-{model.__name__}")


def _forget_active_versions(**_kwargs) -> None:
    from .selectors import active_versions_forget

    active_versions_forget()
