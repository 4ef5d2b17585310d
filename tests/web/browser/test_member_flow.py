"""In Chromium, on the demo region: the demo member reserves a car; the map pages draw the
platform's own data; axe finds nothing serious on any of these pages; no request leaves the server."""

from __future__ import annotations

import re

from tests.web.browser.conftest import assert_accessible, login, screenshot

CARLA = ("carla@demo.lindenau.example", "carla-demo-2026")


def _wait_for_map(page) -> None:
    page.wait_for_selector("[data-map][data-map-loaded='1']")
    page.wait_for_load_state("networkidle")


def test_station_page_draws_stations_roads_and_stops(page, web_server, requests_seen):
    page.goto("/carsharing/")
    _wait_for_map(page)
    # three stations as circle markers, the roads as one path, stops as markers
    assert page.locator(".leaflet-overlay-pane path").count() >= 3 + 1
    assert page.locator(".station-list > li").count() == 3
    assert any("/karte/roads.geojson?z=" in url for url in requests_seen.urls)
    assert any(url.endswith("/karte/stations.geojson") for url in requests_seen.urls)
    assert not any("tile" in url for url in requests_seen.urls)
    assert requests_seen.console_errors == []
    assert_accessible(page)
    screenshot(page, "carsharing-stations")


def test_region_map_page_lists_what_it_draws_and_can_be_skipped(page, requests_seen):
    page.goto("/karte/")
    _wait_for_map(page)
    assert page.locator("h2", has_text="Haltestellen").count() == 1
    assert page.locator("main li").count() > 10
    # keyboard users can jump past the map
    skip = page.locator(".map-skip")
    skip.focus()
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "regionskarte-nach"
    assert requests_seen.console_errors == []
    assert_accessible(page)
    screenshot(page, "karte")


def test_demo_member_reserves_a_car(page, web_server, requests_seen):
    login(page, *CARLA, next_path="/carsharing/")
    assert page.url.endswith("/carsharing/")
    page.get_by_role("link", name=re.compile(r"\(LD-")).first.click()
    page.wait_for_load_state("networkidle")
    vehicle_url = page.url
    vehicle_id = int(re.search(r"/fahrzeuge/(\d+)/", vehicle_url).group(1))
    assert page.locator("table[data-availability='week'] tbody tr").count() == 24
    assert_accessible(page)
    screenshot(page, "carsharing-fahrzeug")

    # day view in quarter hours, updated in place by htmx
    page.get_by_role("link", name="Tagesansicht (Viertelstunden)").click()
    page.wait_for_selector("table[data-availability='day']")
    assert page.locator("table[data-availability='day'] thead th").count() == 5
    assert page.url.startswith(vehicle_url)  # same page, history updated

    # choose a window three days ahead at 10:00 for 3 hours: the quote updates live
    day = page.locator("select[name=day] option").nth(3).get_attribute("value")
    page.get_by_label("Tag").select_option(day)
    page.get_by_label("Abholung um").select_option("10:00")
    page.get_by_label("Dauer").select_option("3")
    page.locator("#quote", has_text="Preis für").wait_for()
    quote = page.locator("#quote").inner_text()
    assert "€" in quote
    assert_accessible(page)

    before = web_server.query("SELECT COUNT(*) FROM carsharing_reservation WHERE vehicle_id = %s", (vehicle_id,))[0][0]
    page.locator("main form").get_by_role("button", name="Reservieren", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "/carsharing/reservierungen/" in page.url
    assert page.get_by_text("Vorgemerkt – bitte bestätigen").count() == 1
    assert_accessible(page)
    page.get_by_role("button", name="Verbindlich buchen").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Ihre Reservierung ist verbindlich gebucht.").count() == 1
    screenshot(page, "carsharing-reservierung")
    reservation_id = int(re.search(r"/reservierungen/(\d+)/", page.url).group(1))
    rows = web_server.query(
        "SELECT r.status, r.billing, u.email FROM carsharing_reservation r JOIN accounts_user u ON u.id = r.user_id "
        "WHERE r.id = %s",
        (reservation_id,),
    )
    assert rows == [("confirmed", "invoice", CARLA[0])]
    after = web_server.query("SELECT COUNT(*) FROM carsharing_reservation WHERE vehicle_id = %s", (vehicle_id,))[0][0]
    assert after == before + 1

    # cancelling shows the fee first (free: more than 24 h ahead), then cancels
    page.get_by_role("link", name="Stornieren …").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-cancel-fee='0']").count() == 1
    assert_accessible(page)
    screenshot(page, "carsharing-stornieren")
    page.get_by_role("button", name="Kostenlos stornieren").click()
    page.wait_for_load_state("networkidle")
    assert web_server.query(
        "SELECT status, fee_cents FROM carsharing_reservation WHERE id = %s", (reservation_id,)
    ) == [("cancelled", 0)]


