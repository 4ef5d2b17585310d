"""The operator console with the keyboard alone, and its pages at 200 % zoom."""

from __future__ import annotations

from tests.web.browser.conftest import login
from tests.web.browser.test_keyboard_and_zoom import tab_to

OLGA = ("olga@demo.lindenau.example", "olga-demo-2026")


def test_operator_takes_a_car_out_of_service_and_back_with_the_keyboard(page, web_server):
    login(page, *OLGA, next_path="/betrieb/")
    tab_to(page, "el.tagName === 'A' && el.getAttribute('href') === '/betrieb/flotte/'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Flotte"
    plate = page.locator("table.console-table tbody tr[id^='fahrzeug-'] th").first.inner_text()
    tab_to(page, f"el.tagName === 'BUTTON' && el.textContent.trim().startsWith({plate!r} + ' außer Betrieb nehmen')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert web_server.query("SELECT in_service FROM carsharing_vehicle WHERE plate = %s", (plate,)) == [(False,)]
    assert page.get_by_text(f"{plate} ist außer Betrieb.").count() == 1
    tab_to(page, f"el.tagName === 'BUTTON' && el.textContent.trim() === {plate!r} + ' wieder in Betrieb nehmen'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert web_server.query("SELECT in_service FROM carsharing_vehicle WHERE plate = %s", (plate,)) == [(True,)]


def test_console_pages_at_200_percent_zoom_need_no_sideways_scrolling(chromium, web_server):
    # 200 % zoom of a 1280 x 900 window: the page gets 640 x 450 CSS pixels; wide tables scroll
    # inside their own keyboard-reachable region, never the page
    context = chromium.new_context(locale="de-DE", viewport={"width": 640, "height": 450}, base_url=web_server.url)
    page = context.new_page()
    try:
        login(page, *OLGA, next_path="/betrieb/")
        for path in (
            "/betrieb/",
            "/betrieb/fahrplaene/",
            "/betrieb/buergerbus/",
            "/betrieb/buergerbus/fahrten/",
            "/betrieb/flotte/",
            "/betrieb/strassennetz/",
            "/betrieb/personen/",
            "/betrieb/zugriffsprotokoll/",
        ):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at 200 %"
    finally:
        context.close()
