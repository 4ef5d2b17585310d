"""The pure domain modules (the algorithms) type-check with ``mypy --strict``: ``make typecheck``."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Every domain/ package and the pure shared helpers, strict.
STRICT = [
    "carsharing/domain",
    "gtfs/domain",
    "rides/domain",
    "stats/domain",
    "ondemand/domain",
    "journeys/domain",
    "mobility/geo.py",
    "mobility/env.py",
    "mobility/ratelimit.py",
]
# The services, strict with Django's types (django-stubs, configured in pyproject.toml): every
# actor parameter is a typed ``User``.
STRICT_SERVICES = [
    "carsharing/services",
    "gtfs/services.py",
    "rides/services.py",
    "ondemand/services.py",
    "stats/services.py",
    "mobility/accounts/services.py",
]
MYPY = [sys.executable, "-m", "mypy", "--ignore-missing-imports", "--follow-imports=silent"]


def _mypy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MYPY, *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_every_domain_package_is_listed():
    domains = {p.parent.relative_to(ROOT).as_posix() for p in ROOT.glob("*/domain/__init__.py")}
    assert domains == {p for p in STRICT if p.endswith("/domain")}


def test_domain_modules_type_check_strictly():
    result = _mypy("--strict", *STRICT)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Success: no issues found" in result.stdout


def test_services_type_check_strictly():
    result = _mypy("--strict", *STRICT_SERVICES)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Success: no issues found" in result.stdout


def test_the_makefile_runs_the_same_check():
    makefile = (ROOT / "Makefile").read_text()
    assert "typecheck:" in makefile
    assert " ".join(STRICT) in makefile
    assert " ".join(STRICT_SERVICES) in makefile
