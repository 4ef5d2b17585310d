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


# The expectations that recur across the apps' matrices, by who may do it.
PUBLIC = expect(200, 200, 200, 200, 200)
SIGNED_IN = expect(401, 200, 200, 200, 200)
RESIDENTS_CREATE = expect(401, 201, 201, 201, 201)
OWNER_ONLY = expect(401, 200, 404, 404, 404)
OWNER_OR_STAFF = expect(401, 200, 404, 200, 200)
OWNER_OR_OPERATOR = expect(401, 200, 404, 404, 200)
STAFF_ONLY = expect(401, 403, 403, 200, 200)
STAFF_CREATES = expect(401, 403, 403, 201, 201)
OPERATOR_ONLY = expect(401, 403, 403, 403, 200)
OPERATOR_CREATES = expect(401, 403, 403, 403, 201)


def pk_of(name: str) -> Callable[[Ctx], dict[str, Any]]:
    """URL kwargs ``{"pk": ctx.<name>.pk}``: the row acts on the object ``setup`` stored as ``name``."""
    return lambda ctx: {"pk": getattr(ctx, name).pk}


def lists_only(name: str, *personas: str) -> Callable[[Any, str, Ctx], None]:
    """A ``check`` for list endpoints: a 200 lists exactly ``ctx.<name>`` to ``personas``
    (default: its owner) and nothing to everyone else."""
    seeing = personas or ("owner",)

    def check(response: Any, persona: str, ctx: Ctx) -> None:
        if response.status_code != 200:
            return
        ids = [row["id"] for row in response.json()["results"]]
        assert ids == ([getattr(ctx, name).pk] if persona in seeing else [])

    return check
