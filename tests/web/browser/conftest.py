"""Browser tests: the real service in a subprocess, driven by Debian's Chromium through Playwright.

``web_server`` starts the service the way ``make run`` does (``migrate``, ``manage.py demo``,
uvicorn over ASGI) in a subprocess with development settings (so cookies are not ``Secure``
on plain http) and its own database: a fresh PostgreSQL database ``<name>_browser`` beside the
test database when ``DATABASE_URL`` is set, else a SQLite file in a temporary directory. It
listens on the first free port from 8500 (``BROWSER_TEST_PORT`` to start elsewhere).

``page`` is a fresh German-language browser page whose every request is recorded; a test
fails when the page asked any host other than the live server (no CDN, no tiles, no fonts).
``assert_accessible(page)`` runs axe-core (shipped inside the axe-playwright-python wheel,
so offline) and fails on any serious or critical violation. ``screenshot(page, name)`` saves
``docs/screens/<name>.png``.

Without Chromium (``/usr/bin/chromium`` or ``CHROMIUM_PATH``) or Playwright every test here
is skipped with one line saying so (``BROWSER_TESTS_REQUIRED=1``, as CI sets it, makes that
an error instead).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from benchmarks._servers import free_port, start_uvicorn, stop_process

ROOT = Path(__file__).resolve().parents[3]
# The README's screenshots are refreshed on request (SAVE_SCREENSHOTS=1); an ordinary run writes
# them under var/ so that running the suite never changes tracked files.
SCREENS = ROOT / "docs" / "screens" if os.environ.get("SAVE_SCREENSHOTS") == "1" else ROOT / "var" / "screens"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--lang=de-DE",  # German date and number fields, as the residents see them
]
SKIP_REASON = f"browser tests: no Chromium at {CHROMIUM} (apt-get install chromium) or no playwright"
#: axe impact levels that fail a page (WCAG 2.1 AA as BITV 2.0 requires).
BLOCKING_IMPACTS = {"serious", "critical"}

try:  # the test extras install both; without them the tests skip instead of failing to import
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    HAVE_PLAYWRIGHT = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_PLAYWRIGHT = False


def chromium_available() -> bool:
    return HAVE_PLAYWRIGHT and CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


_left_out: list[str] = []


def pytest_collection_modifyitems(config, items):
    """Without Chromium the browser tests are left out, and one line at the end says so."""
    if chromium_available():
        return
    if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
        raise pytest.UsageError(f"BROWSER_TESTS_REQUIRED=1 but {SKIP_REASON}")
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(str(item.fspath)).parents]
    if browser_items:
        items[:] = [item for item in items if item not in browser_items]
        config.hook.pytest_deselected(items=browser_items)
        _left_out.extend(item.nodeid for item in browser_items)


def pytest_terminal_summary(terminalreporter):
    if _left_out:
        terminalreporter.write_line(f"Skipped {len(_left_out)} {SKIP_REASON}")


def _free_port(start: int) -> int:
    return free_port(start, start + 99)


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    database: str  # a SQLite path or a PostgreSQL URL
    log: Path

    def manage(self, *args: str) -> str:
        """Run ``manage.py`` against the live server's database; returns its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of one read-only SQL query on the live server's database (``%s`` placeholders)."""
        if self.database.startswith("postgres"):
            import psycopg

            with psycopg.connect(self.database) as conn, conn.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        import sqlite3

        conn = sqlite3.connect(self.database)
        try:
            return list(conn.execute(sql.replace("%s", "?"), params).fetchall())
        finally:
            conn.close()


def _browser_database(tmp: Path) -> tuple[dict[str, str], str]:
    """Environment for the server's own database, and how tests reach it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        path = tmp / "browser.sqlite3"
        return {"DATABASE_URL": "", "SQLITE_PATH": str(path)}, str(path)
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/") + "_browser"
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(urlunparse(parsed._replace(path=f"/{name}")), autocommit=True) as db:
                db.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        except psycopg.Error:
            pass  # the migration creates it when it may
    browser_url = urlunparse(parsed._replace(path=f"/{name}"))
    # One worker, short-lived connections: the shared server has few to spare.
    return {"DATABASE_URL": browser_url, "DB_CONN_MAX_AGE": "0"}, browser_url


