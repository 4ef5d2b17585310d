"""In Chromium, on the demo region, as the demo town-hall staff member: book an official
trip, release a base-load block, take a Bürgerbus phone booking with the keyboard only;
every staff console page passes axe with big enough targets and asks no other host; a
resident gets the German 403 page."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

from tests.web.browser.conftest import assert_accessible, login, screenshot, small_targets

STEFAN = ("stefan@demo.lindenau.example", "stefan-demo-2026")
ANNA = ("anna@demo.lindenau.example", "anna-demo-2026")


def weekday_ahead(days: int) -> date:
    day = date.today() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def check_page(page, requests_seen, name: str) -> None:
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    assert small_targets(page) == []
    assert requests_seen.console_errors == []
    screenshot(page, name)


def test_every_staff_console_page_passes_axe(page, web_server, requests_seen):
    login(page, *STEFAN, next_path="/verwaltung/")
    assert page.url.endswith("/verwaltung/")
    check_page(page, requests_seen, "staff-start")
    nav = page.get_by_role("navigation", name="Verwaltung")
    assert [link.strip() for link in nav.get_by_role("link").all_inner_texts()] == [
        "Übersicht Verwaltung",
        "Dienstfahrt buchen",
        "Grundlast-Kalender",
        "Bürgerbus-Telefon",
        "Fahrerlisten",
        "Mitgliedschaften",
    ]
    for path, name in (
        ("/verwaltung/dienstfahrten/neu/", "staff-official-trip"),
        ("/verwaltung/grundlast/", "staff-calendar"),
        ("/verwaltung/telefon/", "staff-phone-desk"),
        ("/verwaltung/fahrerlisten/", "staff-manifests"),
        ("/verwaltung/mitgliedschaften/", "staff-memberships"),
    ):
        page.goto(path)
        check_page(page, requests_seen, name)
    # a manifest of a trip next week, and the release page of a base-load block
    day = weekday_ahead(7)
    page.goto(f"/verwaltung/fahrerlisten/?datum={day.isoformat()}")
    page.get_by_role("link", name=re.compile("Ansehen und drucken")).first.click()
    check_page(page, requests_seen, "staff-manifest")
    pdf = page.get_by_role("link", name="Als PDF herunterladen").get_attribute("href")
    response = page.request.get(pdf)
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    year, week, _ = day.isocalendar()
    page.goto(f"/verwaltung/grundlast/?woche={year}-W{week:02d}")
    page.get_by_role("link", name=re.compile("^freigeben")).first.click()
    check_page(page, requests_seen, "staff-release")


def test_a_resident_gets_the_german_403_page(page, requests_seen):
    login(page, *ANNA)
    for path in ("/verwaltung/", "/verwaltung/telefon/", "/verwaltung/grundlast/"):
        response = page.goto(path)
        assert response.status == 403
        assert page.get_by_role("heading", level=1).inner_text() == "Das dürfen Sie leider nicht"
        assert page.get_by_role("navigation", name="Verwaltung").count() == 0
    assert_accessible(page)


def test_demo_staff_books_an_official_trip(page, web_server, requests_seen):
    login(page, *STEFAN, next_path="/verwaltung/dienstfahrten/neu/")
    started = time.monotonic()
    day = weekday_ahead(10)
    page.get_by_label("Zweck der Fahrt").fill("Ortstermin Kläranlage")
    assert page.get_by_label("Kostenstelle").input_value() != ""  # his own, preselected
    page.get_by_label("Tag", exact=True).fill(day.isoformat())
    page.get_by_label("Von", exact=True).select_option("13:00")
    page.get_by_label("Bis", exact=True).select_option("15:30")
    page.get_by_label("Personen (mit Fahrerin oder Fahrer)").fill("3")
    page.get_by_role("button", name="Freies Auto vorschlagen").click()
    page.wait_for_load_state("networkidle")
    chosen = page.locator("input[name=vehicle]:checked")
    assert chosen.count() == 1
    label = page.locator(f"label[for='{chosen.get_attribute('id')}']").inner_text()
    plate = re.search(r"\((LD-[^)]+)\)", label).group(1)
    assert_accessible(page)
    page.get_by_role("button", name="Jetzt buchen").click()
    page.wait_for_load_state("networkidle")
    assert (
        page.get_by_role("status")
        .filter(has_text="Dienstfahrt gebucht")
        .inner_text()
        .startswith(f"Dienstfahrt gebucht: {plate}")
    )
    assert time.monotonic() - started < 60
    rows = web_server.query(
        "SELECT r.kind, r.status, r.billing, v.plate FROM carsharing_reservation r "
        "JOIN carsharing_vehicle v ON v.id = r.vehicle_id WHERE r.purpose = %s",
        ("Ortstermin Kläranlage",),
    )
    assert rows == [("official", "confirmed", "cost_centre", plate)]
    assert requests_seen.console_errors == []


def test_demo_staff_releases_a_base_load_block(page, web_server, requests_seen):
    login(page, *STEFAN, next_path="/verwaltung/grundlast/")
    day = weekday_ahead(8)
    year, week, _ = day.isocalendar()
    page.goto(f"/verwaltung/grundlast/?woche={year}-W{week:02d}")
    assert page.get_by_text("Dienstfahrten können bis 24 Stunden vor Beginn").count() == 1
    link = page.get_by_role("link", name=re.compile(rf"^freigeben.*{day.strftime('%d.%m.')}"))
    href = link.first.get_attribute("href")
    reservation_id = int(re.search(r"/grundlast/(\d+)/freigeben/", href).group(1))
    link.first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Regel: Freigeben geht nur mindestens 24 Stunden vor Beginn").count() == 1
    # give back the last hour of the block
    page.get_by_label("Freigeben ab").select_option(index=page.locator("#id_start option").count() - 4)
    page.get_by_role("button", name="Freigeben", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "Mitglieder können das Auto jetzt buchen" in page.get_by_role("status").first.inner_text()
    rows = (
        web_server.query(
            'SELECT status, EXTRACT(EPOCH FROM ("end" - start)) / 60 FROM carsharing_reservation '
            "WHERE vehicle_id = (SELECT vehicle_id FROM carsharing_reservation WHERE id = %s) AND status = 'released'",
            (reservation_id,),
        )
        if web_server.database.startswith("postgres")
        else web_server.query(
            "SELECT status, 60 FROM carsharing_reservation WHERE vehicle_id = "
            "(SELECT vehicle_id FROM carsharing_reservation WHERE id = %s) AND status = 'released'",
            (reservation_id,),
        )
    )
    assert [(status, int(minutes)) for status, minutes in rows] == [("released", 60)]
    assert page.locator(".console-entry-released").count() >= 1
    assert_accessible(page)


def tab_to(page, name: str, most: int = 8) -> None:
    """Press Tab until the control named ``name`` has the focus (the way a person does)."""
    for _ in range(most):
        if page.evaluate("document.activeElement.name") == name:
            return
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == name


def submit_with_enter(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def test_phone_booking_with_the_keyboard_only(page, web_server, requests_seen):
    """The person at the phone never touches the mouse: find Anna, pick the line, day and
    stops, book; within 30 seconds of the first key."""
    login(page, *STEFAN, next_path="/verwaltung/telefon/")
    day = weekday_ahead(9)
    started = time.monotonic()
    # the search field has the focus
    assert page.evaluate("document.activeElement.name") == "suche"
    page.keyboard.type("Anna")
    submit_with_enter(page)
    assert page.evaluate("document.activeElement.textContent").strip().startswith("Anna")
    submit_with_enter(page)  # choose her
    assert page.locator("[data-caller-name]").inner_text() == "Anna"
    # the line select has the focus; the day next
    assert page.evaluate("document.activeElement.name") == "linie"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "datum"
    first_day = date.fromisoformat(page.locator("#id_datum option").first.get_attribute("value"))
    for _ in range((day - first_day).days):  # one arrow key per day
        page.keyboard.press("ArrowDown")
    # from the first stop to the last (preselected), one seat: Tab on to the seats, Enter
    tab_to(page, "plaetze")
    submit_with_enter(page)
    # the first bookable trip is chosen and has the focus; on to the button and book
    assert page.evaluate("document.activeElement.name") == "fahrt"
    trip_id = int(page.evaluate("document.activeElement.value"))
    for _ in range(6):
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "1 Platz buchen"
    submit_with_enter(page)
    elapsed = time.monotonic() - started
    assert "Gebucht für Anna" in page.get_by_role("status").first.inner_text()
    assert elapsed < 30, elapsed
    rows = web_server.query(
        "SELECT b.trip_id, b.service_date, b.assisted, b.seats, u.email FROM gtfs_buergerbusbooking b "
        "JOIN accounts_user u ON u.id = b.passenger_id WHERE b.trip_id = %s AND b.status = 'confirmed' "
        "AND b.service_date >= %s",  # not the demo's year of history
        (trip_id, day.isoformat()),
    )
    assert [(r[0], str(r[1]), bool(r[2]), r[3], r[4]) for r in rows] == [(trip_id, day.isoformat(), True, 1, ANNA[0])]
    # the access log has the reason
    log = web_server.query(
        "SELECT reason FROM privacy_personaldataaccess a JOIN accounts_user u ON u.id = a.subject_id "
        "WHERE u.email = %s AND a.what = %s",
        (ANNA[0], "phone desk: phone number and Bürgerbus bookings"),
    )
    assert log and {r[0] for r in log} == {"Anruf: Bürgerbus-Buchung"}
    assert_accessible(page)
    screenshot(page, "staff-phone-desk-booked")
    assert requests_seen.console_errors == []


def test_staff_pages_at_200_percent_zoom_need_no_sideways_scrolling(chromium, web_server):
    """200 % zoom of a 1280 x 900 window: 640 x 450 CSS pixels. Wide tables (the week
    calendar) scroll inside their own region, never the page."""
    context = chromium.new_context(locale="de-DE", viewport={"width": 640, "height": 450}, base_url=web_server.url)
    page = context.new_page()
    try:
        login(page, *STEFAN, next_path="/verwaltung/")
        day = weekday_ahead(7)
        for path in (
            "/verwaltung/",
            "/verwaltung/dienstfahrten/neu/",
            "/verwaltung/grundlast/",
            f"/verwaltung/telefon/?einmalig=1&grund=Anruf&datum={day.isoformat()}",
            f"/verwaltung/fahrerlisten/?datum={day.isoformat()}",
            "/verwaltung/mitgliedschaften/",
        ):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            wide = page.evaluate(
                """() => Array.from(document.querySelectorAll('body *')).filter((el) =>
                    el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                    && !el.closest('.console-table-wrap')).slice(0, 8).map((el) => el.tagName + '.' + el.className)"""
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at 200 %: {wide}"
    finally:
        context.close()
