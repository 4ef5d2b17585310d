import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_channel_layer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "channel_layer": "ok"}}


@pytest.mark.django_db
def test_readyz_reports_unreachable_channel_layer(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "not_ready"
    assert body["error"]["fields"]["database"] == "ok"
    assert body["error"]["fields"]["channel_layer"].startswith("error")


@pytest.mark.django_db
def test_openapi_schema_is_served_and_complete(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/login/" in schema["paths"]
    assert "/api/v1/notifications/" in schema["paths"]


def test_schema_generates_without_warnings():
    """drf-spectacular warnings would also fail `check --deploy`; catch them here first."""
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "mobility.settings"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.django_db
def test_swagger_ui_is_served_without_third_party_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = [url for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html) if "testserver" not in url]
    assert external == []
    assert "cdn.jsdelivr" not in html and "unpkg" not in html


def test_production_mode_refuses_to_start_without_secret_key_and_hosts():
    code = "import django; django.setup()"
    base_env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "mobility.settings", "DJANGO_DEBUG": "0"}
    no_key = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base_env, "DJANGO_ALLOWED_HOSTS": "example.org"},
        timeout=60,
    )
    assert no_key.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in no_key.stderr
    no_hosts = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base_env, "DJANGO_SECRET_KEY": "x" * 60},
        timeout=60,
    )
    assert no_hosts.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in no_hosts.stderr
    ok = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base_env, "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.org"},
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr


def test_deploy_check_has_zero_warnings_with_production_settings():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "mobility.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-" + "q" * 20,
        "DJANGO_ALLOWED_HOSTS": "mobility.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "no issues (0 silenced)" in result.stdout
