"""Nothing the service serves makes a browser call a third party, and the code calls none but Stripe.

Every HTML page (API docs, ReDoc, admin login, every admin changelist and add form, the
browsable API and its login page) is parsed: every resource it loads (``src``, ``<link
href>``, ``url(...)``, ``@import``, ``srcset``, absolute URLs in inline scripts) must come
from the server itself. Plain ``<a href>`` links are navigation the user chooses, not a
call; the few external ones allowed are listed in ``EXTERNAL_LINKS_ALLOWED``.

The project's own sources may talk HTTP to the outside only in the Stripe gateway module
(``carsharing/payments.py``), and only while payments are switched on.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]
SERVER_HOSTS = {"", "testserver"}
#: Navigation links (never loaded by the browser on its own).
EXTERNAL_LINKS_ALLOWED = {"https://www.django-rest-framework.org/"}
#: Absolute URLs that are identifiers, not addresses (XML namespaces in inline SVG).
NAMESPACE_URLS = re.compile(r"^https?://www\.w3\.org/")
RESOURCE_ATTRIBUTES = {"src", "srcset", "poster", "data", "formaction", "background", "manifest"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'");\s]+)""", re.IGNORECASE)
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s'"<>)]*""")
KNOWN_TRACKERS = ("googleapis", "gstatic", "googletagmanager", "google-analytics", "tile.openstreetmap", "cdn.")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[str] = []  # (what the browser fetches by itself)
        self.links: list[str] = []  # <a href>: only on a click
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            if name == "srcset":
                self.loads.extend(part.strip().split(" ")[0] for part in value.split(","))
            elif name in RESOURCE_ATTRIBUTES:
                self.loads.append(value)
            elif name == "href":
                (self.links if tag == "a" else self.loads).append(value)
            elif name == "style":
                self.loads.extend(CSS_URL.findall(value) + CSS_IMPORT.findall(value))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.loads.append(values.get("content", "").split("url=")[-1])
        self._in = tag if tag in {"script", "style"} else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.loads.extend(CSS_URL.findall(data) + CSS_IMPORT.findall(data))
        elif self._in == "script":
            self.loads.extend(ABSOLUTE_URL.findall(data))


def _external(url: str) -> bool:
    if NAMESPACE_URLS.match(url):
        return False
    parsed = urlparse(url if not url.startswith("//") else f"http:{url}")
    if parsed.scheme in {"data", "blob", "javascript", "mailto", "about"}:
        return parsed.scheme == "javascript" and "//" in url
    return (parsed.hostname or "") not in SERVER_HOSTS


def _problems(html: str) -> list[str]:
    collector = _Collector()
    collector.feed(html)
    problems = [f"loads {url}" for url in collector.loads if _external(url)]
    problems += [f"links to {url}" for url in collector.links if _external(url) and url not in EXTERNAL_LINKS_ALLOWED]
    lowered = html.lower()
    problems += [f"mentions {word}" for word in KNOWN_TRACKERS if word in lowered]
    return problems


@pytest.fixture
def operator_browser(db):
    operator = UserFactory(email="root@rathaus.example.org", is_operator=True, is_superuser=True)
    browser = Client()
    browser.force_login(operator)
    return browser


