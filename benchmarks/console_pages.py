"""Benchmark: server time per console page (town-hall staff and operator) on the demo region.

``python -m benchmarks.console_pages [--runs N]``

The demo region as ``make run`` builds it (``migrate`` + ``manage.py demo``, SQLite in a
temporary directory, the in-memory channel layer), then every console page is requested
through Django's full middleware stack in this process (Django's test client: no network,
so the time is the server's own) ``--runs`` times after two warm-up requests, signed in as
the demo staff member (staff pages) or the demo operator (operator pages).

* ours  = each page's p50 / p95 in ms; the budget is p95 <= 150 ms per page (issue 16).
  Pages that write to the access log on every view (the phone desk with a caller, the
  manifest, the membership list) are measured with that write, as staff use them.
* floor = ``/healthz`` through the same stack (no template, no database).
* peer  = ``/meine-fahrten/``, a resident page of the web app that is within the same budget
  (benchmarks.web_pages): a console page should cost about as much.

The manifest PDF is a download, not a page: it is measured and reported, not held to the
page budget. Progress goes to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta

from benchmarks._demo_site import demo_site
from benchmarks.web_pages import BUDGET_MS, log, timed


def staff_pages(day: date) -> dict[str, str]:
    """Label -> path of every staff console page, with the demo's data filled in."""
    from gtfs.selectors_console import buergerbus_lines, line_stops, manifest_trips
    from mobility.accounts.models import User

    anna = User.objects.get(email="anna@demo.lindenau.example")
    line = next(r for r in buergerbus_lines() if r.short_name == "BB1")
    stops = line_stops(route_id=line.pk)
    trip = manifest_trips(service_date=day)[0].trip
    year, week, _ = day.isocalendar()
    journey = f"linie={line.pk}&datum={day.isoformat()}&von={stops[0].pk}&nach={stops[-1].pk}&plaetze=1"
    return {
        "/verwaltung/": "/verwaltung/",
        "/verwaltung/dienstfahrten/neu/": "/verwaltung/dienstfahrten/neu/",
        "/verwaltung/grundlast/": "/verwaltung/grundlast/",
        "/verwaltung/grundlast/?woche=next": f"/verwaltung/grundlast/?woche={year}-W{week:02d}",
        "/verwaltung/telefon/": "/verwaltung/telefon/",
        "/verwaltung/telefon/?suche=": "/verwaltung/telefon/?suche=Anna&grund=Benchmark",
        "/verwaltung/telefon/?anrufer=&journey": f"/verwaltung/telefon/?anrufer={anna.pk}&grund=Benchmark&{journey}",
        "/verwaltung/fahrerlisten/?datum=": f"/verwaltung/fahrerlisten/?datum={day.isoformat()}",
        "/verwaltung/fahrerlisten/<trip>/<day>/": f"/verwaltung/fahrerlisten/{trip.pk}/{day.isoformat()}/",
        "/verwaltung/mitgliedschaften/": "/verwaltung/mitgliedschaften/",
    }


def operator_pages(day: date) -> dict[str, str]:
    """Label -> path of every operator console page (the operator console adds its pages here)."""
    return {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    demo_site("bench-console-", log=log)
    from django.test import Client

    from carsharing import services as carsharing_services
    from mobility.accounts.models import User
    from tests.factories import UserFactory

    # two open membership applications, so the decision page has work on it
    for n in range(2):
        applicant = UserFactory(email=f"bench-applicant-{n}@example.org", display_name=f"Antrag {n}")
        carsharing_services.membership_apply(
            user=applicant, licence_number=f"B0{n}BENCH", licence_expiry=date.today() + timedelta(days=700)
        )

    day = date.today() + timedelta(days=8)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    staff = Client()
    staff.force_login(User.objects.get(email="stefan@demo.lindenau.example"))
    operator = Client()
    operator.force_login(User.objects.get(email="olga@demo.lindenau.example"))
    resident = Client()
    resident.force_login(User.objects.get(email="anna@demo.lindenau.example"))

    pages = [(label, path, staff) for label, path in staff_pages(day).items()]
    pages += [(label, path, operator) for label, path in operator_pages(day).items()]
    results = {}
    for label, path, client in pages:
        p50, p95, status = timed(client, path, args.runs)
        results[label] = {"status": status, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1)}
        log(f"{label}: {status} p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    manifest = staff_pages(day)["/verwaltung/fahrerlisten/<trip>/<day>/"]
    pdf_p50, pdf_p95, pdf_status = timed(staff, manifest + "pdf/", max(5, args.runs // 4))
    log(f"manifest PDF: {pdf_status} p50 {pdf_p50:.1f} ms, p95 {pdf_p95:.1f} ms")
    _, floor_p95, _ = timed(Client(), "/healthz", args.runs)
    _, peer_p95, peer_status = timed(resident, "/meine-fahrten/", args.runs)
    worst_label, worst = max(results.items(), key=lambda item: item[1]["p95_ms"])
    print(
        json.dumps(
            {
                "benchmark": "console_pages",
                "runs": args.runs,
                "pages": results,
                "worst_page": worst_label,
                "worst_p95_ms": worst["p95_ms"],
                "budget_p95_ms": BUDGET_MS,
                "floor_healthz_p95_ms": round(floor_p95, 2),
                "peer_resident_my_trips_p95_ms": round(peer_p95, 1),
                "peer_status": peer_status,
                "manifest_pdf": {"status": pdf_status, "p50_ms": round(pdf_p50, 1), "p95_ms": round(pdf_p95, 1)},
                "all_ok": all(r["status"] == 200 for r in results.values())
                and pdf_status == 200
                and worst["p95_ms"] <= BUDGET_MS,
            }
        )
    )


if __name__ == "__main__":
    main()
