"""The role matrix: every API endpoint against every persona.

Each app lists its endpoints in ``tests/<app>/access_matrix.py`` as ``ROWS: list[Endpoint]``.
``tests/api/test_access_matrix.py`` runs every row for the five personas (each on a fresh
database) and fails if any ``/api/v1/`` URL and method has no row.

Personas: ``anonymous``; ``owner`` (alice, a resident who owns what ``setup`` creates);
``other`` (bob, another resident); ``staff`` (stella, town-hall staff); ``operator`` (otto).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PERSONAS = ("anonymous", "owner", "other", "staff", "operator")


@dataclass
class Ctx:
    """What a row's callables see: the personas and the objects ``setup`` made."""

    alice: Any
    bob: Any
    stella: Any
    otto: Any
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class Endpoint:
    """One method of one URL.

    ``url_name`` is the Django URL name (namespace-free, as in ``api/*/urls.py``);
    ``kwargs(ctx)`` gives its URL kwargs; ``data(ctx)`` the request body (JSON);
    ``expect`` maps each persona to the expected status code.
    ``check(response, persona, ctx)`` may assert more (e.g. that a list hides others' rows).
    """

    method: str
    url_name: str
    expect: dict[str, int]
    setup: Callable[[Ctx], None] | None = None
    kwargs: Callable[[Ctx], dict[str, Any]] | None = None
    data: Callable[[Ctx], Any] | None = None
    query: Callable[[Ctx], dict[str, Any]] | None = None
    check: Callable[[Any, str, Ctx], None] | None = None
    format: str = "json"

    def __post_init__(self) -> None:
        missing = set(PERSONAS) - set(self.expect)
        if missing:
            raise ValueError(f"{self.method} {self.url_name}: no expectation for {sorted(missing)}")

    @property
    def id(self) -> str:
        return f"{self.method} {self.url_name}"


def expect(anonymous: int, owner: int, other: int, staff: int, operator: int) -> dict[str, int]:
    return {"anonymous": anonymous, "owner": owner, "other": other, "staff": staff, "operator": operator}