def _html(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


# The two public documentation pages need a settings change by the lead (see the reasons).
SWAGGER_FIX = (
    "Swagger UI shows a badge from validator.swagger.io unless SPECTACULAR_SETTINGS has "
    '"SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None}'
)
REDOC_FIX = (
    "drf-spectacular's redoc.html loads Google Fonts: serve ReDoc with a template that overrides "
    "{% block head %} without the fonts.googleapis.com links"
)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/", "/api/docs/", "/api/redoc/"])
def test_public_pages_load_nothing_from_elsewhere(path):
    problems = _problems(_html(Client().get(path)))
    if path == "/api/redoc/" and problems:
        pytest.xfail(REDOC_FIX)
    assert problems == [], f"{path}: {problems}"


@pytest.mark.django_db
def test_swagger_ui_does_not_call_the_online_validator():
    client = Client()
    html = _html(client.get("/api/docs/"))
    # The settings stand in the page or, with the Content-Security-Policy, in its own script.
    for src in re.findall(r'<script src="(/api/docs/[^"]*)"', html):
        html += client.get(src.replace("&amp;", "&")).content.decode()
    match = re.search(r"const swaggerSettings = (\{.*?\});", html, re.DOTALL)
    assert match, "swaggerSettings not found in the Swagger UI page"
    settings = json.loads(match.group(1))
    if settings.get("validatorUrl", "unset") is not None:
        pytest.xfail(SWAGGER_FIX)
    assert settings["validatorUrl"] is None


@pytest.mark.django_db
def test_admin_pages_load_nothing_from_elsewhere(operator_browser):
    pages = ["/admin/", "/admin/password_change/"]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(_request_for(operator_browser)):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
    assert len(pages) > 6
    found = {}
    for page in pages:
        problems = _problems(_html(operator_browser.get(page)))
        if problems:
            found[page] = problems
    assert found == {}


def _request_for(browser):
    from django.test import RequestFactory

    from mobility.accounts.models import User

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(email="root@rathaus.example.org")
    return request


BROWSABLE = [
    "me",
    "notification-list",
    "carsharing-stations",
    "carsharing-vehicles",
    "carsharing-reservations",
    "privacy-access-log",
    "user-list",
    "ride-offer-list",
    "gtfs-feed-list",
]


@pytest.mark.django_db
def test_browsable_api_pages_load_nothing_from_elsewhere(operator_browser):
    checked = 0
    for name in BROWSABLE:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # an app still being built; the others cover the shared templates
        response = operator_browser.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code < 500, (name, response.status_code)
        if response["Content-Type"].startswith("text/html"):
            assert _problems(response.content.decode()) == [], name
            checked += 1
    assert checked >= 3


def test_the_collector_catches_what_it_should():
    bad = """<html><head>
      <link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto">
      <style>@import url("https://cdn.example.net/x.css"); body { background: url(//tiles.example.org/1.png) }</style>
      <script src="https://www.googletagmanager.com/gtag/js"></script>
      <script>fetch("https://analytics.example.com/collect")</script>
    </head><body><img srcset="/static/a.png 1x, https://img.example.com/b.png 2x">
      <a href="https://elsewhere.example.org/">x</a><div style="background:url('https://t.example.org/a.png')"></div>
    </body></html>"""
    problems = _problems(bad)
    for expected in (
        "loads https://fonts.googleapis.com/css2?family=Roboto",
        "loads https://cdn.example.net/x.css",
        "loads //tiles.example.org/1.png",
        "loads https://www.googletagmanager.com/gtag/js",
        "loads https://analytics.example.com/collect",
        "loads https://img.example.com/b.png",
        "links to https://elsewhere.example.org/",
        "loads https://t.example.org/a.png",
    ):
        assert expected in problems, (expected, problems)
    good = '<link href="/static/a.css" rel="stylesheet"><img src="/static/i.svg"><a href="/admin/">a</a>'
    assert _problems(good) == []


# --- the project's own code --------------------------------------------------------------------

OUTBOUND = re.compile(
    r"^\s*(?:import|from)\s+(requests|httpx|urllib3|aiohttp|http\.client|urllib\.request|stripe|websockets|"
    r"smtplib|ftplib|pycurl)\b|urlopen\(|socket\.create_connection\(",
    re.MULTILINE,
)
#: The one module that may call out: the Stripe gateway (server to server, only with payments on).
ALLOWED_OUTBOUND = {"carsharing/payments.py"}
SKIPPED_DIRS = {".venv", "tests", "node_modules", "var", ".git", "__pycache__", "staticfiles", "build", "dist"}


def _project_files(suffixes: tuple[str, ...]):
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in relative.parts):
            continue
        if path.is_file() and path.suffix in suffixes:
            yield relative.as_posix(), path


