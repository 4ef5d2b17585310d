"""The demo's year of history, the German charts and the council's monthly PDF report."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from stats.charts import CHART_REPORTS, CHARTS, chart_figure, chart_render, range_text
from stats.monthly_report import monthly_figures, monthly_report_pdf
from tests.demo_region import demo  # noqa: F401  (fixture)

PDF_MAGIC = b"%PDF-"


def _last_full_year() -> tuple[date, date]:
    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, last


def _svg_texts(svg: bytes) -> str:
    root = ET.fromstring(svg)
    return " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


@pytest.mark.slow
def test_every_demo_chart_shows_a_year_with_data_in_german(demo, client_for, tmp_path):  # noqa: F811
    from carsharing.models import Reservation
    from gtfs.models import BuergerbusBooking
    from mobility.accounts.models import User
    from rides.models import RideBooking
    from stats.models import SearchLog

    history = User.objects.filter(email__startswith="einwohner-")
    assert history.count() == 40 and not any(u.has_usable_password() for u in history)
    first, last = _last_full_year()
    in_range = {"start__date__gte": first, "start__date__lte": last}
    assert Reservation.objects.filter(kind="official", status="settled", **in_range).count() > 200
    assert Reservation.objects.filter(kind="member", status="settled", **in_range).count() > 600
    assert RideBooking.objects.filter(status="confirmed", pickup_time__date__gte=first).count() > 600
    assert BuergerbusBooking.objects.filter(status="confirmed", service_date__gte=first).count() > 1500
    assert SearchLog.objects.filter(results=0).count() > 1000

    staff = User.objects.get(email="stefan@demo.lindenau.example")
    client = client_for(staff)
    for name in CHARTS:
        # Not empty: every month of the year holds published figures (no month suppressed or without data).
        figure = chart_figure(name, first, last)
        ax = figure.axes[0]
        if name == "utilisation-heatmap":
            grid = ax.images[0].get_array()
            assert grid.count() == 168 and grid.max() > 10  # every hour of the week published, busy hours
        else:
            heights = [patch.get_height() for patch in ax.patches if patch.get_hatch() is None]
            labels = [tick.get_text() for tick in ax.get_xticklabels()]
            assert len(labels) == 12 and sum(h > 0 for h in heights) >= 12, (name, heights)
            assert not any("ausgeblendet" in label or "keine" in label for label in labels), (name, labels)
            assert ax.get_ylim()[0] == 0  # counts never go below zero
        svg = client.get(f"/api/v1/stats/charts/{name}.svg", {"from": first, "to": last})
        assert svg.status_code == 200 and svg["Content-Language"] == "de"
        texts = _svg_texts(svg.content)
        assert "Gemeinde Lindenau" in texts and range_text(first, last) in texts, texts
        assert not re.search(r"\b(trips|booked|members|searches|hidden|hour of)\b", texts), texts
        english = _svg_texts(client.get(f"/api/v1/stats/charts/{name}.svg", {"from": first, "to": last},
                                        HTTP_ACCEPT_LANGUAGE="en").content)  # fmt: skip
        assert "Lindenau" in english and not re.search(r"\b(Fahrten|gebuchte|Suchen|ausgeblendet)\b", english)
    trend = _svg_texts(client.get("/api/v1/stats/charts/monthly-trend.svg", {"from": first, "to": last}).content)
    assert "Carsharing: gebuchte Stunden je Monat" in trend and "Dienstfahrten" in trend
    assert re.search(r"\d+ Fahrten", trend)  # the number of trips behind each month

    month = last.replace(day=1)
    figures = monthly_figures(month=month)
    assert set(figures) == {"carsharing", "buergerbus", "rides", "searches"}
    for section, sentences in figures.items():
        assert len(sentences) == 2, (section, sentences)
        assert "ausgeblendet" not in " ".join(sentences), (section, sentences)
    assert figures["carsharing"][1].startswith("Dienstfahrten der Gemeindeverwaltung machten ")
    response = client.get("/api/v1/stats/monthly-report/", {"month": f"{month:%Y-%m}"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(PDF_MAGIC)
    if shutil.which("pdftotext"):  # poppler-utils; CI installs it
        pdf = tmp_path / "bericht.pdf"
        pdf.write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert text.count("\f") == 5  # title page + four topics
        for heading in (
            "Mobilitätsbericht",
            "Carsharing: Auslastung und Dienstfahrten",
            "Bürgerbus: Fahrgäste je Linie",
            "Mitfahrgelegenheiten: Vermittlungen",
            "Ungedeckter Bedarf",
        ):
            assert heading in text, heading
        assert figures["searches"][0].split(";")[0] in " ".join(text.split())


def test_charts_name_what_where_and_when_and_explain_suppressed_months(db):
    """A month with a few trips is hidden and says why; a month without trips is shown as such."""
    from carsharing.models import Station, Vehicle, VehicleType
    from tests.factories import UserFactory
    from tests.stats.conftest import at, reserve

    station = Station.objects.create(name="Markt", lat=51.0, lon=12.0)
    kind = VehicleType.objects.create(name="Kompakt", seats=5, propulsion="electric", range_km=300)
    car = Vehicle.objects.create(plate="LD-X 1", vehicle_type=kind, station=station)
    people = [UserFactory(email=f"p{n}@example.org") for n in range(8)]
    for n in range(6):  # January: 6 trips, hidden as the complement of April (else April = total - rest)
        reserve(car, people[n], at(date(2026, 1, 5) + timedelta(days=n), 10), 2)
    for n in range(8):  # February: 8 trips, published
        reserve(car, people[n], at(date(2026, 2, 5) + timedelta(days=n), 10), 2)
    for n in range(2):  # March: none; April: 2 trips, hidden
        reserve(car, people[n], at(date(2026, 4, 6) + timedelta(days=n), 10), 2)
    with translation.override("de"):
        figure = chart_figure("monthly-trend", date(2026, 1, 1), date(2026, 4, 30))
        ax = figure.axes[0]
        labels = [tick.get_text() for tick in ax.get_xticklabels()]
        assert labels == ["Jan. 26\nausgeblendet", "Feb. 26\n8\nFahrten", "März 26\nkeine", "Apr. 26\nausgeblendet"]
        assert ax.get_title(loc="left") == (
            "Carsharing: gebuchte Stunden je Monat – Gemeinde Lindenau, Januar 2026 – April 2026"
        )
        notes = [t.get_text() for t in ax.texts]
        assert notes == ["Schraffiert oder grau: weniger als 5 Fahrten – aus Datenschutzgründen ausgeblendet."]
        assert ax.get_ylim()[0] == 0
        hatched = [p for p in ax.patches if p.get_hatch()]
        assert sorted(round(p.get_x() + p.get_width() / 2) for p in hatched) == [0, 3]  # January and April
        assert range_text(date(2026, 1, 1), date(2026, 1, 31)) == "Januar 2026"
        assert range_text(date(2026, 1, 2), date(2026, 1, 31)) == "Fr., 2. Jan. 2026 – Sa., 31. Jan. 2026"
        png = chart_render(name="monthly-trend", fmt="png", first=date(2026, 1, 1), last=date(2026, 4, 30))
        assert png.startswith(b"\x89PNG")
        # The report on April looks at May 2025 - April 2026: April is hidden (2 trips).
        assert monthly_figures(month=date(2026, 4, 1))["carsharing"] == [
            "Für April 2026 sind diese Zahlen ausgeblendet: weniger als 5 Fahrten – "
            "aus Datenschutzgründen ausgeblendet."
        ]
        # The report on January looks at February 2025 - January 2026: January alone, published.
        january = monthly_figures(month=date(2026, 1, 1))["carsharing"]
        assert january[0] == (
            "Im Januar 2026 waren die Autos der Gemeinde zu 1,6\u202f% der Zeit gebucht (6 Fahrten). "
            "Im Vormonat waren es 0,0\u202f%."
        )
        assert january[1] == (
            "Dienstfahrten der Gemeindeverwaltung machten 0,0\u202f% der gebuchten Stunden aus "
            "(0 Dienstfahrten, 6 Fahrten von Mitgliedern)."
        )
    assert set(CHART_REPORTS) == set(CHARTS)


def test_stats_report_command_writes_a_pdf_and_refuses_a_bad_month(db, tmp_path):
    out = tmp_path / "bericht.pdf"
    err = io.StringIO()
    call_command("stats_report", "--month", "2026-11", "--out", str(out), stderr=err)
    body = out.read_bytes()
    assert body.startswith(PDF_MAGIC) and b"%%EOF" in body[-64:]
    assert "report for 2026-11 written to" in err.getvalue()
    again = tmp_path / "again.pdf"
    call_command("stats_report", "--month", "2026-11", "--out", str(again), stderr=io.StringIO())
    assert again.read_bytes() == body  # no creation date: the same data gives the same file
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a month"):
        call_command("stats_report", "--month", "November", "--out", str(tmp_path / "x.pdf"))
    assert monthly_report_pdf(month=date(2026, 2, 1)).startswith(PDF_MAGIC)


def test_monthly_report_api_checks_the_month(db, client_for, otto, alice):
    client = client_for(otto)
    assert client.get("/api/v1/stats/monthly-report/", {"month": "2026-13"}).json()["error"]["code"] == "invalid_query"
    assert client.get("/api/v1/stats/monthly-report/", {"month": "0001-01"}).status_code == 400
    assert client.get("/api/v1/stats/monthly-report/").status_code == 400
    assert client_for(alice).get("/api/v1/stats/monthly-report/", {"month": "2026-11"}).status_code == 403
    ok = client.get("/api/v1/stats/monthly-report/", {"month": "2026-11"})
    assert (
        ok.status_code == 200 and ok["Content-Disposition"] == 'attachment; filename="mobilitaetsbericht-2026-11.pdf"'
    )
