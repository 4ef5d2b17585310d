"""A resident in Chromium: finds and books a Bürgerbus seat and a carpool seat, the driver
accepts (the rider's badge updates live), "Meine Fahrten" stays readable offline, and axe
finds no serious or critical problem on the resident's pages, also at 200 % zoom."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.browser.conftest import assert_accessible, screenshot

COLD_SEARCH_MS = 90_000
PASSWORDS = {
    "anna@demo.lindenau.example": "anna-demo-2026",
    "ben@demo.lindenau.example": "ben-demo-2026",
    "carla@demo.lindenau.example": "carla-demo-2026",
}


def _sign_in(page, email: str, next_path: str = "/") -> None:
    page.goto(f"/anmelden/?next={next_path}")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORDS[email])
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state("networkidle")


def _weekday_ahead(days: int = 8) -> date:
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _search_with_the_keyboard(page, origin: str, destination: str, day: date, at: str) -> None:
    """Fill the start page's form using only the keyboard, as someone without a mouse would."""
    page.goto("/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    page.get_by_label("Von").focus()
    page.keyboard.type(origin)
    page.keyboard.press("Tab")  # to "Nach"
    page.keyboard.type(destination)
    page.get_by_label("Abfahrt um").focus()
    page.keyboard.press("Space")
    page.get_by_label("Datum").fill(day.isoformat())
    page.get_by_label("Uhrzeit").fill(at)
    page.get_by_role("button", name="Verbindungen suchen").focus()
    # The results replace the empty region below the form in place (htmx); focus moves to their
    # heading. The first search of a fresh server builds the day's timetable (seconds on a busy machine).
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'moeglichkeiten'", timeout=COLD_SEARCH_MS
    )
    page.wait_for_load_state("networkidle")


def test_resident_finds_and_books_a_buergerbus_seat(page, web_server):
    _sign_in(page, "ben@demo.lindenau.example")
    day = _weekday_ahead()
    _search_with_the_keyboard(page, "Birkenfeld Dorfplatz", "Tannhausen Mühle", day, "08:30")
    # In place: still the start page with its form, the results below it, their URL in the history.
    assert page.locator("h1").inner_text() == "Wohin möchten Sie?"
    assert page.get_by_label("Von").input_value() == "Birkenfeld Dorfplatz"
    url = urlsplit(page.url)
    assert url.path == "/verbindungen/"
    assert parse_qs(url.query) == {
        "origin": ["Birkenfeld Dorfplatz"],
        "destination": ["Tannhausen Mühle"],
        "when": ["depart"],
        "date": [day.isoformat()],
        "time": ["08:30"],
        "seats": ["1"],
    }
    assert page.title() == "Von Birkenfeld Dorfplatz nach Tannhausen Mühle · Mobil in Lindenau"
    heading = page.locator("#moeglichkeiten").inner_text()
    assert re.fullmatch(r"\d+ Möglichkeit(en)?", heading)
    page.wait_for_function("() => document.querySelector('[data-live-region]').textContent !== ''")
    live = page.locator("[data-live-region]").text_content()
    assert live == f"{heading}: Von Birkenfeld Dorfplatz nach Tannhausen Mühle"
    assert_accessible(page)
    # The pushed URL is a real page: reloading it shows the full results page.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Von Birkenfeld Dorfplatz nach Tannhausen Mühle"
    assert page.locator("#moeglichkeiten").inner_text() == heading
    card = page.locator("li.option", has_text="Platz im Bürgerbus BB2 buchen").first
    assert "Anmeldung bis" in card.inner_text()
    assert_accessible(page)
    screenshot(page, "resident-results")
    card.get_by_role("link", name=re.compile("Details und buchen")).click()
    page.wait_for_load_state("networkidle")
    assert "Anmeldung bis" in page.locator("main").inner_text()
    assert_accessible(page)
    screenshot(page, "resident-option-buergerbus")
    page.get_by_role("button", name="Platz verbindlich buchen").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Ihr Platz im Bürgerbus ist gebucht"
    assert_accessible(page)
    screenshot(page, "resident-booked-buergerbus")
    rows = web_server.query(
        "SELECT b.seats, b.status, b.service_date FROM gtfs_buergerbusbooking b "
        "JOIN accounts_user u ON u.id = b.passenger_id WHERE u.email = %s",
        ("ben@demo.lindenau.example",),
    )
    assert [(seats, status, str(service_date)) for seats, status, service_date in rows] == [
        (1, "confirmed", day.isoformat())
    ]
    page.get_by_role("link", name="Zu meinen Fahrten").click()
    assert "Bürgerbus BB2 (gebucht)" in page.locator("main").inner_text()


