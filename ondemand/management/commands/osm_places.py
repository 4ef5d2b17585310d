"""``manage.py osm_places FILE``: suggest meeting points and Bürgerbus stops from an OSM extract."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ondemand.services import osm_places_suggest


class Command(BaseCommand):
    help = (
        "Read Mitfahrbänke, park-and-ride lots and bus stop positions from an OSM extract (.osm, .osm.gz, "
        ".osm.bz2 or .pbf; the same file the road graph comes from) as suggestions staff confirm or reject."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        result = osm_places_suggest(path=file)
        self.stdout.write(
            f"OSM places from {file.name}: {result.created} new, {result.updated} updated, "
            f"{result.unchanged_decided} decided before (kept)\n"
        )
