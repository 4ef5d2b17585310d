"""Benchmark: server time of every operator console page on the demo region.

``python -m benchmarks.operator_pages [--runs N]``

The demo region as ``make run`` builds it (``migrate`` + ``manage.py demo``, SQLite in a
temporary directory, the in-memory channel layer, eager Celery), plus one GTFS upload
(``../shared/data/gtfs/vvs-bus-752.zip``) so the timetable pages have an import to show.
The Bürgerbus editor's edit and delete pages (and the stop position hint) are timed for the
demo's first stop, line and trip. Every page is requested as the demo operator through
Django's full middleware stack in this process (no network: the time is the server's own)
``--runs`` times after two warm-ups.

* ours  = each page's p50 / p95 in ms; the budget is p95 <= 150 ms per page (issue 16).
* floor = ``/healthz`` through the same stack (no template, no database).
* peer  = ``/api/v1/stats/report/`` (JSON) for one of the dashboard's four sections: the
  dashboard builds four such tables, so its p95 against 4 x this p95 is what the page adds.
* ``loadavg`` = the machine's 1/5/15-minute load averages at the end of the run (the figures
  are only comparable between runs on a similarly loaded machine).

``OPERATOR_PAGES`` / ``operator_pages_setup`` are shared with ``benchmarks.console_pages``.
Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks._demo_site import demo_site

from .web_pages import BUDGET_MS, log, timed

ROOT = Path(__file__).resolve().parents[1]
FEED = ROOT.parent / "shared" / "data" / "gtfs" / "vvs-bus-752.zip"


def operator_pages_setup() -> tuple[object, dict[str, str]]:
    """A client signed in as the demo operator, and the console pages to time (label → path).

    Needs the demo region loaded; uploads one small real GTFS feed through the service (once)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.utils import timezone

    from gtfs.feed_import import import_upload_create
    from gtfs.models import Feed, GtfsImport
    from mobility.accounts.models import User

    olga = User.objects.get(email="olga@demo.lindenau.example")
    record = GtfsImport.objects.filter(feed_name="VVS 752").order_by("-id").first()
    if record is None and FEED.is_file():
        upload = SimpleUploadedFile(FEED.name, FEED.read_bytes(), content_type="application/zip")
        record = import_upload_create(uploaded_file=upload, name="VVS 752", kind="transit", user=olga)
    feed = Feed.objects.order_by("id").first()
    anna = User.objects.get(email="anna@demo.lindenau.example")
    client = Client()
    client.force_login(olga)
    today = timezone.localdate()
    last_first = (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    pages = {
        "/betrieb/": "/betrieb/",
        "/betrieb/fahrplaene/": "/betrieb/fahrplaene/",
        "/betrieb/fahrplaene/<feed>/": f"/betrieb/fahrplaene/{feed.pk}/",
        "/betrieb/buergerbus/": "/betrieb/buergerbus/",
        "/betrieb/buergerbus/haltestellen/": "/betrieb/buergerbus/haltestellen/",
        "/betrieb/buergerbus/fahrten/": "/betrieb/buergerbus/fahrten/",
        "/betrieb/buergerbus/vorschau/": "/betrieb/buergerbus/vorschau/",
        "/betrieb/flotte/": "/betrieb/flotte/",
        "/betrieb/strassennetz/": "/betrieb/strassennetz/",
        "/betrieb/personen/?q=…": "/betrieb/personen/?q=anna&grund=Benchmark",
        "/betrieb/personen/<id>/": f"/betrieb/personen/{anna.pk}/?grund=Benchmark",
        "/betrieb/zugriffsprotokoll/": "/betrieb/zugriffsprotokoll/",
        "/betrieb/export/ (CSV)": (
            f"/betrieb/export/?section=searches&format=csv&from={last_first:%Y-%m-%d}&to={today:%Y-%m-%d}"
        ),
    }
    if record is not None:
        pages["/betrieb/fahrplaene/importe/<id>/"] = f"/betrieb/fahrplaene/importe/{record.pk}/"
    pages.update(_buergerbus_edit_pages())
    return client, pages


def _buergerbus_edit_pages() -> dict[str, str]:
    """The Bürgerbus editor's edit and delete pages for the demo's first stop, line and trip."""
    from gtfs.models import Feed, FeedKind, Route, Stop, Trip

    feed = Feed.objects.filter(kind=FeedKind.COMMUNITY_BUS).order_by("id").first()
    if feed is None or feed.active_version_id is None:
        return {}
    version = feed.active_version_id
    stop = Stop.objects.filter(version_id=version).order_by("name", "id").first()
    line = Route.objects.filter(version_id=version).order_by("short_name", "id").first()
    trip = Trip.objects.filter(version_id=version).order_by("id").first()
    return {
        "/betrieb/buergerbus/haltestellen/<id>/": f"/betrieb/buergerbus/haltestellen/{stop.pk}/",
        "/betrieb/buergerbus/haltestellen/lage/": (
            f"/betrieb/buergerbus/haltestellen/lage/?lat={stop.lat}&lon={stop.lon}"
        ),
        "/betrieb/buergerbus/linien/<id>/": f"/betrieb/buergerbus/linien/{line.pk}/",
        "/betrieb/buergerbus/fahrten/<id>/": f"/betrieb/buergerbus/fahrten/{trip.pk}/",
        "/betrieb/buergerbus/fahrten/<id>/loeschen/": f"/betrieb/buergerbus/fahrten/{trip.pk}/loeschen/",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    demo_site("bench-operator-", log=log)
    from django.test import Client
    from django.utils import timezone

    client, pages = operator_pages_setup()
    results = {}
    for label, path in pages.items():
        p50, p95, status = timed(client, path, args.runs)
        results[label] = {"status": status, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1)}
        log(f"{label}: {status} p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    _, floor_p95, _ = timed(Client(), "/healthz", args.runs)
    today = timezone.localdate()
    last_first = (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    api = f"/api/v1/stats/report/?section=searches&by=none&period=month&from={last_first:%Y-%m-%d}&to={today:%Y-%m-%d}"
    _, peer_p95, peer_status = timed(client, api, args.runs)
    worst_label, worst = max(results.items(), key=lambda item: item[1]["p95_ms"])
    print(
        json.dumps(
            {
                "benchmark": "operator_pages",
                "runs": args.runs,
                "pages": results,
                "worst_page": worst_label,
                "worst_p95_ms": worst["p95_ms"],
                "budget_p95_ms": BUDGET_MS,
                "floor_healthz_p95_ms": round(floor_p95, 2),
                "peer_api_stats_report_p95_ms": round(peer_p95, 1),
                "peer_status": peer_status,
                "all_ok": all(r["status"] == 200 for r in results.values()) and worst["p95_ms"] <= BUDGET_MS,
                "loadavg": [round(load, 2) for load in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
