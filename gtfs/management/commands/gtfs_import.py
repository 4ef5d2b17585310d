"""``manage.py gtfs_import PATH --name NAME [--kind transit|community_bus]``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gtfs import import_progress
from gtfs.feed_import import FeedRefused, feed_import
from gtfs.models import FeedKind
from mobility.errors import DomainError

#: The steps ``feed_import`` itself reports: all of the import's steps but the task's own
#: ("queued", "started" before it, "finished" after it). One list with the console's progress.
STEPS = tuple(s for s in import_progress.STEPS if s not in ("queued", "started", "finished"))


class Command(BaseCommand):
    help = (
        "Import a GTFS zip as the new active version of a feed. The feed is validated first; "
        "errors refuse it and leave the previous version active. Importing the same file "
        "again does nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="path of the GTFS zip file")
        parser.add_argument("--name", required=True, help="feed name, e.g. 'VVS' or 'Bürgerbus'")
        parser.add_argument(
            "--kind",
            choices=FeedKind.values,
            default=FeedKind.TRANSIT,
            help="transit (default) or community_bus (the Bürgerbus, editable and bookable)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        bar = tqdm(total=len(STEPS), desc="gtfs import", unit="step", disable=options["no_progress"])

        def progress(label: str) -> None:
            bar.set_postfix_str(label)
            bar.update(1)

        try:
            result = feed_import(path=options["path"], name=options["name"], kind=options["kind"], progress=progress)
        except FeedRefused as exc:
            bar.close()
            for problem in exc.problems:
                self.stderr.write(json.dumps(problem, ensure_ascii=False))
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        except DomainError as exc:
            bar.close()
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        bar.update(bar.total - bar.n)
        bar.close()
        if not result.created:
            self.stdout.write(
                f"Unchanged: feed {result.feed.name!r} already has this content (version {result.version.pk})."
            )
            return
        for warning in result.warnings:
            self.stderr.write(json.dumps(warning, ensure_ascii=False))
        stats = ", ".join(f"{v} {k}" for k, v in result.version.stats.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported feed {result.feed.name!r} version {result.version.pk}: {stats}; "
                f"{len(result.warnings)} warning(s); valid {result.version.valid_from} .. {result.version.valid_to}"
            )
        )
