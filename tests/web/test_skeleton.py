"""The web app's frame: German pages with landmarks, session login with CSRF, security headers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.test_no_third_party import _problems
from tests.web.conftest import page_text, post_form, signed_in

PUBLIC_PAGES = ["/", "/anmelden/", "/registrieren/", "/passwort-vergessen/", "/datenschutz/", "/carsharing/"]
PERSONAL_PAGES = ["/meine-fahrten/", "/fahrt-anbieten/", "/konto/", "/konto/loeschen/", "/nachrichten/"]


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.inline_scripts = 0
        self._script_has_src = False
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.tags.append((tag, values))
        if tag == "script":
            self._in_script = True
            self._script_has_src = "src" in values

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and not self._script_has_src and data.strip():
            self.inline_scripts += 1

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


def _structure(response) -> Structure:
    parser = Structure()
    parser.feed(response.content.decode())
    return parser


def _check_page(response) -> Structure:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    html = response.content.decode()
    page = _structure(response)
    assert html.startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "de"}) in page.tags
    assert page.count("h1") == 1
    for landmark in ("header", "nav", "main", "footer"):
        assert page.count(landmark) == 1, landmark
    main = next(attrs for tag, attrs in page.tags if tag == "main")
    assert main["id"] == "inhalt"
    skip = next(attrs for tag, attrs in page.tags if tag == "a")
    assert skip == {"class": "skip-link", "href": "#inhalt"}
    # CSP without 'unsafe-inline': no inline script, no style attribute, no <style>.
    assert page.inline_scripts == 0
    assert page.count("style") == 0
    assert not any("style" in attrs for _, attrs in page.tags)
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert _problems(html) == []
    # Every local resource the page loads exists.
    for tag, attrs in page.tags:
        url = attrs.get("src") if tag == "script" else attrs.get("href") if tag == "link" else None
        if url and url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    return page


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_the_frame(path):
    _check_page(Client().get(path))


@pytest.mark.django_db
@pytest.mark.parametrize("path", PERSONAL_PAGES)
def test_personal_pages_need_sign_in_and_are_never_stored(path, alice):
    anonymous = Client().get(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/anmelden/?next={path}"
    browser = signed_in(alice)
    response = browser.get(path)
    _check_page(response)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_navigation_shows_the_resident_menu_and_marks_the_current_page(alice):
    anonymous = page_text(Client().get("/"))
    assert "Suche Meine Fahrten Fahrt anbieten Carsharing Anmelden" in anonymous
    browser = signed_in(alice)
    html = browser.get("/meine-fahrten/").content.decode()
    assert '<a href="/meine-fahrten/" aria-current="page">Meine Fahrten</a>' in html
    assert "Suche Meine Fahrten Fahrt anbieten Carsharing Nachrichten" in page_text(browser.get("/"))


@pytest.mark.django_db
def test_the_badge_counts_unread_notifications(alice, bob):
    from mobility.notifications.services import notify

    notify(alice, "ride_booking_confirmed", {"booking": 1})
    notify(alice, "buergerbus_booking_confirmed", {})
    notify(alice, "ride_booking_requested", {"booking": 2, "offer": 7})
    notify(bob, "ride_booking_confirmed", {})
    browser = signed_in(alice)
    html = browser.get("/").content.decode()
    assert re.search(r'<span class="badge" data-notification-badge><span data-notification-count>3</span>', html)
    listing = browser.get("/nachrichten/").content.decode()
    assert '<a href="/meine-angebote/7/">Jemand möchte bei Ihrer Fahrt mitfahren.' in listing
    assert '<a href="/meine-fahrten/">Ihr Platz im Bürgerbus ist gebucht.</a>' in listing
    text = page_text(browser.get("/nachrichten/"))
    assert "Neu: Ihr Platz im Bürgerbus ist gebucht." in text
    assert "Neu: Ihre Mitfahrt wurde bestätigt." in text
    response = post_form(browser, "/nachrichten/gelesen/", {}, form_page="/nachrichten/")
    assert response.status_code == 302
    assert alice.notifications.filter(read_at__isnull=True).count() == 0
    assert bob.notifications.filter(read_at__isnull=True).count() == 1
    html = browser.get("/").content.decode()
    assert "data-notification-badge hidden" in html


@pytest.mark.django_db
def test_login_with_csrf_and_logout(alice):
    browser = Client(enforce_csrf_checks=True)
    # Without the CSRF token the form is refused.
    refused = browser.post("/anmelden/", {"email": alice.email, "password": "correct-horse-battery-staple"})
    assert refused.status_code == 403
    assert "_auth_user_id" not in browser.session
    response = post_form(
        browser,
        "/anmelden/?next=/meine-fahrten/",
        {"email": "ALICE@example.org", "password": "correct-horse-battery-staple", "next": "/meine-fahrten/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/meine-fahrten/"
    assert browser.session["_auth_user_id"] == str(alice.pk)
    response = post_form(browser, "/abmelden/", {}, form_page="/konto/")
    assert response.status_code == 302
    assert "_auth_user_id" not in browser.session
    assert "Sie sind abgemeldet." in page_text(browser.get("/"))


@pytest.mark.django_db
def test_login_does_not_redirect_to_other_sites(alice):
    browser = Client(enforce_csrf_checks=True)
    response = post_form(
        browser,
        "/anmelden/",
        {"email": alice.email, "password": "correct-horse-battery-staple", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_wrong_password_and_unverified_address_show_german_errors(alice):
    from tests.factories import UserFactory

    browser = Client(enforce_csrf_checks=True)
    response = post_form(browser, "/anmelden/", {"email": alice.email, "password": "wrong-password-123"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Bitte prüfen Sie Ihre Angaben E-Mail-Adresse oder Passwort ist falsch." in text
    assert "_auth_user_id" not in browser.session

    UserFactory(email="neu@example.org", email_verified=False)
    response = post_form(
        browser, "/anmelden/", {"email": "neu@example.org", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="field-error" id="id_email_error"><p>Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse.' in html
    assert re.search(
        r'<input type="email" name="email"[^>]*aria-invalid="true"[^>]*aria-describedby="id_email_error"', html
    )
    assert '<a href="#id_email">E-Mail-Adresse: Bitte bestätigen Sie zuerst' in html
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db
def test_login_is_throttled_per_client(alice, settings):
    settings.AUTH_THROTTLE_RATE = "3/min"
    browser = Client(enforce_csrf_checks=True)
    statuses = [
        post_form(browser, "/anmelden/", {"email": alice.email, "password": "wrong-password-123"}).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    response = post_form(browser, "/anmelden/", {"email": alice.email, "password": "correct-horse-battery-staple"})
    assert response.status_code == 429
    assert "Zu viele Versuche." in page_text(response)
    assert "_auth_user_id" not in browser.session


@pytest.mark.django_db
def test_unknown_pages_are_german_html_and_the_api_keeps_json():
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = Client().get("/gibt-es-nicht/", HTTP_ACCEPT=browser_accept)
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
    assert "Diese Seite gibt es nicht" in page_text(page)
    api = Client().get("/api/v1/gibt-es-nicht/", HTTP_ACCEPT=browser_accept)
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    # Outside the API a client that asks for JSON (and not HTML) gets the JSON body.
    assert Client().get("/gibt-es-nicht/", HTTP_ACCEPT="application/json").json()["error"]["code"] == "not_found"
    assert Client().get("/gibt-es-nicht/")["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_manifest_and_service_worker():
    manifest = Client().get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["name"] == "Mobil in Lindenau"
    assert data["start_url"] == "/"
    assert data["lang"] == "de"
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon
    worker = Client().get("/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    body = worker.content.decode()
    assert 'var OFFLINE_PAGES = ["/meine-fahrten/"];' in body


def test_htmx_is_vendored_with_its_licence():
    folder = Path(finders.find("web/vendor/htmx/htmx.min.js")).parent
    assert (folder / "LICENSE").read_text().startswith("Zero-Clause BSD")
    assert b"htmx" in (folder / "htmx.min.js").read_bytes()[:2000]


@pytest.mark.django_db
def test_german_first_and_english_on_request():
    browser = Client(enforce_csrf_checks=True)
    assert "Wohin möchten Sie?" in page_text(browser.get("/"))
    response = post_form(browser, "/i18n/setlang/", {"language": "en", "next": "/anmelden/"}, form_page="/")
    assert response.status_code == 302 and response["Location"] == "/anmelden/"
    page = browser.get("/anmelden/")
    assert '<html lang="en">' in page.content.decode()
    text = page_text(page)
    assert "Sign in" in text and "E-mail address" in text and "Forgot your password?" in text
    assert "Deutsch" in text
    # A browser that asks for English gets it without choosing.
    assert "Where would you like to go?" in page_text(Client().get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
    assert "Wohin möchten Sie?" in page_text(Client().get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9"))