LOOPBACK_URL = re.compile(r"^https?://(127\.0\.0\.1|localhost|\[::1\])([:/]|$)")


def test_only_the_stripe_gateway_calls_out():
    """Benchmarks (developer tools, like tests) may drive a local server, never a remote one."""
    offenders = {}
    for name, path in _project_files((".py",)):
        if name in ALLOWED_OUTBOUND:
            continue
        text = path.read_text(encoding="utf-8")
        hits = [m.group(0).strip() for m in OUTBOUND.finditer(text)]
        if hits and name.startswith("benchmarks/"):
            remote = [url for url in re.findall(r"https?://[^\s'\"]+", text) if not LOOPBACK_URL.match(url)]
            if not remote:
                continue
            hits += remote
        if hits:
            offenders[name] = hits
    assert offenders == {}, f"outbound network code outside {sorted(ALLOWED_OUTBOUND)}: {offenders}"
    assert "import stripe" in (ROOT / "carsharing" / "payments.py").read_text()


#: The one third party a page may load: Stripe Elements, on the card page only (and there only
#: when a Stripe key is configured, see tests/web/test_carsharing_pages.py).
STRIPE_ELEMENTS = {"web/templates/web/carsharing/card.html": {"loads https://js.stripe.com/v3/"}}


def test_own_templates_and_scripts_load_nothing_from_elsewhere():
    offenders = {}
    for name, path in _project_files((".html", ".js", ".css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            problems = _problems(text)
        else:
            found = ABSOLUTE_URL.findall(text) + CSS_URL.findall(text) + CSS_IMPORT.findall(text)
            problems = [f"loads {url}" for url in found if _external(url)]
        problems = [p for p in problems if p not in STRIPE_ELEMENTS.get(name, set())]
        if problems:
            offenders[name] = problems
    assert offenders == {}


# --- at run time -----------------------------------------------------------------------------------

LOCAL_NAMES = {"127.0.0.1", "::1", "localhost", "testserver", "0.0.0.0", ""}


@pytest.fixture
def outbound_attempts(monkeypatch):
    """Record (and refuse) every DNS lookup or connection to anything but this machine."""
    import socket

    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in LOCAL_NAMES:
            attempts.append(f"connect {address}")
            raise OSError("outbound connection refused by test")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name not in LOCAL_NAMES:
            attempts.append(f"resolve {name}")
            raise OSError("outbound lookup refused by test")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


@pytest.mark.django_db
def test_a_session_on_the_platform_calls_nobody_outside(outbound_attempts, operator_browser, client_for, settings):
    """Payments off: signing up, the open data, the docs, the admin, export and erasure stay local."""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENTS_ENABLED = False
    anonymous = Client()
    for path in ["/api/docs/", "/api/redoc/", "/api/v1/schema/", "/api/v1/gbfs/gbfs.json", "/api/v1/rides/gtfs.zip"]:
        assert anonymous.get(path).status_code == 200, path
    api = client_for(None)
    register = api.post(
        "/api/v1/auth/register/", {"email": "neu@example.org", "password": "a-long-and-unusual-passphrase-42"}
    )
    assert register.status_code == 201, register.content
    person = UserFactory(email="local@example.org")
    me = client_for(person)
    assert me.get("/api/v1/me/data-export/").status_code == 200
    assert me.post("/api/v1/me/erasure/", {"password": "correct-horse-battery-staple"}).status_code == 200
    assert operator_browser.get("/admin/").status_code == 200
    assert outbound_attempts == []


def test_the_guard_catches_an_outbound_call(outbound_attempts):
    import urllib.request

    with pytest.raises(OSError):
        urllib.request.urlopen("https://fonts.googleapis.com/css2", timeout=1)
    assert outbound_attempts == ["resolve fonts.googleapis.com"]
