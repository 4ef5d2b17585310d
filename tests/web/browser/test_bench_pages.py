"""The Mitfahrbank pages in Chromium: the page behind the QR code and the live status (no
account), and the printable sign: axe finds nothing serious, controls are big enough, the
request is made with the keyboard alone, and nothing is fetched from another host (the QR code
is inline SVG made by the server)."""

from __future__ import annotations

import httpx

from tests.web.browser.conftest import assert_accessible, screenshot, small_targets


def _bench(web_server) -> dict:
    points = httpx.get(f"{web_server.url}/api/v1/rides/meeting-points/?page_size=200", timeout=30).json()["results"]
    return next(p for p in points if p["name"] == "Mitfahrbank Lindenau")


def test_bench_page_and_status_by_keyboard(page, web_server):
    bench = _bench(web_server)
    page.goto(f"/bank/{bench['code']}/")
    assert page.locator("h1").inner_text() == "Mitfahrbank Lindenau"
    assert_accessible(page)
    assert small_targets(page) == []
    # keyboard only: focus the first destination, choose it with space, submit with Enter
    page.locator("input[name=destination]").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/bank/{bench['code']}/anfrage/**")
    assert "Wir suchen eine Mitfahrt für Sie" in page.locator("#bank-status").inner_text()
    assert page.locator("#bank-status").get_attribute("aria-live") == "polite"
    assert_accessible(page)
    screenshot(page, "mitfahrbank-anfrage")


def test_printable_sign(page, web_server):
    bench = _bench(web_server)
    page.goto(f"/bank/{bench['code']}/schild/")
    assert page.locator(".bench-sign-qr svg").count() == 1
    assert f"/bank/{bench['code']}/" in page.locator(".bench-sign-url").inner_text()
    assert_accessible(page)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    screenshot(page, "mitfahrbank-schild")
