"""One place reads the environment (mobility/env.py), typed, with clear errors; the apps read
``settings.X`` or their ``conf`` module."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mobility import env

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(
    p for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in {"tests", "benchmarks", "docs"}
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", {}),
        ("notifications=90", {"notifications": 90}),
        (" ride_exact_places = 14 , notifications=0 ,", {"ride_exact_places": 14, "notifications": 0}),
    ],
)
def test_int_mapping(monkeypatch, raw, expected):
    monkeypatch.setenv("MOBILITY_TEST_MAP", raw)
    assert env.env_int_mapping("MOBILITY_TEST_MAP") == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("notifications", "MOBILITY_TEST_MAP must be a list of key=number pairs, got 'notifications'"),
        ("=5", "MOBILITY_TEST_MAP must be a list of key=number pairs, got '=5'"),
        ("notifications=ninety", "MOBILITY_TEST_MAP (notifications) must be an integer, got 'ninety'"),
        ("notifications=-1", "MOBILITY_TEST_MAP (notifications) must be at least 0, got -1"),
        ("a=1,a=2", "MOBILITY_TEST_MAP names 'a' twice"),
    ],
)
def test_int_mapping_errors_name_the_variable(monkeypatch, raw, message):
    monkeypatch.setenv("MOBILITY_TEST_MAP", raw)
    with pytest.raises(ImproperlyConfigured) as info:
        env.env_int_mapping("MOBILITY_TEST_MAP")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("helper", "raw", "default", "expected"),
    [
        (env.env_bool, "", True, True),
        (env.env_bool, " Off ", True, False),
        (env.env_int, "12", 3, 12),
        (env.env_int, "", 3, 3),
        (env.env_float, "2.5", 1.0, 2.5),
        (env.env_str, "x y", "", "x y"),
    ],
)
def test_typed_helpers(monkeypatch, helper, raw, default, expected):
    monkeypatch.setenv("MOBILITY_TEST_VALUE", raw)
    assert helper("MOBILITY_TEST_VALUE", default) == expected


@pytest.mark.parametrize(
    ("helper", "raw", "message"),
    [
        (env.env_bool, "maybe", "MOBILITY_TEST_VALUE must be a boolean (1/0, true/false, yes/no, on/off), got 'maybe'"),
        (env.env_int, "1.5", "MOBILITY_TEST_VALUE must be an integer, got '1.5'"),
        (env.env_float, "1,5", "MOBILITY_TEST_VALUE must be a number, got '1,5'"),
    ],
)
def test_typed_helpers_refuse_bad_values(monkeypatch, helper, raw, message):
    monkeypatch.setenv("MOBILITY_TEST_VALUE", raw)
    with pytest.raises(ImproperlyConfigured) as info:
        helper("MOBILITY_TEST_VALUE", {"env_bool": True, "env_int": 1, "env_float": 1.0}[helper.__name__])
    assert str(info.value) == message


def test_a_bad_privacy_retention_stops_the_start_with_a_sentence():
    """Loading the settings with a malformed PRIVACY_RETENTION fails with the variable named
    (it was a bare ValueError from a dict comprehension)."""
    environment = {**os.environ, "PRIVACY_RETENTION": "notifications=90,ride_exact_places=two weeks"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", "import mobility.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "django.core.exceptions.ImproperlyConfigured: "
        "PRIVACY_RETENTION (ride_exact_places) must be an integer, got 'two weeks'"
    )


def test_privacy_retention_is_read_into_the_setting():
    environment = {**os.environ, "PRIVACY_RETENTION": "notifications=90, ride_exact_places=14"}
    result = subprocess.run(
        [sys.executable, "-c", "import mobility.settings as s; print(sorted(s.PRIVACY_RETENTION_DAYS.items()))"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "[('notifications', 90), ('ride_exact_places', 14)]", result.stderr[-2000:]


def _python_files():
    for package in PACKAGES:
        for path in package.rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, path.relative_to(ROOT).as_posix()


def test_only_mobility_env_reads_the_environment():
    found = []
    for path, rel in _python_files():
        if rel == "mobility/env.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                line = path.read_text().splitlines()[node.lineno - 1]
                if 'os.environ.setdefault("DJANGO_SETTINGS_MODULE"' in line:
                    continue  # the entry points name the settings module, they read nothing
                found.append(f"{rel}:{node.lineno}: {line.strip()}")
    assert found == []


# journeys/ belongs to another piece of work for now: its warm-up reads two settings itself.
APP_SETTING_EXEMPT = {"journeys/warmup.py"}


def test_apps_read_settings_x_or_their_conf_module():
    """``app_setting`` only in ``conf`` modules; no ``getattr(settings, "NAME", default)`` for
    the project's own settings (they always exist: ``settings.NAME``)."""
    found = []
    literal_getattr = re.compile(r"getattr\(settings,\s*[\"']")
    for path, rel in _python_files():
        text = path.read_text()
        if path.name != "conf.py" and rel not in {"mobility/appsettings.py", *APP_SETTING_EXEMPT}:
            found += [f"{rel}: app_setting outside conf" for _ in re.finditer(r"\bapp_setting\(", text)]
        found += [f"{rel}: getattr(settings, ...)" for _ in literal_getattr.finditer(text)]
    assert found == []
