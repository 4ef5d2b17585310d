"""Every /api/v1/ endpoint against anonymous, owner, other resident, staff and operator.

Rows come from ``tests/<app>/access_matrix.py``; each (row, persona) pair runs on a fresh
database. ``test_every_endpoint_has_a_row`` fails when an endpoint has no row.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access import PERSONAS, Ctx, Endpoint
from tests.factories import CostCentreFactory, UserFactory

TESTS_DIR = Path(__file__).resolve().parents[1]


def _load_rows() -> list[Endpoint]:
    rows: list[Endpoint] = []
    for path in sorted(TESTS_DIR.glob("*/access_matrix.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.access_matrix")
        rows.extend(module.ROWS)
    return rows


ROWS = _load_rows()


def _api_endpoints() -> set[tuple[str, str]]:
    """(METHOD, url name) for every view under /api/v1/."""
    found: set[tuple[str, str]] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                full = prefix + str(pattern.pattern)
                if not full.startswith("api/v1/"):
                    continue
                view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
                if view_class is None:
                    methods = ["GET"]
                else:
                    methods = [
                        m.upper()
                        for m in view_class.http_method_names
                        if m not in {"options", "head", "trace"} and hasattr(view_class, m)
                    ]
                for method in methods:
                    found.add((method, pattern.name))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_endpoint_has_a_row():
    covered = {(row.method.upper(), row.url_name) for row in ROWS}
    missing = sorted(_api_endpoints() - covered)
    assert missing == [], f"endpoints without an access-matrix row: {missing}"


def test_rows_are_unique():
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.fixture
def matrix_ctx(db):
    centre = CostCentreFactory(code="KST-1000", name="Hauptamt")
    return Ctx(
        alice=UserFactory(email="alice@example.org", display_name="Alice"),
        bob=UserFactory(email="bob@example.org", display_name="Bob"),
        stella=UserFactory(email="stella@example.org", display_name="Stella", is_town_staff=True, cost_centre=centre),
        otto=UserFactory(email="otto@example.org", display_name="Otto", is_operator=True),
    )


def _persona_user(ctx: Ctx, persona: str):
    return {"anonymous": None, "owner": ctx.alice, "other": ctx.bob, "staff": ctx.stella, "operator": ctx.otto}[persona]


@pytest.mark.parametrize(
    ("row", "persona"),
    [pytest.param(row, persona, id=f"{row.id} as {persona}") for row in ROWS for persona in PERSONAS],
)
def test_access(row: Endpoint, persona: str, matrix_ctx: Ctx, client_for):
    if row.setup:
        row.setup(matrix_ctx)
    client = client_for(_persona_user(matrix_ctx, persona))
    url = reverse(row.url_name, kwargs=row.kwargs(matrix_ctx) if row.kwargs else None)
    data = row.data(matrix_ctx) if row.data else None
    query = row.query(matrix_ctx) if row.query else None
    method = row.method.lower()
    if method == "get":
        response = client.get(url, query)
    else:
        if query:
            from urllib.parse import urlencode

            url = f"{url}?{urlencode(query)}"
        response = getattr(client, method)(url, data, format=row.format)
    expected = row.expect[persona]
    body = response.content[:500]
    assert response.status_code == expected, f"{row.id} as {persona}: {response.status_code} {body!r}"
    if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
        assert "error" in response.json() and "code" in response.json()["error"]
    if row.check:
        row.check(response, persona, matrix_ctx)
