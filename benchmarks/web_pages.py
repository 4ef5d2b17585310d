"""Benchmark: server time per web page on the demo region, and the bytes each page loads.

``python -m benchmarks.web_pages [--runs N]``

The demo region as ``make run`` builds it (``migrate`` + ``manage.py demo``, SQLite in a
temporary directory, the in-memory channel layer), then every resident page is requested
through Django's full middleware stack in this process (Django's test client: no network,
so the time is the server's own) ``--runs`` times after two warm-up requests.

* ours  = each page's p50 / p95 in ms; the budget is p95 <= 150 ms per page (issue 15).
* floor = ``/healthz`` through the same stack (no template, no database).
* peer  = ``/api/v1/journeys/`` with the same search as the results page: the JSON API does
  the same search, so results-page p95 minus this p95 is what rendering HTML costs.

Also the JavaScript and CSS each page loads, gzip-compressed (budget 150 KB per page).
Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks._demo_site import demo_site

BUDGET_MS = 150.0
ASSET_BUDGET_KB = 150.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(client, path: str, runs: int) -> tuple[float, float, int]:
    for _ in range(2):
        client.get(path)
    samples = []
    status = 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return statistics.median(samples), percentile(samples, 0.95), status


def assets_gzip_kb(client, html: str) -> float:
    """JS and CSS the page loads (script src, stylesheet links), gzip level 6, in KB."""
    from django.contrib.staticfiles import finders

    urls = re.findall(r'<script src="(/static/[^"]+)"', html) + re.findall(
        r'<link rel="stylesheet" href="(/static/[^"]+)"', html
    )
    total = 0
    for url in urls:
        path = finders.find(url.removeprefix("/static/"))
        total += len(gzip.compress(Path(path).read_bytes(), compresslevel=6))
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    demo_site("bench-web-", log=log)
    from django.test import Client

    from mobility.accounts.models import User
    from rides.models import RideOffer

    day = date.today() + timedelta(days=8)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    search = (
        f"origin=Birkenfeld+Dorfplatz&destination=Tannhausen+M%C3%BChle&when=depart&date={day.isoformat()}&time=08%3A30"
    )
    anna = User.objects.get(email="anna@demo.lindenau.example")
    offer = RideOffer.objects.filter(driver=anna).order_by("departure").first()
    anonymous = Client()
    resident = Client()
    resident.force_login(anna)
    pages = {
        "/": anonymous,
        "/anmelden/": anonymous,
        "/registrieren/": anonymous,
        f"/verbindungen/?{search}": anonymous,
        f"/verbindungen/2/?{search}": anonymous,
        f"/verbindungen/?{search} (signed in)": resident,
        "/meine-fahrten/": resident,
        "/fahrt-anbieten/": resident,
        f"/meine-angebote/{offer.pk}/": resident,
        "/konto/": resident,
        "/nachrichten/": resident,
    }
    results = {}
    for label, client in pages.items():
        path = label.removesuffix(" (signed in)")
        p50, p95, status = timed(client, path, args.runs)
        html = client.get(path).content.decode()
        kb = assets_gzip_kb(client, html)
        results[label] = {
            "status": status,
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "assets_gzip_kb": round(kb, 1),
        }
        log(f"{label}: {status} p50 {p50:.1f} ms, p95 {p95:.1f} ms, JS+CSS {kb:.1f} KB gz")
    _, floor_p95, _ = timed(anonymous, "/healthz", args.runs)
    api = (
        f"/api/v1/journeys/?from=stop%3A3&to=stop%3A8&depart_at={day.isoformat()}T08%3A30%3A00%2B01%3A00&window_min=120"
    )
    _, peer_p95, peer_status = timed(anonymous, api, args.runs)
    worst = max(results.values(), key=lambda r: r["p95_ms"])
    heaviest = max(r["assets_gzip_kb"] for r in results.values())
    print(
        json.dumps(
            {
                "benchmark": "web_pages",
                "runs": args.runs,
                "pages": results,
                "worst_p95_ms": worst["p95_ms"],
                "budget_p95_ms": BUDGET_MS,
                "floor_healthz_p95_ms": round(floor_p95, 2),
                "peer_api_journeys_p95_ms": round(peer_p95, 1),
                "peer_status": peer_status,
                "heaviest_assets_gzip_kb": round(heaviest, 1),
                "budget_assets_gzip_kb": ASSET_BUDGET_KB,
                "all_ok": all(r["status"] == 200 for r in results.values())
                and worst["p95_ms"] <= BUDGET_MS
                and heaviest <= ASSET_BUDGET_KB,
            }
        )
    )


if __name__ == "__main__":
    main()