def _drop_browser_database(database: str) -> None:
    if not database.startswith("postgres"):
        return
    import psycopg

    parsed = urlparse(database)
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


@pytest.fixture(scope="session")
def web_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The service as ``make run`` serves it, with the demo region, for the whole session."""
    if not chromium_available():
        pytest.skip(SKIP_REASON)
    tmp = tmp_path_factory.mktemp("browser-server")
    db_env, database = _browser_database(tmp)
    port = _free_port(int(os.environ.get("BROWSER_TEST_PORT", "8500")))
    env = {
        **os.environ,
        **db_env,
        "DJANGO_SETTINGS_MODULE": "mobility.settings",
        "DJANGO_DEBUG": "1",
        "REDIS_URL": "",  # in-memory channel layer, local cache, eager tasks: one process
        "DATA_DIR": str(tmp / "data"),
        "MEDIA_ROOT": str(tmp / "media"),
        "AUTH_THROTTLE_RATE": "1000/min",
        "SEARCH_THROTTLE_RATE": "1000/min",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "STRIPE_SECRET_KEY": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp / "server.log"
    first_port = int(os.environ.get("BROWSER_TEST_PORT", "8500"))
    server = LiveServer(url="", env=env, database=database, log=log)
    server.manage("migrate", "--noinput", "-v", "0")
    server.manage("demo", "--port", str(first_port))
    proc, port = start_uvicorn(env, log=log, first_port=first_port, timeout_s=60)
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        stop_process(proc)
        _drop_browser_database(database)


@pytest.fixture(scope="session")
def chromium():
    if not chromium_available():
        pytest.skip(SKIP_REASON)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class RequestLog:
    """Every request a page made, and the console errors it logged (CSP violations among them)."""

    server_origin: str
    urls: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        allowed = {self.server_origin}
        found = []
        for url in self.urls:
            parsed = urlparse(url)
            if parsed.scheme in {"data", "blob", "about"}:
                continue
            if f"{parsed.scheme}://{parsed.netloc}" not in allowed:
                found.append(url)
        return found


@pytest.fixture
def requests_seen(web_server) -> RequestLog:
    return RequestLog(server_origin=web_server.url)


@pytest.fixture
def page(chromium, web_server, requests_seen):
    """A fresh page (own cookies) in German; fails the test on any request to another host."""
    context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}, base_url=web_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("request", lambda request: requests_seen.urls.append(request.url))
    page.on("console", lambda msg: requests_seen.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: requests_seen.console_errors.append(f"page error: {exc}"))
    yield page
    context.close()
    foreign = requests_seen.foreign()
    assert foreign == [], f"the page asked hosts other than the server: {foreign}"


_axe: Axe | None = None


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page as it is now."""
    global _axe
    if _axe is None:
        _axe = Axe()
    result = _axe.run(page)
    return [v for v in result.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page."""
    violations = axe_violations(page)
    summary = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations]
    assert violations == [], f"axe on {page.url}: " + "; ".join(summary)


#: Controls that must be at least 44 × 44 CSS pixels (links inside running text are exempt,
#: as in WCAG 2.5.5; Leaflet's own map controls are checked by the map's CSS).
TARGETS = "main button, main select, main input:not([type=hidden]), main a.button, header a, footer a"


def small_targets(page) -> list[str]:
    """Visible controls smaller than 44 px in height (width for buttons and links too)."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector))
            .filter((el) => el.offsetParent !== null && !el.closest('.leaflet-container'))
            .filter((el) => el.type !== 'checkbox' && el.type !== 'radio')  // the label is the target
            .filter((el) => { const r = el.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
            .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "'
                         + (el.innerText || el.value || el.name || '').trim().slice(0, 30) + '" '
                         + Math.round(el.getBoundingClientRect().width) + 'x'
                         + Math.round(el.getBoundingClientRect().height))""",
        TARGETS,
    )


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot to ``SCREENS/<name>.png`` (``docs/screens`` with SAVE_SCREENSHOTS=1)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, email: str, password: str, next_path: str = "/") -> None:
    """Sign in through the site's own login form as a person would."""
    page.goto(f"/anmelden/?next={next_path}")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.locator("main").get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state("networkidle")
