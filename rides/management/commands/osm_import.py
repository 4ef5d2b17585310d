"""``manage.py osm_import PATH --name NAME``: build a road graph for ride matching."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mobility.errors import DomainError
from rides.services import roadgraph_import


class Command(BaseCommand):
    help = (
        "Import drivable roads from an OpenStreetMap file (.osm.pbf, .osm or .osm.gz) into a compact "
        "road graph cache (largest strongly connected component, one-way streets, travel times from "
        "maxspeed) and make it the active graph for ride-sharing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="OSM file: .osm.pbf, .osm or .osm.gz")
        parser.add_argument("--name", required=True, help="Graph name (a slug); re-importing replaces it")
        parser.add_argument("--inactive", action="store_true", help="Import without making it the active graph")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args, path: Path, name: str, inactive: bool, no_progress: bool, **options):
        if not path.is_file():
            raise CommandError(f"file not found: {path}")
        bar = tqdm(desc="ways", unit=" ways", disable=no_progress, file=self.stderr._out)
        try:
            model = roadgraph_import(path=path, name=name, activate=not inactive, progress=bar.update)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"road graph {model.name!r}: {model.node_count} nodes, {model.edge_count} edges -> {model.path}"
            )
        )
