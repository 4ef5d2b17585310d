"""Web app tests: Django's test client with a session login, as a browser would do it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def browser() -> Client:
    """An anonymous browser that enforces CSRF like a real one."""
    return Client(enforce_csrf_checks=True)


def csrf_token(client: Client, path: str) -> str:
    """Load ``path`` and read the CSRF token from its form, as a browser does."""
    html = client.get(path).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, f"no CSRF token in the form at {path}"
    return match.group(1)


def post_form(client: Client, path: str, data: dict, *, form_page: str | None = None, **extra):
    """Submit a form the way a browser does: load the page, then post with its CSRF token."""
    token = csrf_token(client, form_page or path)
    return client.post(path, {**data, "csrfmiddlewaretoken": token}, **extra)


def signed_in(user, password: str = DEFAULT_PASSWORD) -> Client:
    """A browser that signed in through the login form."""
    client = Client(enforce_csrf_checks=True)
    response = post_form(client, "/anmelden/", {"email": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


class PageText(HTMLParser):
    """The visible text of a page, whitespace collapsed (no script/style content)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(response) -> str:
    parser = PageText()
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


@pytest.fixture
def demo(db, tmp_path, settings):
    """The demo region (accounts, buses, Bürgerbus, carpools, cars), as ``make run`` has it."""
    from io import StringIO

    from django.core.management import call_command

    import journeys.conf
    import journeys.timetable_store as store

    settings.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    journeys.conf.JOURNEYS_TIMETABLE_DIR = str(tmp_path / "timetables")
    store._cache = None
    call_command("demo", "--out", str(tmp_path / "demo"), stdout=StringIO())
    yield
    store._cache = None


DEMO_PASSWORDS = {
    "anna@demo.lindenau.example": "anna-demo-2026",
    "ben@demo.lindenau.example": "ben-demo-2026",
    "carla@demo.lindenau.example": "carla-demo-2026",
}


def demo_browser(email: str) -> Client:
    from mobility.accounts.models import User

    return signed_in(User.objects.get(email=email), DEMO_PASSWORDS[email])
