"""A resident in Chromium books the demo's Rufbus (door to door around Eichenrode and
Buchwald) from the search; axe finds no serious problem on the three pages."""

from __future__ import annotations

from datetime import date, timedelta

from mobility.demo.region import VILLAGE
from tests.web.browser.conftest import assert_accessible, screenshot

PASSWORD = "anna-demo-2026"


def _weekday_ahead(days: int = 8) -> date:
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_resident_books_the_rufbus_door_to_door(page, web_server):
    page.goto("/anmelden/?next=/")
    page.get_by_label("E-Mail-Adresse").fill("anna@demo.lindenau.example")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state("networkidle")
    home = f"{VILLAGE['eichenrode'].lat + 0.0006:.5f},{VILLAGE['eichenrode'].lon + 0.0008:.5f}"
    doctor = f"{VILLAGE['buchwald'].lat:.5f},{VILLAGE['buchwald'].lon - 0.0005:.5f}"
    day = _weekday_ahead()
    page.goto(f"/verbindungen/?origin={home}&destination={doctor}&when=depart&date={day.isoformat()}&time=14:10")
    page.wait_for_load_state("networkidle")
    card = page.locator("li.option", has_text="Rufbus").first
    assert "Rufbus RB3 buchen" in card.inner_text() and "14:10" in card.inner_text()
    assert_accessible(page)
    card.get_by_role("link", name="Details und buchen").click()
    page.wait_for_load_state("networkidle")
    main = page.locator("main").inner_text()
    assert "Rufbus RB3 buchen" in main and "Buchen bis" in main
    assert "Abholung 14:10–14:25 Uhr an Ihrer Haustür" in main
    assert_accessible(page)
    screenshot(page, "resident-option-rufbus")
    page.get_by_role("button", name="Rufbus verbindlich buchen").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Ihre Rufbus-Fahrt ist gebucht"
    assert "zwischen 14:10 und 14:25 Uhr an Ihrer Haustür" in page.locator("main").inner_text()
    assert_accessible(page)
    rows = web_server.query(
        "SELECT b.seats, b.status FROM ondemand_ondemandbooking b "
        "JOIN accounts_user u ON u.id = b.passenger_id WHERE u.email = %s",
        ("anna@demo.lindenau.example",),
    )
    assert [(seats, status) for seats, status in rows] == [(1, "confirmed")]
