"""Links that leave the request point at the running server: e-mail links follow the host and
port the client used unless FRONTEND_URL is configured; GBFS and the rides GTFS feed use the
same public URL."""

import csv
import io
import re
import zipfile
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tests.factories import UserFactory

STRONG = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def served_at(settings):
    settings.ALLOWED_HOSTS = ["mobil.example.org", "testserver"]
    settings.FRONTEND_URL = ""
    return {"HTTP_HOST": "mobil.example.org:8311"}


def _link(body: str) -> str:
    return re.search(r"(http\S+)", body).group(1)


@pytest.mark.django_db
def test_verification_and_reset_links_lead_to_pages_of_the_running_server(
    client, served_at, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registered = client.post(
            "/api/v1/auth/register/", {"email": "neu@example.org", "password": STRONG}, **served_at
        )
    assert registered.status_code == 201
    link = _link(mail.outbox[0].body)
    assert link.startswith("http://mobil.example.org:8311/verify-email?token=")
    page = client.get(link.replace("http://mobil.example.org:8311", ""), **served_at)
    assert page.status_code == 200  # the web page exists and verifies the address
    UserFactory(email="alt@example.org")
    assert client.post("/api/v1/auth/password-reset/", {"email": "alt@example.org"}, **served_at).status_code == 202
    reset = _link(mail.outbox[-1].body)
    assert reset.startswith("http://mobil.example.org:8311/reset-password?uid=")
    parts = urlsplit(reset)
    assert client.get(f"{parts.path}?{parts.query}", **served_at).status_code == 200


@pytest.mark.django_db
def test_a_configured_frontend_url_wins(client, settings, django_capture_on_commit_callbacks):
    settings.FRONTEND_URL = "https://mobil.lindenau.de/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/auth/register/", {"email": "neu@example.org", "password": STRONG})
    assert _link(mail.outbox[0].body).startswith("https://mobil.lindenau.de/verify-email?token=")


@pytest.mark.django_db
def test_gbfs_system_url_and_rides_gtfs_agency_url_use_the_public_url(client, served_at, settings):
    settings.GBFS_SYSTEM_URL = ""
    info = client.get("/api/v1/gbfs/system_information.json", **served_at).json()
    assert info["data"]["url"] == "http://mobil.example.org:8311"
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/rides/gtfs.zip", **served_at).content))
    [agency] = list(csv.DictReader(io.StringIO(archive.read("agency.txt").decode())))
    assert agency["agency_url"] == "http://mobil.example.org:8311"
    settings.FRONTEND_URL = "https://mobil.lindenau.de"
    assert client.get("/api/v1/gbfs/system_information.json").json()["data"]["url"] == "https://mobil.lindenau.de"
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/rides/gtfs.zip").content))
    [agency] = list(csv.DictReader(io.StringIO(archive.read("agency.txt").decode())))
    assert agency["agency_url"] == "https://mobil.lindenau.de"
