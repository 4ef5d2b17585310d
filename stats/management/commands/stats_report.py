"""``manage.py stats_report --month 2026-11``: the council's monthly report as one PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from mobility.errors import DomainError
from stats.monthly_report import monthly_report_pdf


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise CommandError(f"not a month (YYYY-MM): {text}") from exc


class Command(BaseCommand):
    help = (
        "Write the monthly report for the council as one PDF (German by default): car-sharing utilisation "
        "and the official-trip share, Bürgerbus passengers per line, ride-sharing matches and unmet demand, "
        "each with a chart of the twelve months up to --month and two sentences. Anonymous: figures resting "
        "on fewer than STATS_MIN_CELL trips are hidden. Example: manage.py stats_report --month 2026-11"
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="the report's month, YYYY-MM")
        parser.add_argument("--out", help="the PDF file (default: mobilitaetsbericht-YYYY-MM.pdf)")
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], default="de", help="default: de"
        )

    def handle(self, *args, **options):
        month = _month(options["month"])
        out = Path(options["out"] or f"mobilitaetsbericht-{month:%Y-%m}.pdf")
        try:
            with translation.override(options["language"]):
                body = monthly_report_pdf(month=month)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        out.write_bytes(body)
        self.stderr.write(f"report for {month:%Y-%m} written to {out} ({len(body)} bytes)")
