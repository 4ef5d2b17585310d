"""The Bürgerbus editor in Chromium, as the demo operator: a line edited, a stop placed on the
map by a click and moved by dragging, the same stop moved with the keyboard through its
coordinate fields, and a trip created through the form and deleted after the confirmation page (axe on every page, no
foreign request). Residents and staff get 403 on the new pages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.web.browser.conftest import assert_accessible, login, screenshot
from tests.web.browser.test_keyboard_and_zoom import tab_to

OLGA = ("olga@demo.lindenau.example", "olga-demo-2026")
ANNA = ("anna@demo.lindenau.example", "anna-demo-2026")
STEFAN = ("stefan@demo.lindenau.example", "stefan-demo-2026")
EDITOR = "/betrieb/buergerbus/"


def buergerbus_version(web_server) -> int:
    return web_server.query("SELECT active_version_id FROM gtfs_feed WHERE kind = 'community_bus' ORDER BY id LIMIT 1")[
        0
    ][0]


def test_operator_edits_a_line(page, web_server, requests_seen):
    version = buergerbus_version(web_server)
    line_id, short_name = web_server.query(
        "SELECT id, short_name FROM gtfs_route WHERE version_id = %s ORDER BY short_name, id LIMIT 1", (version,)
    )[0]
    login(page, *OLGA, next_path=EDITOR)
    page.get_by_role("link", name=f"Bearbeiten Linie {short_name}").click()
    page.wait_for_url(f"**/betrieb/buergerbus/linien/{line_id}/")
    assert page.locator("h1").inner_text() == f"Linie {short_name} bearbeiten"
    assert_accessible(page)
    page.get_by_label("Linienname").fill("Lindenau – Buchwald (geändert)")
    page.get_by_role("button", name="Änderungen speichern").click()
    page.wait_for_url(f"**{EDITOR}")
    assert page.get_by_text(f"Linie {short_name} gespeichert.").count() == 1
    assert web_server.query("SELECT long_name FROM gtfs_route WHERE id = %s", (line_id,)) == [
        ("Lindenau – Buchwald (geändert)",)
    ]
    assert requests_seen.console_errors == []


def test_operator_places_a_stop_on_the_map_and_drags_it(page, web_server, requests_seen):
    login(page, *OLGA, next_path=EDITOR)
    page.get_by_role("link", name="Neue Haltestelle anlegen").click()
    page.wait_for_url("**/betrieb/buergerbus/haltestellen/")
    page.locator("#bb-karte[data-stop-picker='ready']").wait_for()
    page.get_by_label("Name der Haltestelle").fill("Am Dorfbrunnen")
    box = page.locator("#bb-karte").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5)
    lat = float(page.get_by_label("Breite (Grad, WGS84)").input_value())
    lon = float(page.get_by_label("Länge (Grad, WGS84)").input_value())
    assert 45 < lat < 56 and 5 < lon < 16  # a place in the demo region, not 0/0
    # the hint about the nearest road and stop is asked for and announced (role=status)
    hint = page.locator("#lage-hinweis")
    hint.filter(has_text=re.compile("Nächste Straße|nächste Straße|Kein Straßennetz")).wait_for()
    assert re.search(r"Haltestelle", hint.inner_text())
    # drag the marker a little to the east: the fields follow
    marker = page.locator(".stop-picker-marker")
    start = marker.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 60, start["y"] + start["height"] / 2, steps=8)
    page.mouse.up()
    dragged_lon = float(page.get_by_label("Länge (Grad, WGS84)").input_value())
    assert dragged_lon > lon
    # the map's zoom buttons speak German (Leaflet's own names are English)
    assert page.locator("#bb-karte").get_by_role("button", name="Vergrößern").count() == 1
    assert page.locator("#bb-karte").get_by_role("button", name="Verkleinern").count() == 1
    lat = float(page.get_by_label("Breite (Grad, WGS84)").input_value())
    assert_accessible(page)
    screenshot(page, "operator-buergerbus-stop-map")
    page.get_by_role("button", name="Haltestelle anlegen").click()
    page.wait_for_url(f"**{EDITOR}")
    stored = web_server.query("SELECT lat, lon FROM gtfs_stop WHERE name = %s", ("Am Dorfbrunnen",))
    assert len(stored) == 1
    assert stored[0][0] == pytest.approx(lat, abs=1e-6) and stored[0][1] == pytest.approx(dragged_lon, abs=1e-6)
    assert requests_seen.console_errors == []


def test_operator_moves_a_stop_with_the_keyboard(page, web_server, requests_seen):
    version = buergerbus_version(web_server)
    stop_id, name = web_server.query(
        "SELECT id, name FROM gtfs_stop WHERE version_id = %s ORDER BY name, id LIMIT 1", (version,)
    )[0]
    login(page, *OLGA, next_path=EDITOR)
    tab_to(page, f"el.tagName === 'A' && el.getAttribute('href') === '/betrieb/buergerbus/haltestellen/{stop_id}/'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("#bb-karte[data-stop-picker='ready']").wait_for()
    assert page.locator("h1").inner_text() == f"Haltestelle „{name}“ bearbeiten"
    tab_to(page, "el.id === 'id_haltestelle-lat'")
    page.keyboard.press("Control+A")
    page.keyboard.type("50.1523")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_haltestelle-lon"
    page.keyboard.press("Control+A")
    page.keyboard.type("9.9044")
    # the marker follows the typed position
    page.wait_for_function("document.getElementById('bb-karte').dataset.stopLon === '9.904400'")
    assert page.locator("#bb-karte").get_attribute("data-stop-lat") == "50.152300"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"Haltestelle „{name}“ gespeichert.").count() == 1
    assert web_server.query("SELECT lat, lon FROM gtfs_stop WHERE id = %s", (stop_id,)) == [(50.1523, 9.9044)]
    assert requests_seen.console_errors == []


def test_operator_creates_a_trip_and_deletes_it_after_confirming(page, web_server, requests_seen):
    """Every demo fixed-line trip is booked and the Rufbus (Flex) trip belongs to the Rufbus
    flow, so the test makes its own trip through the "Neue Fahrt" form (a late evening trip
    between the first and last stop of a fixed-line trip, every day of the coming week), sees it
    in the preview, then deletes exactly that trip through the confirmation page: gone from the
    page, the preview and the database (calls and its calendar too)."""
    version = buergerbus_version(web_server)
    # a line with a fixed-line trip (no Flex stop times), and that trip's first and last stop
    line_id, short_name, long_name, trip_id = web_server.query(
        "SELECT r.id, r.short_name, r.long_name, t.id FROM gtfs_route r JOIN gtfs_trip t ON t.route_id = r.id "
        "WHERE r.version_id = %s AND NOT EXISTS (SELECT 1 FROM gtfs_flexstoptime f WHERE f.trip_id = t.id) "
        "ORDER BY r.short_name, t.id LIMIT 1",
        (version,),
    )[0]
    calls = web_server.query(
        "SELECT s.id, s.name FROM gtfs_stoptime st JOIN gtfs_stop s ON s.id = st.stop_id "
        "WHERE st.trip_id = %s ORDER BY st.stop_sequence",
        (trip_id,),
    )
    (first_id, first_name), (last_id, last_name) = calls[0], calls[-1]
    trips_before = web_server.query("SELECT COUNT(*) FROM gtfs_trip WHERE version_id = %s", (version,))[0][0]
    tomorrow = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=1)  # the server's day
    headsign = "Löschprobe Spätfahrt"

    login(page, *OLGA, next_path=EDITOR)
    page.get_by_role("link", name="Neue Fahrt anlegen").click()
    page.wait_for_url("**/betrieb/buergerbus/fahrten/")
    assert page.locator("h1").inner_text() == "Neue Bürgerbus-Fahrt"
    page.get_by_label("Linie", exact=True).select_option(label=f"{short_name} {long_name}".strip())
    page.get_by_label("Fahrtziel (Anzeige)").fill(headsign)
    page.get_by_label("Halt 1", exact=True).select_option(str(first_id))
    page.get_by_label("Zeit an Halt 1 (HH:MM)").fill("22:40")
    page.get_by_label("Halt 2", exact=True).select_option(str(last_id))
    page.get_by_label("Zeit an Halt 2 (HH:MM)").fill("22:55")
    for day in ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("gültig ab").fill(tomorrow.isoformat())
    page.get_by_label("gültig bis").fill((tomorrow + timedelta(days=6)).isoformat())
    assert_accessible(page)
    page.get_by_role("button", name="Fahrt anlegen").click()
    page.wait_for_url(f"**{EDITOR}")
    assert page.get_by_text("Fahrt angelegt (2 Halte).").count() == 1
    created = web_server.query(
        "SELECT id, route_id, service_id FROM gtfs_trip WHERE version_id = %s AND headsign = %s", (version, headsign)
    )
    assert len(created) == 1 and created[0][1] == line_id
    new_id, _, service_id = created[0]
    assert web_server.query(
        "SELECT stop_id, departure_time FROM gtfs_stoptime WHERE trip_id = %s ORDER BY stop_sequence", (new_id,)
    ) == [(first_id, 22 * 3600 + 40 * 60), (last_id, 22 * 3600 + 55 * 60)]
    assert web_server.query("SELECT COUNT(*) FROM gtfs_trip WHERE version_id = %s", (version,)) == [(trips_before + 1,)]
    # the overview lists it with its calls
    listed = page.locator("table.console-table tbody tr", has_text=f"{short_name} → {headsign}")
    assert listed.locator("ol.calls li").all_inner_texts() == [f"22:40 {first_name}", f"22:55 {last_name}"]

    # residents would see it: the preview of its first stop tomorrow
    preview = f"/betrieb/buergerbus/vorschau/?haltestelle={first_id}&tag={tomorrow.isoformat()}"
    page.goto(preview)
    row = page.locator("table.console-table tbody tr", has_text=headsign)
    assert row.count() == 1
    assert row.locator("td").first.inner_text() == "22:40"

    # delete exactly that trip: its row's link on the overview, then the confirmation page
    label = f"{short_name} 22:40 {first_name} → {headsign}"
    page.goto(EDITOR)
    page.get_by_role("link", name=f"Löschen {label}", exact=True).click()
    page.wait_for_url(f"**/betrieb/buergerbus/fahrten/{new_id}/loeschen/")
    assert page.locator("h1").inner_text() == f"Fahrt {label} löschen?"
    assert_accessible(page)
    assert web_server.query("SELECT COUNT(*) FROM gtfs_trip WHERE id = %s", (new_id,)) == [(1,)]
    page.get_by_role("button", name="Ja, endgültig löschen").click()
    page.wait_for_url(f"**{EDITOR}")
    assert page.get_by_text(f"Fahrt {label} gelöscht.", exact=True).count() == 1
    assert page.get_by_role("link", name=f"Löschen {label}", exact=True).count() == 0
    assert web_server.query("SELECT COUNT(*) FROM gtfs_trip WHERE id = %s", (new_id,)) == [(0,)]
    assert web_server.query("SELECT COUNT(*) FROM gtfs_stoptime WHERE trip_id = %s", (new_id,)) == [(0,)]
    assert web_server.query("SELECT COUNT(*) FROM gtfs_service WHERE id = %s", (service_id,)) == [(0,)]
    # nothing else went: the other trips, the line and the Rufbus trip are all still there
    assert web_server.query("SELECT COUNT(*) FROM gtfs_trip WHERE version_id = %s", (version,)) == [(trips_before,)]
    assert web_server.query("SELECT COUNT(*) FROM gtfs_route WHERE id = %s", (line_id,)) == [(1,)]
    page.goto(preview)
    assert page.locator("table.console-table tbody tr", has_text=headsign).count() == 0

    # a booked trip: the confirmation page says why it stays, and offers no delete button
    booked = web_server.query(
        "SELECT DISTINCT b.trip_id FROM gtfs_buergerbusbooking b JOIN gtfs_trip t ON t.id = b.trip_id "
        "WHERE t.version_id = %s ORDER BY b.trip_id LIMIT 1",
        (version,),
    )
    assert booked, "the demo has booked Bürgerbus trips"
    page.goto(f"/betrieb/buergerbus/fahrten/{booked[0][0]}/loeschen/")
    refusal = re.compile(r"Für diese Fahrt gibt es Buchungen \(\d+\); sie bleibt bestehen\.")
    assert page.get_by_text(refusal).count() == 1
    assert page.get_by_role("button", name="Ja, endgültig löschen").count() == 0
    assert_accessible(page)
    assert requests_seen.console_errors == []


def test_operator_edits_a_trip_with_an_error_first(page, web_server, requests_seen):
    """The trip page (its stop rows are built in Python): axe-clean as shown and with a refused
    time next to its field; once corrected, the trip is saved (its validity dates were shown in
    the date fields and sent back as they were)."""
    version = buergerbus_version(web_server)
    trip_id = web_server.query("SELECT id FROM gtfs_trip WHERE version_id = %s ORDER BY id LIMIT 1", (version,))[0][0]
    login(page, *OLGA, next_path=f"/betrieb/buergerbus/fahrten/{trip_id}/")
    assert page.locator("h1").inner_text() == "Bürgerbus-Fahrt bearbeiten"
    assert_accessible(page)
    page.get_by_label("Fahrtziel (Anzeige)").fill("Buchwald (geändert)")
    kept = page.get_by_label("Zeit an Halt 1 (HH:MM)").input_value()
    page.get_by_label("Zeit an Halt 1 (HH:MM)").fill("8:1x")
    page.get_by_role("button", name="Änderungen speichern").click()
    field = page.get_by_label("Zeit an Halt 1 (HH:MM)")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator("#id_fahrt-time_1_error").inner_text() == (
        "Bitte geben Sie die Uhrzeit als HH:MM an (nach Mitternacht auch 24:30)."
    )
    assert_accessible(page)
    assert web_server.query("SELECT headsign FROM gtfs_trip WHERE id = %s", (trip_id,)) != [("Buchwald (geändert)",)]
    field.fill(kept)
    page.get_by_role("button", name="Änderungen speichern").click()
    page.wait_for_url(f"**{EDITOR}")
    assert page.get_by_text("Fahrt gespeichert.").count() == 1
    assert web_server.query("SELECT headsign FROM gtfs_trip WHERE id = %s", (trip_id,)) == [("Buchwald (geändert)",)]
    # the refused form came back as a 400 page, which Chromium logs; nothing else went wrong
    assert requests_seen.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]


@pytest.mark.parametrize("who", [ANNA, STEFAN], ids=["resident", "staff"])
def test_residents_and_staff_get_403_on_the_editor_pages(page, web_server, who):
    version = buergerbus_version(web_server)
    stop_id = web_server.query("SELECT id FROM gtfs_stop WHERE version_id = %s ORDER BY id LIMIT 1", (version,))[0][0]
    trip_id = web_server.query("SELECT id FROM gtfs_trip WHERE version_id = %s ORDER BY id LIMIT 1", (version,))[0][0]
    login(page, *who)
    for path in (
        f"/betrieb/buergerbus/haltestellen/{stop_id}/",
        f"/betrieb/buergerbus/haltestellen/{stop_id}/loeschen/",
        f"/betrieb/buergerbus/fahrten/{trip_id}/",
        f"/betrieb/buergerbus/fahrten/{trip_id}/loeschen/",
    ):
        response = page.goto(path)
        assert response.status == 403, path
        assert page.locator("h1").inner_text() == "Das dürfen Sie leider nicht"
