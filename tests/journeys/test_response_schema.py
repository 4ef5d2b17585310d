"""The journeys answer is fully typed in OpenAPI, and real answers validate against it."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from mobility.accounts.models import User
from rides.models import RideOffer
from tests.demo_region import demo  # noqa: F401  (fixture)


def _schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _untyped(schema, node, path, seen):
    """Every place in ``node`` (recursively) where a client generator would get no type."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return
        seen.add(name)
        yield from _untyped(schema, _resolve(schema, node), f"{path}->{name}", seen)
        return
    for key in ("oneOf", "anyOf", "allOf"):
        for index, part in enumerate(node.get(key, [])):
            yield from _untyped(schema, part, f"{path}.{key}[{index}]", seen)
    if any(key in node for key in ("oneOf", "anyOf", "allOf")):
        return
    kind = node.get("type")
    if kind is None:
        yield path
    elif kind == "object":
        properties = node.get("properties")
        extra = node.get("additionalProperties")
        if not properties and not (isinstance(extra, dict) and ("type" in extra or "$ref" in extra)):
            yield path
        for name, child in (properties or {}).items():
            yield from _untyped(schema, child, f"{path}.{name}", seen)
        if isinstance(extra, dict):
            yield from _untyped(schema, extra, f"{path}.*", seen)
    elif kind == "array":
        yield from _untyped(schema, node.get("items", {}), f"{path}[]", seen)


@pytest.mark.django_db
def test_journeys_response_has_no_untyped_object(client):
    schema = _schema(client)
    operation = schema["paths"]["/api/v1/journeys/"]["get"]
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert list(_untyped(schema, response, "200", set())) == []
    # The legs are told apart by their mode; the parameters come from one serializer.
    leg = schema["components"]["schemas"]["JourneyLeg"]
    assert leg["discriminator"]["propertyName"] == "mode"
    assert {"walk", "bus", "carpool", "car"} <= set(leg["discriminator"]["mapping"])
    names = {p["name"] for p in operation["parameters"]}
    assert names == {
        "from", "to", "depart_at", "arrive_by", "max_walk_m", "max_transfers", "seats", "modes",
        "rental_hours", "pickup", "window_min", "max_duration_min", "women_drivers_only",
    }  # fmt: skip


def _as_json_schema(node):
    """OpenAPI 3.0 ``nullable`` -> JSON Schema (so ``jsonschema`` can check real answers)."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key not in ("nullable", "discriminator")}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def test_real_answers_validate_against_the_schema(demo, client_for, client):  # noqa: F811
    schema = _schema(client)
    document = {"components": _as_json_schema(schema["components"])}
    validator = Draft202012Validator({**document, "$ref": "#/components/schemas/JourneySearchOutput"})
    carla = client_for(User.objects.get(email="carla@demo.lindenau.example"))
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    searches = [
        (carla, {"from": f"{offer.origin_lat},{offer.origin_lon}", "to": "Buchwald",
                 "depart_at": (offer.departure - timedelta(minutes=10)).isoformat(), "max_walk_m": "250"}),
        (client_for(None), {"from": "Lindenau Rathaus", "to": "Ahornstadt Markt"}),
        (carla, {"from": "Birkenfeld Dorfplatz", "to": "Tannhausen Mühle", "modes": "ride"}),
    ]  # fmt: skip
    kinds = set()
    for user_client, params in searches:
        body = user_client.get("/api/v1/journeys/", params).json()
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == [], errors[:5]
        kinds |= {o["kind"] for o in body["options"]} | {s["kind"] for s in body["suggestions"]}
    assert {"transit", "ride", "ride+transit", "carsharing", "sign_in"} <= kinds
    # The check can fail: a leg with a number where a time belongs is refused.
    broken = carla.get("/api/v1/journeys/", searches[1][1]).json()
    broken["options"][0]["legs"][0]["departure"] = 7
    assert list(validator.iter_errors(broken))
