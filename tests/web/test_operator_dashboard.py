"""The operator's dashboard: this month against the last, from the anonymised statistics;
exports and charts one click away, operator only."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from django.conf import settings
from django.utils import timezone

from stats.models import SearchLog
from stats.services import search_log_entry
from tests.factories import UserFactory
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db


def _searches(day, *, unmet: int, met: int) -> None:
    tz = ZoneInfo(settings.TIME_ZONE)
    entries = [
        search_log_entry(
            origin_lat=50.15,
            origin_lon=9.90,
            dest_lat=50.20,
            dest_lon=9.95,
            when=datetime.combine(day, time(8, 0), tzinfo=tz),
            results=0 if n < unmet else 2,
            modes=["bus"],
        )
        for n in range(unmet + met)
    ]
    SearchLog.objects.bulk_create(entries)


def _row(html: str, label: str) -> list[str]:
    match = re.search(r"<th scope=\"row\">" + re.escape(label) + r"</th>(.*?)</tr>", html, re.S)
    assert match, label
    return [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", match.group(1), re.S)]


def test_key_figures_this_month_against_the_last():
    today = timezone.localdate()
    this_first = today.replace(day=1)
    last_day = (this_first - timedelta(days=1)).replace(day=10)
    _searches(last_day, unmet=8, met=6)
    _searches(this_first, unmet=13, met=5)
    client = signed_in(UserFactory(is_operator=True))
    html = client.get("/betrieb/").content.decode()
    assert _row(html, "Unerfüllte Nachfrage: Suchen ohne Ergebnis") == ["8", "13", "+5"]
    # nothing booked: zero is a count, not a secret
    assert _row(html, "Bürgerbus: Fahrgäste (gebuchte Plätze)") == ["0", "0", "0"]
    # no car in service: no utilisation to state
    assert _row(html, "Carsharing: Auslastung") == [
        '<span class="suppressed">keine Angabe</span>',
        '<span class="suppressed">keine Angabe</span>',
        '<span class="suppressed">keine Angabe</span>',
    ]


def test_small_counts_are_not_shown():
    today = timezone.localdate()
    _searches(today.replace(day=1), unmet=3, met=9)
    html = signed_in(UserFactory(is_operator=True)).get("/betrieb/").content.decode()
    assert _row(html, "Unerfüllte Nachfrage: Suchen ohne Ergebnis")[1:] == [
        '<span class="suppressed">keine Angabe</span>',
        '<span class="suppressed">keine Angabe</span>',
    ]


def test_exports_are_the_anonymised_tables():
    today = timezone.localdate()
    this_first = today.replace(day=1)
    _searches(this_first, unmet=13, met=5)
    client = signed_in(UserFactory(is_operator=True))
    html = client.get("/betrieb/").content.decode()
    links = re.findall(r'href="(/betrieb/export/\?[^"]+)"', html)
    assert len(links) == 5 * 3  # five sections (with the Mitfahrbank), CSV/XLSX/Parquet
    csv_link = next(link.replace("&amp;", "&") for link in links if "section=searches" in link and "format=csv" in link)
    response = client.get(csv_link)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="stats-searches-none-month-')
    table = pd.read_csv(io.BytesIO(response.content))
    row = table[table["period"] == this_first.isoformat()].iloc[0]
    assert (int(row["searches"]), int(row["unmet"])) == (18, 13)
    parquet = client.get(csv_link.replace("format=csv", "format=parquet"))
    frame = pd.read_parquet(io.BytesIO(parquet.content))
    assert int(frame.loc[frame["period"] == this_first.isoformat(), "unmet"].iloc[0]) == 13


def test_export_and_chart_refuse_bad_parameters_without_500():
    client = signed_in(UserFactory(is_operator=True))
    assert client.get("/betrieb/export/?section=people&format=csv&from=2026-01-01&to=2026-02-01").status_code == 404
    assert client.get("/betrieb/export/?section=searches&format=exe&from=2026-01-01&to=2026-02-01").status_code == 404
    assert client.get("/betrieb/export/?section=searches&format=csv&from=gestern&to=2026-02-01").status_code == 404
    assert client.get("/betrieb/export/?section=searches&format=csv&from=2026-03-01&to=2026-02-01").status_code == 400
    assert client.get("/betrieb/diagramme/pie.svg?from=2026-01-01&to=2026-02-01").status_code == 404
    chart = client.get("/betrieb/diagramme/monthly-trend.svg?from=2026-01-01&to=2026-02-28")
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
    assert chart.content.lstrip().startswith(b"<?xml") and b"<svg" in chart.content


def test_residents_and_staff_cannot_download_exports():
    path = "/betrieb/export/?section=searches&format=csv&from=2026-01-01&to=2026-02-01"
    assert signed_in(UserFactory()).get(path).status_code == 403
    assert (
        signed_in(UserFactory()).get("/betrieb/diagramme/monthly-trend.svg?from=2026-01-01&to=2026-02-01").status_code
        == 403
    )


def test_figures_are_recomputed_at_most_every_five_minutes(monkeypatch):
    from web.views import operator as dashboard_view

    today = timezone.localdate()
    _searches(today.replace(day=1), unmet=6, met=0)
    client = signed_in(UserFactory(is_operator=True))
    html = client.get("/betrieb/").content.decode()
    assert _row(html, "Unerfüllte Nachfrage: Suchen ohne Ergebnis")[1] == "6"
    assert "die Zahlen werden höchstens alle 5 Minuten neu berechnet" in html
    _searches(today.replace(day=1), unmet=4, met=0)
    html = client.get("/betrieb/").content.decode()
    assert _row(html, "Unerfüllte Nachfrage: Suchen ohne Ergebnis")[1] == "6"  # the cached figures
    from django.core.cache import cache

    cache.delete(f"operator-dashboard:{today.isoformat()}")  # as after five minutes
    html = client.get("/betrieb/").content.decode()
    assert _row(html, "Unerfüllte Nachfrage: Suchen ohne Ergebnis")[1] == "10"
    assert dashboard_view.DASHBOARD_CACHE_S == 300


def test_the_dashboard_links_the_councils_monthly_report_as_pdf():
    today = timezone.localdate()
    this_first = today.replace(day=1)
    last_first = (this_first - timedelta(days=1)).replace(day=1)
    _searches(last_first, unmet=13, met=5)
    client = signed_in(UserFactory(is_operator=True))
    html = client.get("/betrieb/").content.decode()
    links = re.findall(r'href="(/betrieb/bericht/[^"]+)"', html)
    assert links == [f"/betrieb/bericht/{last_first:%Y-%m}.pdf", f"/betrieb/bericht/{this_first:%Y-%m}.pdf"]
    response = client.get(links[0])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="mobilitaetsbericht-{last_first:%Y-%m}.pdf"'
    assert response.content.startswith(b"%PDF-") and "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    # a month that is not a month, or lies in the future: 404, never a 500
    next_month = (this_first + timedelta(days=32)).replace(day=1)
    for bad in ("2026-13", "gestern", f"{next_month:%Y-%m}", "1999-12"):
        assert client.get(f"/betrieb/bericht/{bad}.pdf").status_code == 404, bad
    # staff and residents do not get it
    assert signed_in(UserFactory(is_town_staff=True)).get(links[0]).status_code == 403
    assert signed_in(UserFactory()).get(links[0]).status_code == 403


def test_every_chart_has_a_german_caption_not_its_internal_name():
    from stats.charts import CHARTS

    html = signed_in(UserFactory(is_operator=True)).get("/betrieb/").content.decode()
    captions = re.findall(r"<figcaption>([^<]+)</figcaption>", html)
    assert len(captions) == len(CHARTS) + 1  # and the unmet-demand map
    assert "Unerfüllte Nachfrage je Zone" in captions
    assert "Bürgerbus: Fahrgäste je Linie" in captions and "Unerfüllte Nachfrage" in captions
    assert not set(captions) & set(CHARTS)  # no "unmet-demand" shown to a person


def test_the_unmet_demand_map_with_its_table_and_downloads():
    from stats.domain.zones import zone_code

    today = timezone.localdate()
    this_first = today.replace(day=1)
    last_first = (this_first - timedelta(days=1)).replace(day=1)
    _searches(last_first, unmet=8, met=6)
    _searches(this_first, unmet=13, met=5)
    client = signed_in(UserFactory(is_operator=True))
    html = client.get("/betrieb/").content.decode()
    this_last = (this_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    query = f"from={last_first:%Y-%m-%d}&amp;to={this_last:%Y-%m-%d}"
    assert f'<img src="/betrieb/nachfrage-karte.png?{query}"' in html
    assert "Karte der unerfüllten Nachfrage nach Zonen. Die Zahlen stehen in der Tabelle darunter." in html
    # the text alternative: one zone, 14 + 18 searches, 21 without a result (nothing logged as poor)
    zone = zone_code(50.15, 9.90)
    assert _row(html, zone) == ["–", "32", "21", "66 %"]
    assert "mehr als 2 Umstiege, oder mindestens 3-mal so lange wie mit dem Auto" in html
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="(/betrieb/nachfrage-karte\.[^"]+)"', html)]
    assert [link.split("?")[0] for link in links] == [
        "/betrieb/nachfrage-karte.geojson",
        "/betrieb/nachfrage-karte.gpkg",
        "/betrieb/nachfrage-karte.png",
    ]
    geojson = client.get(links[0])
    assert geojson.status_code == 200 and geojson["Content-Type"] == "application/geo+json"
    assert [f["properties"]["unmet"] for f in geojson.json()["features"]] == [21]
    gpkg = client.get(links[1])
    assert gpkg.status_code == 200 and gpkg["Content-Disposition"].startswith('attachment; filename="unerfuellte-')
    png = client.get(links[2])
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG") and "attachment" in png["Content-Disposition"]
    # bad input: 404 or 400, never a 500; residents and staff: 403
    assert client.get("/betrieb/nachfrage-karte.shp?from=2026-01-01&to=2026-01-31").status_code == 404
    assert client.get("/betrieb/nachfrage-karte.png?from=gestern&to=2026-01-31").status_code == 404
    assert client.get("/betrieb/nachfrage-karte.geojson?from=2026-03-01&to=2026-01-31").status_code == 400
    assert signed_in(UserFactory()).get(links[0]).status_code == 403
    assert signed_in(UserFactory(is_town_staff=True)).get(links[0]).status_code == 403


def test_the_map_image_is_drawn_at_most_every_five_minutes(monkeypatch):
    from web.views import operator as dashboard_view

    calls = []

    def draw(*, first, last, fmt):
        calls.append((first, last, fmt))
        return b"\x89PNG fake"

    monkeypatch.setattr(dashboard_view, "unmet_map_render", draw)
    client = signed_in(UserFactory(is_operator=True))
    path = "/betrieb/nachfrage-karte.png?from=2026-01-01&to=2026-01-31"
    assert client.get(path).content == b"\x89PNG fake"
    assert client.get(path).content == b"\x89PNG fake"
    assert len(calls) == 1  # the second came from the cache
    client.get(path, HTTP_ACCEPT_LANGUAGE="en")  # another language: drawn again
    client.get(path.replace("01-31", "01-30"))  # another range: drawn again
    assert len(calls) == 3
