"""``api/`` only translates: every write goes through a service, every read of rows through a
selector. Checked on the source (AST), so a new view that writes a model directly fails here."""

import ast
import threading
import time
from pathlib import Path

import pytest
from django.db import connections, transaction

from mobility.accounts import services as account_services
from mobility.accounts.models import CostCentre
from mobility.errors import Conflict

API = Path(__file__).resolve().parents[2] / "api"
# The HTTP idempotency layer keeps its own records (the request/response cache of a key).
EXEMPT = {"idempotency.py"}
# Always writes, whatever they are called on.
WRITES = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "select_for_update"}
# Writes when called on a manager or queryset (``X.objects….create()``, ``….update()``).
MANAGER_WRITES = {"create", "update"}


def _chain(node: ast.AST) -> list[str]:
    names = []
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        else:
            node = node.func
    return names


def _findings(path: Path, rel: str) -> list[str]:
    """One finding per line: a write if the line writes, else a direct read of rows (outside
    serializers, whose related fields look up the ids they validate)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    writes: dict[int, str] = {}
    reads: dict[int, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        receiver = _chain(node.func.value)
        if method in WRITES or (method in MANAGER_WRITES and "objects" in receiver):
            writes.setdefault(node.lineno, f"{rel}:{node.lineno} writes with .{method}()")
        elif "objects" in receiver:
            reads.setdefault(node.lineno, f"{rel}:{node.lineno} reads rows itself; use a selector")
    if path.name == "serializers.py" or rel.startswith("api/journeys/"):
        reads = {}
    return [({**reads, **writes})[line] for line in sorted({**reads, **writes})]


def test_api_writes_only_through_services_and_reads_through_selectors():
    found = []
    for path in sorted(API.rglob("*.py")):
        if path.name in EXEMPT and path.parent == API:
            continue
        found += _findings(path, path.relative_to(API.parent).as_posix())
    assert found == []


def test_the_check_finds_direct_writes_and_reads(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def view(request, Station, obj):\n"
        "    Station.objects.create(name='x')\n"
        "    Station.objects.filter(pk=1).update(name='y')\n"
        "    obj.save()\n"
        "    Station.objects.all()\n"
        "    data = {}\n"
        "    data.update(a=1)\n"
    )
    assert _findings(sample, "api/x/views.py") == [
        "api/x/views.py:2 writes with .create()",
        "api/x/views.py:3 writes with .update()",
        "api/x/views.py:4 writes with .save()",
        "api/x/views.py:5 reads rows itself; use a selector",
    ]


@pytest.mark.django_db
def test_cost_centre_known_code_is_a_400_and_writes_nothing(client_for, otto):
    client = client_for(otto)
    created = client.post("/api/v1/cost-centres/", {"code": "BAU", "name": "Bauamt"}, format="json")
    assert created.status_code == 201, created.json()
    assert {k: created.json()[k] for k in ("code", "name", "active")} == {
        "code": "BAU",
        "name": "Bauamt",
        "active": True,
    }
    again = client.post("/api/v1/cost-centres/", {"code": "BAU", "name": "Anderes"}, format="json")
    assert again.status_code == 400
    assert list(CostCentre.objects.values_list("code", "name")) == [("BAU", "Bauamt")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cost_centre_created_elsewhere_at_the_same_moment_is_a_conflict():
    inserted = threading.Event()

    def other_operator():
        try:
            with transaction.atomic():
                CostCentre.objects.create(code="KITA", name="Kindergarten")
                inserted.set()
                time.sleep(0.5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_operator)
    thread.start()
    assert inserted.wait(10)
    with pytest.raises(Conflict) as info:
        account_services.cost_centre_create(code="KITA", name="Kita")
    thread.join()
    assert info.value.code == "duplicate_code"
    assert list(CostCentre.objects.values_list("code", "name")) == [("KITA", "Kindergarten")]