def test_a_search_with_an_unknown_place_shows_the_errors_in_place_and_keeps_the_url(page, web_server):
    page.goto("/")
    page.get_by_label("Von").fill("Lindenau Rathaus")
    page.get_by_label("Nach").fill("Atlantis")
    page.get_by_role("button", name="Verbindungen suchen").click()
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('[data-error-summary]')")
    assert urlsplit(page.url).path == "/"  # a failed search is not pushed into the history
    summary = page.locator("[data-error-summary]").inner_text()
    assert "Nach: Diesen Ort kennen wir nicht." in summary
    assert page.locator("#ergebnisse").inner_text() == ""
    assert page.get_by_label("Nach").input_value() == "Atlantis"
    assert_accessible(page)


def test_carpool_seat_request_and_the_drivers_answer_arrive_live(chromium, web_server, requests_seen):
    contexts = []

    def new_page():
        context = chromium.new_context(locale="de-DE", base_url=web_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: requests_seen.urls.append(request.url))
        return page

    try:
        rider = new_page()
        _sign_in(rider, "carla@demo.lindenau.example")
        offer = web_server.query(
            "SELECT o.id, o.origin_lat, o.origin_lon, o.departure FROM rides_rideoffer o "
            "JOIN accounts_user u ON u.id = o.driver_id WHERE u.email = %s ORDER BY o.departure LIMIT 1",
            ("anna@demo.lindenau.example",),
        )[0]
        offer_id, lat, lon, departure = offer
        from datetime import datetime
        from zoneinfo import ZoneInfo

        moment = departure if isinstance(departure, datetime) else datetime.fromisoformat(str(departure))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        local = (moment - timedelta(minutes=10)).astimezone(ZoneInfo("Europe/Berlin"))
        rider.goto(
            f"/verbindungen/?origin={lat},{lon}&destination=Buchwald+Feuerwehr&when=depart"
            f"&date={local.date().isoformat()}&time={local.strftime('%H:%M')}",
            timeout=COLD_SEARCH_MS,
        )
        card = rider.locator("li.option", has=rider.locator("h3", has_text=re.compile(r"^Mitfahrgelegenheit,"))).first
        card.get_by_role("link", name=re.compile("Details und buchen")).click()
        rider.wait_for_load_state("networkidle")
        assert_accessible(rider)
        rider.get_by_role("button", name="Mitfahrt anfragen").click()
        rider.wait_for_load_state("networkidle")
        assert rider.locator("h1").inner_text() == "Ihre Mitfahrt ist angefragt"
        rider.goto("/meine-fahrten/")
        rider.wait_for_load_state("networkidle")
        badge_before = rider.locator("[data-notification-count]").inner_text()

        driver = new_page()
        _sign_in(driver, "anna@demo.lindenau.example", f"/meine-angebote/{offer_id}/")
        assert_accessible(driver)
        screenshot(driver, "driver-requests")
        request_card = driver.locator("li.trip", has_text="Anfrage für 1 Platz").last
        request_card.get_by_role("button", name=re.compile("^Zusagen")).click()
        driver.wait_for_load_state("networkidle")
        assert "Zugesagt." in driver.locator("main").inner_text()

        # The rider's open page hears it over the WebSocket: the badge counts one more.
        rider.wait_for_function(
            "before => document.querySelector('[data-notification-count]').textContent !== before",
            arg=badge_before,
            timeout=10_000,
        )
        assert int(rider.locator("[data-notification-count]").inner_text()) == int(badge_before or 0) + 1
        assert "Ihre Mitfahrt wurde bestätigt." in rider.locator("[data-live-region]").inner_text()
        rows = web_server.query(
            "SELECT b.status FROM rides_ridebooking b JOIN accounts_user u ON u.id = b.rider_id "
            "WHERE u.email = %s AND b.offer_id = %s",
            ("carla@demo.lindenau.example", offer_id),
        )
        assert rows == [("confirmed",)]
    finally:
        for context in contexts:
            context.close()
    assert requests_seen.foreign() == []


