"""The member flow with the keyboard alone, and the car-sharing pages at 200 % zoom."""

from __future__ import annotations

import re

from tests.web.browser.conftest import login

CARLA = ("carla@demo.lindenau.example", "carla-demo-2026")


def tab_to(page, condition: str, limit: int = 150) -> None:
    """Press Tab until ``condition`` (a JS expression about document.activeElement) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {condition}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {condition}")


def test_member_reserves_with_the_keyboard_alone(page, web_server):
    login(page, *CARLA, next_path="/carsharing/")
    # from the station list to a car
    tab_to(page, "el.tagName === 'A' && /\\/carsharing\\/fahrzeuge\\/\\d+\\/$/.test(el.getAttribute('href'))")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    vehicle_id = int(re.search(r"/fahrzeuge/(\d+)/", page.url).group(1))
    tab_to(page, "el.name === 'day'")
    first_day = page.evaluate("document.activeElement.value")
    for _ in range(4):  # four days ahead
        page.keyboard.press("ArrowDown")
    chosen_day = page.evaluate("document.activeElement.value")
    assert chosen_day > first_day
    tab_to(page, "el.name === 'start_time'")
    page.keyboard.type("14:00")
    tab_to(page, "el.name === 'hours'")
    page.keyboard.type("3")  # typing the current value's first letter again would move on
    assert page.evaluate("document.querySelector('[name=start_time]').value") == "14:00"
    assert page.evaluate("document.querySelector('[name=hours]').value") == "3"
    page.locator("#quote", has_text="Preis für").wait_for()
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Reservieren'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "/carsharing/reservierungen/" in page.url
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Verbindlich buchen'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    reservation_id = int(re.search(r"/reservierungen/(\d+)/", page.url).group(1))
    rows = web_server.query("SELECT vehicle_id, status FROM carsharing_reservation WHERE id = %s", (reservation_id,))
    assert rows == [(vehicle_id, "confirmed")]


def test_car_sharing_pages_at_200_percent_zoom_need_no_sideways_scrolling(chromium, web_server):
    # 200 % zoom of a 1280 x 900 window: the page gets 640 x 450 CSS pixels
    context = chromium.new_context(locale="de-DE", viewport={"width": 640, "height": 450}, base_url=web_server.url)
    page = context.new_page()
    try:
        login(page, *CARLA, next_path="/carsharing/")
        vehicle = page.locator("a[href^='/carsharing/fahrzeuge/']").first.get_attribute("href")
        for path in ("/carsharing/", vehicle, f"{vehicle}?ansicht=tag", "/carsharing/reservierungen/", "/karte/"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at 200 %"
    finally:
        context.close()
