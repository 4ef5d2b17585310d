"""The operator console in Chromium, as the demo operator: reads the month's dashboard and
downloads an export and the monthly PDF report, uploads a GTFS file and watches its import, walks every console page
(axe, 44 px targets, no foreign request); residents and staff are turned away."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from stats.charts import CHARTS
from tests.web.browser.conftest import assert_accessible, axe_violations, login, screenshot, small_targets

OLGA = ("olga@demo.lindenau.example", "olga-demo-2026")
ANNA = ("anna@demo.lindenau.example", "anna-demo-2026")
STEFAN = ("stefan@demo.lindenau.example", "stefan-demo-2026")
FEED = Path(__file__).resolve().parents[4] / "shared" / "data" / "gtfs" / "vvs-bus-752.zip"
CONSOLE_PAGES = (
    "/betrieb/",
    "/betrieb/fahrplaene/",
    "/betrieb/buergerbus/",
    "/betrieb/flotte/",
    "/betrieb/strassennetz/",
    "/betrieb/personen/",
    "/betrieb/zugriffsprotokoll/",
)
# downloads and images
NOT_PAGES = ("/betrieb/export/", "/betrieb/diagramme/", "/betrieb/bericht/", "/betrieb/nachfrage-karte.")


def test_operator_reads_the_dashboard_and_downloads_an_export(page, requests_seen):
    login(page, *OLGA, next_path="/betrieb/")
    assert page.url.endswith("/betrieb/")
    assert page.locator("h1").inner_text() == "Übersicht des Monats"
    rows = page.locator("table.key-figures tbody tr")
    assert rows.count() == 5
    unmet = page.locator("table.key-figures tbody tr", has_text="Unerfüllte Nachfrage").locator("td")
    # the demo logs eight weeks of searches, evening ones unmet: last month has a figure
    assert re.fullmatch(r"\d+", unmet.nth(0).inner_text().strip())
    # the charts are drawn by this server (SVG), no request leaves it
    page.wait_for_load_state("networkidle")
    assert page.locator("figure.chart img").count() == len(CHARTS) + 1 == 7  # and the unmet-demand map
    assert all(
        page.evaluate("(img) => img.complete && img.naturalWidth > 0", img.element_handle())
        for img in page.locator("figure.chart img").all()
    )
    assert_accessible(page)
    screenshot(page, "operator-dashboard")
    with page.expect_download() as info:
        page.locator(".export-list li", has_text="Suchen").get_by_role("link", name=re.compile("^CSV")).click()
    download = info.value
    assert download.suggested_filename.startswith("stats-searches-none-month-")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so German Excel reads the umlauts
    assert raw.decode("utf-8-sig").splitlines()[0].startswith("period,")
    # the unmet-demand map for QGIS, as GeoJSON; its zones also as a table
    assert page.locator("table.unmet-zones tbody tr").count() == 6
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("^GeoJSON")).click()
    geojson = info.value
    assert re.fullmatch(r"unerfuellte-nachfrage-\d{8}-\d{8}\.geojson", geojson.suggested_filename)
    assert b'"type": "FeatureCollection"' in Path(geojson.path()).read_bytes()
    # the council's monthly report, one PDF
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^Bericht \d{4}-\d{2} \(PDF\)")).first.click()
    report = info.value
    assert re.fullmatch(r"mobilitaetsbericht-\d{4}-\d{2}\.pdf", report.suggested_filename)
    assert Path(report.path()).read_bytes().startswith(b"%PDF-")
    assert requests_seen.console_errors == []


def test_operator_uploads_a_gtfs_file_and_watches_its_import(page, web_server, requests_seen):
    if not FEED.is_file():
        pytest.skip(f"missing {FEED}")
    login(page, *OLGA, next_path="/betrieb/fahrplaene/")
    page.get_by_label("GTFS-Datei (ZIP)").set_input_files(str(FEED))
    page.get_by_label("Name des Fahrplans").fill("VVS 752")
    page.get_by_label("Art").select_option("transit")
    assert_accessible(page)
    page.get_by_role("button", name="Hochladen und importieren").click()
    page.wait_for_url(re.compile(r"/betrieb/fahrplaene/importe/\d+/$"))
    import_id = int(re.search(r"/importe/(\d+)/", page.url).group(1))
    # the page follows the import until it is finished (socket or polling), then shows the result
    page.locator("[data-import-status][data-finished='1']").wait_for(timeout=60_000)
    assert page.locator("[data-import-state]").inner_text() == "importiert und aktiv"
    assert (
        page.locator("progress[data-import-bar]").get_attribute("value")
        == page.locator("progress[data-import-bar]").get_attribute("max")
        == "13"
    )
    status, version = web_server.query("SELECT status, version_id FROM gtfs_gtfsimport WHERE id = %s", (import_id,))[0]
    assert status == "imported"
    active = web_server.query("SELECT active_version_id FROM gtfs_feed WHERE name = %s", ("VVS 752",))[0][0]
    assert active == version
    stops = web_server.query("SELECT COUNT(*) FROM gtfs_stop WHERE version_id = %s", (version,))[0][0]
    assert stops > 0 and page.locator("dd[data-stat='stops']").inner_text() == str(stops)
    assert_accessible(page)
    screenshot(page, "operator-import")
    # the problems table sorts by its column headers (plain links: works without JavaScript)
    if page.locator("table.sortable").count():
        page.locator("table.sortable thead a", has_text="Code").click()
        assert page.locator("th[aria-sort='ascending']", has_text="Code").count() == 1
    # the feed's page: switch it off and on again
    page.get_by_role("link", name=f"Version {version}").click()
    page.get_by_role("button", name="Fahrplan VVS 752 abschalten").click()
    assert page.get_by_text("Der Fahrplan ist abgeschaltet.").count() == 1
    assert web_server.query("SELECT active_version_id FROM gtfs_feed WHERE name = %s", ("VVS 752",))[0][0] is None
    page.get_by_role("button", name=f"Version {version} aktivieren").click()
    assert web_server.query("SELECT active_version_id FROM gtfs_feed WHERE name = %s", ("VVS 752",))[0][0] == version
    assert_accessible(page)
    assert requests_seen.console_errors == []


def test_every_console_page_is_accessible(page, web_server):
    login(page, *OLGA, next_path="/betrieb/")
    base = web_server.url
    seen: set[str] = set()
    queue = list(CONSOLE_PAGES)
    problems: dict[str, dict[str, list[str]]] = {}
    while queue and len(seen) < 40:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, (path, response and response.status)
        found = {}
        violations = axe_violations(page)
        if violations:
            found["axe"] = [f"{v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}" for v in violations]
        small = small_targets(page)
        if small:
            found["small targets"] = small
        if found:
            problems[path] = found
        for href in page.eval_on_selector_all("main a[href]", "els => els.map((a) => a.href)"):
            parsed = urlparse(urldefrag(href).url)
            if f"{parsed.scheme}://{parsed.netloc}" != base or not parsed.path.startswith("/betrieb/"):
                continue
            if parsed.path.startswith(NOT_PAGES) or parsed.path.endswith((".zip", ".svg")) or parsed.path in seen:
                continue
            queue.append(parsed.path)
    assert len(seen) >= len(CONSOLE_PAGES)
    assert problems == {}


@pytest.mark.parametrize("who", [ANNA, STEFAN], ids=["resident", "staff"])
def test_residents_and_staff_get_403_on_every_console_page(page, who):
    login(page, *who)
    for path in CONSOLE_PAGES:
        response = page.goto(path)
        assert response.status == 403, path
        assert page.locator("h1").inner_text() == "Das dürfen Sie leider nicht"
