"""The deployment files agree with the code: compose services, Dockerfile, documented settings."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_has_the_production_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    web = " ".join(services["web"]["command"])
    assert "uvicorn mobility.asgi:application" in web and "--workers" in web
    assert services["worker"]["command"][:3] == ["celery", "-A", "mobility"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["DJANGO_DEBUG"] == "0"
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_dockerfile_copies_every_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    packages = re.search(r"include = \[([^\]]+)\]", pyproject).group(1)
    for package in re.findall(r'"(\w+)\*"', packages):
        assert f"COPY {package} ./{package}" in dockerfile, package


def test_every_environment_variable_is_documented():
    settings_source = (ROOT / "mobility" / "settings.py").read_text()
    app_sources = "".join(p.read_text() for p in ROOT.glob("*/conf.py"))
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', settings_source + app_sources))
    names |= set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', app_sources))
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert undocumented == []
    example = (ROOT / ".env.example").read_text()
    assert "DJANGO_SECRET_KEY=" in example and "DJANGO_ALLOWED_HOSTS=" in example
