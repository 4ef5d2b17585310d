"""Walk the API in German: every GET endpoint of the OpenAPI schema, as a resident, a staff
member and an operator, with ``Accept-Language: de``; no English sentence in any answer.

The objects each endpoint needs come from the role matrix (``tests/<app>/access_matrix.py``),
which has a row for every endpoint. A string in an answer is English when it is one of the root
catalogue's English messages (placeholders match anything) whose German translation differs, or
when a human-text field (``message``, ``title``, ``body``, …) reads as English.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import Resolver404, resolve, reverse

from tests.access import Ctx, Endpoint
from tests.api.test_access_matrix import ROWS, _persona_user, matrix_ctx  # noqa: F401  (the fixture)
from tests.web.test_translations import parse_po

ROOT = Path(__file__).resolve().parents[1]
WALKERS = ("owner", "staff", "operator")  # a resident (who owns the row's objects), staff, an operator
GET_ROWS = [row for row in ROWS if row.method.upper() == "GET"]
# Fields that carry sentences for people (not names, codes or data people typed in themselves).
TEXT_KEYS = {"message", "title", "body", "note", "notes", "what", "label", "detail", "confirmation", "hint", "sentence"}
ENGLISH = re.compile(
    r"\b(the|is|are|not|must|such|please|your|you|booking|seat|ride|trip|with|from|to|of|and|or|per|at most)\b"
)


def _english_messages() -> list[re.Pattern]:
    """The root catalogue's English msgids that German translates differently, as patterns."""
    patterns = []
    for entry in parse_po((ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")):
        msgid = entry["msgid"]
        if not msgid or entry["obsolete"] or " " not in msgid or len(msgid) < 12:
            continue  # single words ("active") are also machine values of status fields
        if all(text == msgid for text in entry["msgstr"].values()):
            continue  # the same in both languages
        parts = re.split(r"%\(\w+\)(?:\.\d+f|[sdf])", msgid.replace("%%", "%"))
        patterns.append(re.compile(".+?".join(re.escape(part) for part in parts), re.DOTALL))
    return patterns


ENGLISH_MESSAGES = _english_messages()


def _strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    """(key, text) of every string in a JSON answer."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _strings(v, str(k))]
    if isinstance(value, list):
        return [pair for v in value for pair in _strings(v, key)]
    return [(key, value)] if isinstance(value, str) else []


def english_in(answer: Any) -> list[tuple[str, str]]:
    found = []
    for key, text in _strings(answer):
        if text.startswith(("http://", "https://", "/")):
            continue
        known_message = any(pattern.fullmatch(text) for pattern in ENGLISH_MESSAGES)
        if known_message or (key in TEXT_KEYS and ENGLISH.search(text)):
            found.append((key, text))
    return found


def test_the_detector_finds_english_and_leaves_german_and_data_alone():
    assert english_in({"error": {"message": "No such notification.", "code": "notification_not_found"}}) == [
        ("message", "No such notification.")
    ]
    assert english_in({"limits": {"message": "3 longer transit journeys were left out (over 360 minutes); "
                                             "raise max_duration_min to see them."}}) != []  # fmt: skip
    assert english_in({"notes": ["The Bürgerbus is full on this trip."]}) == [
        ("notes", "The Bürgerbus is full on this trip.")
    ]
    german = {
        "message": "Diese Benachrichtigung gibt es nicht.",
        "status": "open",
        "name": "Lindenau Rathaus",
        "notes": ["Der Bürgerbus ist auf dieser Fahrt voll."],
        "at": "2026-12-01T07:20:00+01:00",
    }
    assert english_in(german) == []


# --- every GET endpoint of the schema has a walk ---------------------------------------------------


def _schema_get_url_names(client) -> set[str]:
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    names = set()
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        try:
            names.add(resolve(concrete).url_name)
        except Resolver404:  # a converter that refuses "1" (e.g. a date): try a date
            names.add(resolve(re.sub(r"\{[^}]+\}", "2026-12-01", path)).url_name)
    return names


@pytest.mark.django_db
def test_every_get_endpoint_of_the_openapi_schema_is_walked(api_client):
    in_schema = _schema_get_url_names(api_client)
    assert len(in_schema) > 40
    walked = {row.url_name for row in GET_ROWS}
    assert sorted(in_schema - walked) == []


# --- the walk ----------------------------------------------------------------------------------


def _get(row: Endpoint, persona: str, ctx: Ctx, client_for):
    client = client_for(_persona_user(ctx, persona))
    url = reverse(row.url_name, kwargs=row.kwargs(ctx) if row.kwargs else None)
    return client.get(url, row.query(ctx) if row.query else None, HTTP_ACCEPT_LANGUAGE="de")


@pytest.mark.parametrize("row", [pytest.param(row, id=row.url_name) for row in GET_ROWS])
def test_german_requests_get_no_english_text(row: Endpoint, matrix_ctx: Ctx, client_for):  # noqa: F811
    if row.setup:
        row.setup(matrix_ctx)
    found = {}
    for persona in WALKERS:
        response = _get(row, persona, matrix_ctx, client_for)
        assert response.status_code < 500, (row.id, persona, response.content[:300])
        if not response.get("Content-Type", "").startswith("application/json"):
            continue  # files (GTFS zips, PDF, CSV) are checked by their own tests
        assert response.headers["Content-Language"] == "de", (row.id, persona)
        english = english_in(response.json())
        if english:
            found[persona] = english
    assert found == {}, row.id
