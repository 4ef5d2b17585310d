"""A German resident, staff member and operator never meet English in a page's ``<title>`` or
headings: the demo region, each persona signed in, every page reachable by links from the
start pages (the web app, the staff console ``/verwaltung/``, the operator console ``/betrieb/``).
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlparse

import pytest
from django.test import Client

from tests.test_german_walk import ENGLISH_MESSAGES
from tests.web.conftest import demo  # noqa: F401  (the fixture)

ENGLISH_WORDS = re.compile(
    r"\b(the|is|are|not|must|such|please|your|you|booking|bookings|seat|seats|ride|rides|trip|trips|with|from|"
    r"of|and|for|new|my|account|search|results|cancel|request|requests|offer|offers|page|not found|error)\b",
    re.IGNORECASE,
)
# Links a crawl must not follow: downloads, the sign-out, the admin and the API (walked elsewhere).
SKIP = re.compile(r"^/(admin|api|static|media|ws)/|abmelden|export|download|\.pdf|\.csv|\.xlsx|\.zip|bericht|/daten")
LIMIT = 120  # pages per persona


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _title_and_headings(html: str) -> list[str]:
    found = [_text(t) for t in re.findall(r"<title>(.*?)</title>", html, re.DOTALL)]
    found += [_text(h) for h in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.DOTALL)]
    return [t for t in found if t]


def _english(text: str) -> bool:
    return bool(ENGLISH_WORDS.search(text)) or any(p.fullmatch(text) for p in ENGLISH_MESSAGES)


def crawl(client: Client, starts: list[str]) -> dict[str, list[str]]:
    """path -> title and headings of every HTML page reachable from ``starts`` (GET only)."""
    seen: dict[str, list[str]] = {}
    queue = deque(starts)
    while queue and len(seen) < LIMIT:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            seen[path] = []
            continue
        html = response.content.decode()
        seen[path] = _title_and_headings(html)
        for href in re.findall(r'href="([^"]+)"', html):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parsed = urlparse(href)
            if parsed.scheme or parsed.netloc or not href.startswith("/") or SKIP.search(href):
                continue
            if href not in seen:
                queue.append(href)
    return seen


def test_the_detector_knows_english_headings_from_german_ones():
    assert _english("My trips") and _english("Search results") and _english("Cancel your booking")
    for german in ("Meine Fahrten", "Wohin möchten Sie?", "Verbindungen", "Carsharing – Mitgliedschaft", "Mitfahrbank"):
        assert not _english(german), german


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "starts"),
    [
        (
            "anna@demo.lindenau.example",
            [
                "/",
                "/meine-fahrten/",
                "/konto/",
                "/verbindungen/?origin=Lindenau+Rathaus&destination=Buchwald+Feuerwehr",
            ],
        ),
        (None, ["/verwaltung/"]),  # the demo's town-hall staff member
        ("operator", ["/betrieb/"]),
    ],
)
def test_titles_and_headings_are_german(demo, email, starts):  # noqa: F811
    from mobility.accounts.models import User

    if email is None:
        user = User.objects.filter(is_town_staff=True, is_operator=False).order_by("pk").first()
    elif email == "operator":
        user = User.objects.filter(is_operator=True).order_by("pk").first()
    else:
        user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    pages = crawl(client, starts)
    shown = {path: texts for path, texts in pages.items() if texts}
    assert len(shown) >= 5, sorted(pages)
    english = {path: [t for t in texts if _english(t)] for path, texts in shown.items()}
    assert {path: texts for path, texts in english.items() if texts} == {}