def test_meine_fahrten_stays_readable_offline(chromium, web_server):
    context = chromium.new_context(locale="de-DE", base_url=web_server.url)
    try:
        page = context.new_page()
        _sign_in(page, "ben@demo.lindenau.example", "/meine-fahrten/")
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now the worker controls the page and keeps a copy
        page.wait_for_load_state("networkidle")
        online = page.locator("main").inner_text()
        context.set_offline(True)
        page.reload()
        assert page.locator("h1").inner_text() == "Meine Fahrten"
        assert page.locator("main").inner_text() == online
    finally:
        context.close()


RESIDENT_PAGES = ["/", "/anmelden/", "/registrieren/", "/passwort-vergessen/", "/datenschutz/"]
SIGNED_IN_PAGES = ["/meine-fahrten/", "/fahrt-anbieten/", "/konto/", "/konto/loeschen/", "/nachrichten/"]


@pytest.mark.parametrize("zoom", [1, 2])
def test_resident_pages_pass_axe_and_fit_at_200_percent(chromium, web_server, requests_seen, zoom):
    # 200 % zoom of a 1280 px window is a 640 px wide page at twice the pixel density.
    context = chromium.new_context(
        locale="de-DE",
        base_url=web_server.url,
        viewport={"width": 1280 // zoom, "height": 900 // zoom},
        device_scale_factor=zoom,
    )
    try:
        page = context.new_page()
        page.on("request", lambda request: requests_seen.urls.append(request.url))
        for path in RESIDENT_PAGES:
            page.goto(path)
            assert_accessible(page)
            _fits(page)
        _sign_in(page, "anna@demo.lindenau.example")
        for path in SIGNED_IN_PAGES:
            page.goto(path)
            assert_accessible(page)
            _fits(page)
            if zoom == 1:
                screenshot(page, "resident" + path.rstrip("/").replace("/", "-"))
        # A form with errors: the summary and the field messages are accessible too.
        page.goto("/fahrt-anbieten/")
        page.get_by_role("button", name="Fahrt eintragen").click()
        page.wait_for_load_state("networkidle")
        assert page.locator(".error-summary").count() == 1
        assert_accessible(page)
    finally:
        context.close()
    assert requests_seen.foreign() == []


def _fits(page) -> None:
    """No sideways scrolling: everything fits the width (WCAG 1.4.10 reflow)."""
    width = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert width <= 0, f"{page.url} scrolls sideways by {width} px"


def test_a_declared_woman_ticks_women_drivers_only_with_the_keyboard(page, web_server):
    """The "Nur Fahrerinnen" box appears on the search form once Carla has declared herself a
    woman on her account page, and is reached and ticked with the keyboard; axe stays clean."""
    _sign_in(page, "carla@demo.lindenau.example")
    assert page.get_by_label("Nur Fahrerinnen").count() == 0
    page.goto("/konto/")
    page.get_by_label("Ich bin eine Frau (Selbstauskunft)").check()
    page.get_by_role("button", name="Angabe speichern").click()
    page.wait_for_load_state("networkidle")
    try:
        page.goto("/")
        page.get_by_label("Personen").focus()
        page.keyboard.press("Tab")
        box = page.get_by_label("Nur Fahrerinnen")
        assert box.evaluate("el => el === document.activeElement")
        page.keyboard.press("Space")
        assert box.is_checked()
        assert_accessible(page)
    finally:
        page.goto("/konto/")
        page.get_by_label("Ich bin eine Frau (Selbstauskunft)").uncheck()
        page.get_by_role("button", name="Angabe speichern").click()
        page.wait_for_load_state("networkidle")
    page.goto("/")
    assert page.get_by_label("Nur Fahrerinnen").count() == 0
