"""Issue 10, point 8: the OpenAPI schema says what responses really contain: nullable fields
are nullable, local times carry no offset; and a CSRF failure under /api/ is the JSON 403."""

import json

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return json.loads(response.content)


@pytest.mark.parametrize(
    ("component", "field"),
    [("ProfileOutput", "cost_centre"), ("ReservationOutput", "cost_centre"), ("BaseLoadBlockOutput", "cost_centre")],
)
def test_nullable_fields_are_marked_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable") is True


def test_local_times_have_no_rfc3339_time_format(schema):
    text = json.dumps(schema)
    assert '"format": "time"' not in text
    start = schema["components"]["schemas"]["BaseLoadBlockOutput"]["properties"]["start_time"]
    assert start["type"] == "string" and start["pattern"].startswith("^([01]")


def test_profile_without_cost_centre_matches_the_schema(client_for, alice, schema):
    import jsonschema

    body = client_for(alice).get("/api/v1/me/").json()
    assert body["cost_centre"] is None
    prop = schema["components"]["schemas"]["ProfileOutput"]["properties"]["cost_centre"]
    jsonschema.validate(body["cost_centre"], {"type": ["string", "null"]} if prop.get("nullable") else prop)


def test_unknown_api_url_posted_with_a_session_is_the_json_404_not_a_csrf_page(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/v1/carsharing/reservations/-1/cancel/", {})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_csrf_failure_view_answers_json_under_api_and_html_elsewhere(rf):
    from api.errors import csrf_failure

    api = csrf_failure(rf.post("/api/v1/anything/"), reason="CSRF cookie not set.")
    assert api.status_code == 403
    assert json.loads(api.content)["error"]["code"] == "csrf_failed"
    admin = csrf_failure(rf.post("/admin/login/"), reason="CSRF cookie not set.")
    assert admin.status_code == 403
    assert admin["Content-Type"].startswith("text/html")
