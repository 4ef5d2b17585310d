"""``manage.py demo``: the fictional municipality of Lindenau, ready to try."""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from mobility.core.models import DemoLoad
from mobility.demo.accounts import DEMO_ACCOUNTS, create_demo_accounts
from mobility.demo.region import build_region_files


class Command(BaseCommand):
    help = (
        "Create the demo region deterministically: demo accounts for every role (printed with their "
        "passwords, demo only), the region's files (roads as OSM XML, a regional bus feed and a Bürgerbus "
        "feed as GTFS, the car-sharing fleet), and each app's demo data. Safe to run again: apps whose "
        "demo data is already loaded are skipped (use --reload to load them again)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", type=Path, default=None, help="Where to write the region's files")
        parser.add_argument("--port", type=int, default=8000, help="Port shown in the printed URLs")
        parser.add_argument("--host", default="127.0.0.1", help="Host shown in the printed URLs")
        parser.add_argument("--reload", action="store_true", help="Run every app's demo loader again")
        parser.add_argument("--files-only", action="store_true", help="Only write the region's files")

    def handle(self, *args, **options) -> None:
        out_dir = options["out"] or Path(settings.DATA_DIR) / "demo"
        files = build_region_files(out_dir)
        if options["files_only"]:
            self.stdout.write(f"Demo files written to {out_dir}")
            return
        base = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS("Lindenau mobility platform (demo)"))
        self.stdout.write(self.style.SUCCESS(f"  Web app (open this):   {base}/"))
        self.stdout.write(f"  API docs (Swagger UI): {base}/api/docs/")
        self.stdout.write(f"  OpenAPI schema:        {base}/api/v1/schema/")
        self.stdout.write(f"  Admin:                 {base}/admin/")
        self.stdout.write(f"  Health:                {base}/healthz  {base}/readyz")
        self.stdout.write("  Demo accounts (demo only; log in at /anmelden/, /api/v1/auth/login/ or /admin/):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"    {account.email:<32} {account.password:<18} {', '.join(account.roles)}")
        with transaction.atomic():
            create_demo_accounts()
        for config in apps.get_app_configs():
            self._load_app(config, files, options["reload"])
        self.stdout.write(f"Demo region files: {out_dir}")

    def _load_app(self, config, files, reload: bool) -> None:
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.demo":
                return
            raise
        loader = getattr(module, "load", None)
        if loader is None:
            return
        if not reload and DemoLoad.objects.filter(app_label=config.label).exists():
            self.stdout.write(f"  {config.label}: demo data already loaded")
            return
        started = time.monotonic()
        loader(files, self.stdout)
        DemoLoad.objects.update_or_create(app_label=config.label)
        self.stdout.write(f"  {config.label}: demo data loaded in {time.monotonic() - started:.1f} s")