def test_member_pages_pass_axe(page):
    login(page, *CARLA, next_path="/carsharing/reservierungen/")
    for path in ("/carsharing/reservierungen/", "/carsharing/mitglied-werden/", "/carsharing/karte-hinterlegen/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
    screenshot(page, "carsharing-karte-hinterlegen")


def test_chosen_journey_is_drawn_on_the_map(page, requests_seen):
    day = page.evaluate(
        "(() => { const d = new Date(); d.setDate(d.getDate() + 1);"
        " return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-'"
        " + String(d.getDate()).padStart(2, '0'); })()"
    )
    page.goto(
        f"/verbindungen/?origin=Lindenau+Rathaus&destination=Ahornstadt+Bahnhof&when=depart&date={day}&time=08:30"
    )
    page.wait_for_load_state("networkidle")
    first = page.locator("main h3 a").first
    first.click()
    page.wait_for_load_state("networkidle")
    assert "/verbindungen/" in page.url
    _wait_for_map(page)
    # the journey's legs are drawn in the journey colour, walks dashed; the legs are also listed
    assert page.locator('.leaflet-overlay-pane path[stroke="#b3261e"]').count() >= 1
    assert page.locator("ol.legs > li").count() >= 1
    assert requests_seen.console_errors == []
    assert_accessible(page)
    screenshot(page, "verbindung")


def test_member_starts_and_ends_a_trip_and_reports_a_defect(page, web_server):
    # A confirmed reservation starting now (made the way the reserve page makes it).
    created = web_server.manage(
        "shell",
        "-c",
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from carsharing import services\n"
        "from carsharing.domain.policy import ceil_to_grid\n"
        "from carsharing.models import Vehicle\n"
        "from mobility.accounts.models import User\n"
        "carla = User.objects.get(email='carla@demo.lindenau.example')\n"
        "car = Vehicle.objects.get(plate='LD-GL 301')\n"
        "start = ceil_to_grid(timezone.now(), 15)\n"
        "r = services.reservation_create(user=carla, vehicle_id=car.pk, start=start, end=start + timedelta(hours=1))\n"
        "services.reservation_confirm(user=carla, reservation_id=r.pk)\n"
        "print('RESERVATION', r.pk)\n",
    )
    reservation_id = int(re.search(r"RESERVATION (\d+)", created).group(1))
    login(page, *CARLA, next_path=f"/carsharing/reservierungen/{reservation_id}/")
    page.get_by_role("button", name="Fahrt starten").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Gute Fahrt! Die Fahrt ist gestartet.").count() == 1
    assert_accessible(page)
    start_km = web_server.query("SELECT odometer_start_km FROM carsharing_reservation WHERE id = %s", (reservation_id,))
    page.get_by_label("Kilometerstand bei Rückgabe").fill(str(start_km[0][0] + 37))
    page.get_by_label("Tank- oder Akkustand in Prozent").fill("75")
    page.get_by_role("button", name="Auto zurückgeben").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Danke! Das Auto ist zurückgegeben.").count() == 1
    rows = web_server.query(
        "SELECT status, odometer_end_km, energy_level_pct FROM carsharing_reservation WHERE id = %s", (reservation_id,)
    )
    assert rows == [("settled", start_km[0][0] + 37, 75)]
    page.get_by_role("link", name="Schaden melden").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    page.get_by_label("Was ist kaputt oder fehlt?").fill("Warndreieck fehlt")
    page.get_by_role("button", name="Meldung senden").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Danke für Ihre Meldung.").count() == 1
    assert web_server.query(
        "SELECT d.description, d.blocks_use FROM carsharing_defectreport d JOIN carsharing_vehicle v "
        "ON v.id = d.vehicle_id WHERE v.plate = %s",
        ("LD-GL 301",),
    ) == [("Warndreieck fehlt", False)]
