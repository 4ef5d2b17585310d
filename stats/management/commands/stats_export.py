"""``manage.py stats_export``: the anonymised usage statistics (or a chart) into a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mobility.errors import DomainError
from stats import conf
from stats.charts import CHARTS, chart_render
from stats.charts import FORMATS as CHART_FORMATS
from stats.domain.periods import PERIODS
from stats.exporters import FORMATS, render
from stats.selectors.reports import SECTIONS, report_build, report_query
from stats.selectors.unmet_map import SIDES, unmet_map
from stats.unmet_exports import FORMATS as MAP_FORMATS
from stats.unmet_exports import render_unmet
from stats.unmet_map_chart import unmet_map_render

KINDS = ("table", "unmet-map")

STEPS = {"carsharing": 3, "rides": 2, "buergerbus": 2, "searches": 2, "benches": 2}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from exc


class Command(BaseCommand):
    help = (
        "Export anonymised usage statistics (no ids, names or places; cells counting 1-4 people "
        "or trips suppressed, with complementary suppression) as CSV, XLSX, Parquet or JSON, "
        "or draw a chart (PNG/SVG); --kind unmet-map: the unmet demand per zone as GeoJSON, GeoPackage or a "
        "PNG map. Example: manage.py stats_export --period month "
        "--from 2026-01-01 --to 2026-12-31 --section carsharing --by vehicle --format xlsx --out report.xlsx"
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="first local date, YYYY-MM-DD (included)")
        parser.add_argument("--to", dest="last", required=True, help="last local date, YYYY-MM-DD (included)")
        parser.add_argument("--period", choices=PERIODS, default="month", help="rows per day, week, month or all")
        parser.add_argument("--section", choices=list(SECTIONS), default="carsharing", help="which figures")
        parser.add_argument(
            "--by",
            default="none",
            help="breakdown: carsharing none|vehicle|station|hour_of_week; rides none|hour_of_week; "
            "buergerbus none|line|trip; searches none|zone_pair",
        )
        parser.add_argument(
            "--kind",
            choices=KINDS,
            default="table",
            help="table (or --chart); unmet-map: searches without a good option per zone (geojson, gpkg, png, svg)",
        )
        parser.add_argument(
            "--side",
            choices=SIDES,
            default="origin",
            help="unmet-map: count a search in the zone it started from (origin) or went to (destination)",
        )
        parser.add_argument(
            "--format",
            choices=sorted({*FORMATS, *CHART_FORMATS, *MAP_FORMATS}),
            help="default: from --out's extension",
        )
        parser.add_argument("--chart", choices=CHARTS, help="draw this chart instead of exporting a table")
        parser.add_argument("--out", required=True, help="output file ('-' = stdout for csv/json)")
        parser.add_argument(
            "--csv-delimiter",
            choices=[",", ";"],
            default=",",
            help="';' for German Excel: decimal commas, German headers with units (UTF-8 with BOM either way)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        first, last = _date(options["first"]), _date(options["last"])
        out = options["out"]
        fmt = options["format"] or (Path(out).suffix.lstrip(".").lower() if out != "-" else "csv")
        show = not options["no_progress"]
        try:
            if options["kind"] == "unmet-map":
                if options["chart"]:
                    raise CommandError("--chart draws a chart; leave it out with --kind unmet-map")
                if fmt in CHART_FORMATS:
                    body = unmet_map_render(first=first, last=last, fmt=fmt, side=options["side"])
                elif fmt in MAP_FORMATS:
                    body = render_unmet(unmet_map(first=first, last=last, side=options["side"]), fmt)
                else:
                    raise CommandError(f"the unmet-demand map is geojson, gpkg, png or svg, not {fmt!r}")
            elif options["chart"]:
                if fmt not in CHART_FORMATS:
                    raise CommandError(f"charts are png or svg, not {fmt!r}")
                report_query(section="carsharing", by="none", period="month", first=first, last=last)
                with tqdm(total=1, desc=options["chart"], disable=not show, file=self.stderr._out) as bar:
                    body = chart_render(name=options["chart"], fmt=fmt, first=first, last=last)
                    bar.update(1)
            else:
                if fmt not in FORMATS:
                    raise CommandError(f"tables are {', '.join(FORMATS)}, not {fmt!r}")
                query = report_query(
                    section=options["section"], by=options["by"], period=options["period"], first=first, last=last
                )
                with tqdm(
                    total=STEPS[query.section] + 1, desc=query.section, disable=not show, file=self.stderr._out
                ) as bar:

                    def progress(message: str) -> None:
                        bar.set_postfix_str(message)
                        bar.update(1)

                    report = report_build(query, progress=progress)
                    bar.set_postfix_str(f"writing {fmt}")
                    body = render(report, fmt, int(conf.get("STATS_MIN_CELL")), delimiter=options["csv_delimiter"])
                    bar.update(bar.total - bar.n)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if out == "-":
            if fmt not in ("csv", "json", "geojson"):
                raise CommandError("only csv, json and geojson can go to stdout")
            self.stdout.write(body.decode("utf-8-sig"), ending="")  # no BOM in a terminal
            return
        Path(out).write_bytes(body)
        if options["kind"] == "unmet-map":
            self.stderr.write(f"unmet-demand map written to {out}")
        elif not options["chart"]:
            self.stderr.write(f"{len(report.table)} lines ({report.suppressed_cells} suppressed) written to {out}")
        else:
            self.stderr.write(f"chart written to {out}")
