"""Shared fixtures: personas, authenticated clients, real services, shared data.

Personas: ``alice`` (resident, owns things), ``bob`` (another resident), ``stella``
(town-hall staff with a cost centre), ``otto`` (operator). ``client_for(user)`` signs in
with a real app token, so tests exercise the same authentication as the apps.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import CostCentreFactory, UserFactory

SHARED_DATA = Path(os.environ.get("SHARED_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))

_skipped_for: dict[str, list[str]] = {"postgres": [], "redis": []}


def pytest_collection_modifyitems(config, items):
    is_postgres = settings.IS_POSTGRES
    has_redis = bool(settings.REDIS_URL)
    for item in items:
        if item.get_closest_marker("postgres") and not is_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
            _skipped_for["postgres"].append(item.nodeid)
        if item.get_closest_marker("redis") and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
            _skipped_for["redis"].append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    backend = "PostgreSQL" if settings.IS_POSTGRES else "SQLite"
    layer = "Redis" if settings.REDIS_URL else "in-memory"
    terminalreporter.write_sep("=", f"database: {backend}, channel layer: {layer}")
    for what, label in (("postgres", "PostgreSQL-only"), ("redis", "Redis-only")):
        skipped = _skipped_for[what]
        if skipped:
            terminalreporter.write_line(f"Skipped {len(skipped)} {label} tests (set the variable to run them):")
            for nodeid in skipped:
                terminalreporter.write_line(f"  {nodeid}")


@pytest.fixture
def not_eager():
    """Celery tasks are queued (to the broker) instead of run at once, for this test."""
    from mobility.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request leaves the language it asked for
    active in the thread (Django's LocaleMiddleware does not undo it), so an English request
    in one test made the next one's German-by-default command answer in English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    _forget_active_road_graph()
    yield
    cache.clear()
    _forget_active_road_graph()


def _forget_active_road_graph() -> None:
    """The journey search remembers the active road graph, the active feed versions and where
    cars stand for a few seconds, and the Flex rows per feed version; every test has its own."""
    from gtfs.selectors import active_versions_forget
    from journeys import one_search, roads
    from ondemand.selectors import flex_cache_forget

    roads._model = (-1.0, -1, None)
    active_versions_forget()
    one_search.cars_in_service_forget()
    flex_cache_forget()


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests that need a file skip if it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


def shared_file(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"shared data file missing: {path}")
    return path


@pytest.fixture
def cost_centre(db):
    return CostCentreFactory(code="KST-1000", name="Hauptamt")


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.org", display_name="Alice")


@pytest.fixture
def bob(db):
    return UserFactory(email="bob@example.org", display_name="Bob")


@pytest.fixture
def stella(db, cost_centre):
    return UserFactory(
        email="stella@rathaus.example.org", display_name="Stella", is_town_staff=True, cost_centre=cost_centre
    )


@pytest.fixture
def otto(db):
    return UserFactory(email="otto@rathaus.example.org", display_name="Otto", is_operator=True)


@pytest.fixture
def member(db):
    return UserFactory(email="mia@example.org", display_name="Mia", is_member=True)


def make_token(user) -> str:
    from knox.models import get_token_model

    _, token = get_token_model().objects.create(user)
    return token


@pytest.fixture
def client_for(db):
    """``client_for(user)``: an APIClient with a real app token (``None``: anonymous)."""

    def build(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
        return client

    return build


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def _free_port() -> int:
    from benchmarks._servers import free_port

    return free_port()


@pytest.fixture
def asgi_server(transactional_db):
    """The real ASGI application served by uvicorn on a free loopback port.

    For tests with real parallel clients: requests run in the server's threads with their
    own database connections against the test database. Yields the base URL.
    """
    import uvicorn

    from mobility.asgi import application

    port = _free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    close_other_database_sessions()


def close_other_database_sessions() -> None:
    """End the test database sessions that server or worker threads opened, so the test
    database can be flushed and dropped (PostgreSQL; SQLite needs nothing)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
