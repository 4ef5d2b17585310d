"""Each layer keeps to its room: the apps never import the HTTP layers (``api``, ``web``), and
the shared core ``mobility/`` never imports an app built on top of it.

Every ``import`` and ``from … import`` counts, at module level or inside a function. The
project wiring (URLs, ASGI/WSGI) is the one place allowed to join the layers.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTTP_LAYERS = {"api", "web"}
# Every top-level package of the project except the HTTP layers and the test/benchmark code:
# a new app (e.g. ``stats``) is checked as soon as it exists.
APPS = sorted(
    p.name
    for p in ROOT.iterdir()
    if (p / "__init__.py").exists() and p.name not in HTTP_LAYERS | {"tests", "benchmarks", "docs"}
)
ABOVE_MOBILITY = {"gtfs", "rides", "carsharing", "journeys", "api", "web", "stats"}
WIRING = {"mobility/urls.py", "mobility/asgi.py", "mobility/wsgi.py"}
# The statistics still live in mobility/stats and read the apps; they move to a top-level
# ``stats`` app (then this exemption goes).
MOBILITY_EXEMPT_PREFIXES = ("mobility/stats/",)


def imported_top_levels(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def offences(package: str, forbidden: set[str], exempt=lambda rel: False) -> list[str]:
    result = []
    for path in sorted((ROOT / package).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in WIRING or exempt(rel):
            continue
        result += [f"{rel}:{line} imports {top}" for line, top in imported_top_levels(path) if top in forbidden]
    return result


def test_apps_never_import_api_or_web():
    assert {"gtfs", "rides", "carsharing", "journeys", "mobility"} <= set(APPS)
    found = []
    for app in APPS:
        found += offences(app, HTTP_LAYERS)
    assert found == []


def test_mobility_never_imports_an_app_above_it():
    assert offences("mobility", ABOVE_MOBILITY, lambda rel: rel.startswith(MOBILITY_EXEMPT_PREFIXES)) == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    """The scanner is not blind: a late import in a function body counts like a top-level one."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n\ndef f():\n    from api.errors import x\n    import web.views\n    from . import y\n"
    )  # noqa: E501
    assert imported_top_levels(sample) == [(1, "os"), (4, "api"), (5, "web")]
