"""Every page of the site, found by following its own links as a visitor, a resident and a
member: axe finds no serious or critical violation, controls are at least 44 px, and no page
asks any host but the server."""

from __future__ import annotations

from urllib.parse import urldefrag, urlparse

import pytest

from tests.web.browser.conftest import axe_violations, login, small_targets

#: Not pages to check: leaving, machine formats, the API and admin (they have their own tests).
SKIP_PREFIXES = ("/abmelden/", "/api", "/admin", "/static/", "/healthz", "/readyz", "/ws/")
SKIP_SUFFIXES = (".json", ".geojson", ".webmanifest", ".js", ".zip")
START = ("/", "/karte/", "/carsharing/", "/carsharing/reservierungen/", "/meine-fahrten/")
MAX_PAGES = 60

PERSONAS = {
    "visitor": None,
    "resident": ("anna@demo.lindenau.example", "anna-demo-2026"),
    "member": ("carla@demo.lindenau.example", "carla-demo-2026"),
}


def _crawl(page, base: str) -> dict[str, dict[str, list[str]]]:
    seen: set[str] = set()
    queue = list(START)
    problems: dict[str, dict[str, list[str]]] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        if response is None or response.status >= 400 or not page.url.startswith(base):
            if response is not None and response.status >= 500:
                problems[path] = {"status": [str(response.status)]}
            continue
        found: dict[str, list[str]] = {}
        violations = axe_violations(page)
        if violations:
            found["axe"] = [f"{v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}" for v in violations]
        small = small_targets(page)
        if small:
            found["small targets"] = small
        if found:
            problems[path] = found
        for href in page.eval_on_selector_all("a[href]", "els => els.map((a) => a.href)"):
            url = urldefrag(href).url
            parsed = urlparse(url)
            if f"{parsed.scheme}://{parsed.netloc}" != base:
                continue
            target = parsed.path  # one visit per path: query variants show the same page
            if target.startswith(SKIP_PREFIXES) or target.endswith(SKIP_SUFFIXES) or target in seen:
                continue
            queue.append(target)
    # the start pages plus at least the car-sharing vehicles and the privacy page
    assert len(seen) >= len(START) + 3
    return problems


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_page_passes_axe_and_has_big_enough_targets(page, web_server, requests_seen, persona):
    if PERSONAS[persona]:
        login(page, *PERSONAS[persona])
    problems = _crawl(page, web_server.url)
    assert problems == {}
    assert requests_seen.foreign() == []
