"""``/`` and ``/api/v1/`` answer with links, and every example in the README runs against the demo."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.demo_region import demo  # noqa: F401  (fixture)

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.django_db
def test_api_root_answers_with_links_that_work(client, settings):
    path = "/api/v1/"
    settings.ALLOWED_HOSTS = ["mobil.example.org"]
    response = client.get(path, HTTP_HOST="mobil.example.org")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "v1"
    links = body["links"]
    assert links["journeys"] == "http://mobil.example.org/api/v1/journeys/"
    assert links["docs"] == "http://mobil.example.org/api/docs/"
    assert links["schema"] == "http://mobil.example.org/api/v1/schema/"
    # Every link leads somewhere real: no 404 and no 5xx for a plain GET.
    for key, url in links.items():
        status = client.get(urlsplit(url).path, HTTP_HOST="mobil.example.org").status_code
        assert status not in (404, 500), (key, url, status)


@pytest.mark.django_db
def test_site_root_is_a_page_and_unknown_api_paths_are_the_json_404(client):
    assert client.get("/").status_code == 200  # the web app's start page
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # Outside the API a JSON client still gets JSON; a browser gets the German page.
    response = client.get("/nothing-here/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = client.get("/nothing-here/", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def readme_requests() -> list[str]:
    """Every ``GET /api/v1/…`` in the README, in order (code blocks and inline code)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    # Tables (the benchmark list) name endpoints, they are not examples.
    return [m for line in lines if not line.startswith("|") for m in re.findall(r"GET (/api/v1/[^\s`]*)", line)]


def readme_login_curl() -> tuple[str, dict]:
    text = README.read_text(encoding="utf-8")
    command = re.search(r"curl -s -X POST (\S+) (.*?)\n\s*-d '(\{.*?\})'", text, re.S)
    assert command is not None, "the README's login example is gone"
    import json

    return urlsplit(command.group(1)).path, json.loads(command.group(3))


def _expectations(anna_client, client):
    """What each README example must answer in the demo; a new example needs a line here."""

    def journeys_found(body):
        assert body["nothing_found"] is False and body["options"], body

    def buchwald(body):
        journeys_found(body)
        assert {o["kind"] for o in body["options"]} >= {"transit"}
        last = body["options"][0]["legs"][-1]
        assert last["to"]["name"] in {"Buchwald Feuerwehr", ""}

    def lindenau_ambiguous(body):
        assert body["error"]["code"] == "place_ambiguous"
        names = [c["name"] for c in body["error"]["fields"]["candidates"]]
        assert names == ["Lindenau Rathaus", "Lindenau Schulstraße"]
        assert body["error"]["fields"]["from"]

    def stops_named_lindenau(body):
        assert [s["name"] for s in body["results"]] == ["Lindenau Rathaus", "Lindenau Schulstraße"]

    def every_stop(body):
        # Eight demo stops; the ones both feeds serve are listed once.
        assert body["count"] == 8
        assert len({s["name"] for s in body["results"]}) == 8

    def notifications(body):
        assert "results" in body

    def data_export(body):
        assert body["accounts"]["profile"]["email"] == "anna@demo.lindenau.example"

    return {
        "/api/v1/journeys/?from=50.1506,9.9010&to=Buchwald": (client, 200, buchwald),
        "/api/v1/journeys/?from=Lindenau%20Rathaus&to=Ahornstadt%20Markt&window_min=120": (
            client,
            200,
            journeys_found,
        ),
        "/api/v1/journeys/?from=Lindenau&to=Buchwald": (client, 400, lindenau_ambiguous),
        "/api/v1/gtfs/stops/?q=Lindenau": (client, 200, stops_named_lindenau),
        "/api/v1/gtfs/stops/": (client, 200, every_stop),
        "/api/v1/": (client, 200, lambda body: body["links"]),
        "/api/v1/notifications/": (anna_client, 200, notifications),
        "/api/v1/me/data-export/": (anna_client, 200, data_export),
    }


def _a_weekday_morning():
    """09:00 local on the next working day: the README's searches leave "now", and at night or on
    a Sunday the demo's buses do not run, so the examples are tried at a time they do."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def test_every_readme_example_runs_against_the_demo(demo, api_client):  # noqa: F811
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=_a_weekday_morning()):
        _run_readme_examples(api_client)


def _run_readme_examples(api_client):
    from rest_framework.test import APIClient

    path, credentials = readme_login_curl()
    login = api_client.post(path, credentials, format="json")
    assert login.status_code == 200, login.content
    anna = APIClient()
    anna.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    expected = _expectations(anna, APIClient())
    examples = readme_requests()
    assert sorted(set(examples)) == sorted(expected)
    for example in examples:
        client, status, check = expected[example]
        response = client.get(example)
        assert response.status_code == status, (example, response.content[:500])
        check(response.json())


def test_readme_login_example_uses_a_demo_account():
    _, credentials = readme_login_curl()
    from mobility.demo.accounts import DEMO_ACCOUNTS

    assert (credentials["email"], credentials["password"]) in {(a.email, a.password) for a in DEMO_ACCOUNTS}
