"""GBFS v3.0: every published file validates against the official schema; no personal data."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
from django.utils import timezone
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from carsharing import gbfs
from carsharing.models import Propulsion, ReservationStatus
from tests.conftest import SHARED_DATA
from tests.factories import (
    MembershipFactory,
    ReservationFactory,
    StationFactory,
    TariffFactory,
    UserFactory,
    VehicleFactory,
    VehicleTypeFactory,
)

SCHEMA_DIR = SHARED_DATA / "gbfs-json-schema" / "v3.0"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FEEDS = ["system_information", "vehicle_types", "station_information", "station_status", "system_pricing_plans"]

HOLDER_EMAIL = "gudrun.gbfs-geheim@example.org"
HOLDER_NAME = "Gudrun Geheimnis"
LICENCE = "GBFSLIC99887766"


def _format_checker() -> jsonschema.FormatChecker:
    """Real checks for the formats GBFS uses (jsonschema skips date-time/uri without extras)."""
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time")
    def _date_time(value) -> bool:
        if not isinstance(value, str) or not RFC3339.match(value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("uri")
    def _uri(value) -> bool:
        parsed = urlparse(value) if isinstance(value, str) else None
        return bool(parsed and parsed.scheme in {"http", "https"} and parsed.netloc)

    @checker.checks("email")
    def _email(value) -> bool:
        return isinstance(value, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None

    return checker


def _registry() -> Registry:
    """Every schema of the directory under its ``$id`` and file name, so a ``$ref`` between them
    resolves locally (never over the network)."""
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text())
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        resources.append((path.name, resource))
        if contents.get("$id"):
            resources.append((contents["$id"], resource))
    return Registry().with_resources(resources)


def _validator(feed: str) -> jsonschema.protocols.Validator:
    path = SCHEMA_DIR / f"{feed}.json"
    if not path.is_file():
        pytest.skip(f"GBFS schema missing: {path}")
    schema = json.loads(Path(path).read_text())
    cls = jsonschema.validators.validator_for(schema)  # the schema's own $schema: Draft 7 for v3.0
    cls.check_schema(schema)
    return cls(schema, format_checker=_format_checker(), registry=_registry())


def _assert_valid(feed: str, document: dict) -> None:
    errors = sorted(_validator(feed).iter_errors(document), key=lambda e: list(e.absolute_path))
    assert errors == [], "\n".join(f"{feed}: {list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.fixture
def fleet(db):
    rathaus = StationFactory(name="Rathaus Lindenau", lat=50.9876543, lon=12.1234567, address="Markt 1")
    dorf = StationFactory(name="Dorfplatz Birkenhain", lat=51.01, lon=12.2)
    empty = StationFactory(name="Bahnhof (noch ohne Auto)", lat=51.02, lon=12.21)
    ev = TariffFactory(vehicle_type__name="Kleinwagen E", per_hour_cents=450, per_km_cents=22).vehicle_type
    van = VehicleTypeFactory(name="Transporter", seats=3, propulsion=Propulsion.COMBUSTION, range_km=600)
    cars = {
        "e1": VehicleFactory(plate="LD-E 101", vehicle_type=ev, station=rathaus),
        "e2": VehicleFactory(plate="LD-E 102", vehicle_type=ev, station=rathaus),
        "e3": VehicleFactory(plate="LD-E 103", vehicle_type=ev, station=rathaus),
        "van": VehicleFactory(plate="LD-T 201", vehicle_type=van, station=rathaus, in_service=False),
        "e4": VehicleFactory(plate="LD-E 104", vehicle_type=ev, station=dorf),
    }
    holder = UserFactory(email=HOLDER_EMAIL, display_name=HOLDER_NAME, is_member=True)
    MembershipFactory(user=holder, licence_number=LICENCE, licence_expiry="2030-01-01")
    now = timezone.now()
    S = ReservationStatus

    def reserve(car, start, end, status, **extra):
        return ReservationFactory(
            vehicle=car,
            user=holder,
            status=status,
            start=start,
            end=end,
            purpose="Arzttermin bei Dr. Vertraulich",
            **extra,
        )

    reserve(cars["e1"], now - timedelta(hours=1), now + timedelta(hours=1), S.CONFIRMED)  # reserved now
    reserve(cars["e2"], now - timedelta(hours=2), now + timedelta(hours=2), S.ACTIVE)  # out on a trip
    reserve(cars["e3"], now + timedelta(hours=3), now + timedelta(hours=4), S.CONFIRMED)  # later: free now
    reserve(cars["e3"], now - timedelta(hours=3), now - timedelta(minutes=30), S.CANCELLED)  # cancelled: free
    reserve(
        cars["e4"], now - timedelta(minutes=10), now + timedelta(hours=1), S.HELD, held_until=now - timedelta(minutes=1)
    )  # hold ran out: free
    return {"stations": (rathaus, dorf, empty), "types": (ev, van), "cars": cars, "holder": holder}


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


@pytest.mark.django_db
def test_every_published_gbfs_file_is_valid_v3(client_for, fleet):
    client = client_for(None)
    discovery = _get(client, "/api/v1/gbfs/gbfs.json")
    _assert_valid("gbfs", discovery)
    assert discovery["version"] == "3.0"
    published = {feed["name"]: feed["url"] for feed in discovery["data"]["feeds"]}
    assert sorted(published) == sorted(["gbfs", *FEEDS])
    assert published["station_status"] == "http://testserver/api/v1/gbfs/station_status.json"
    for name, url in published.items():
        document = _get(client, urlparse(url).path)
        _assert_valid(name, document)
        assert document["version"] == "3.0"
        assert RFC3339.match(document["last_updated"])
        assert document["ttl"] == gbfs.FEED_TTL[name]


@pytest.mark.django_db
def test_station_status_counts_cars_available_now(client_for, fleet):
    rathaus, dorf, empty = fleet["stations"]
    ev, van = fleet["types"]
    status = _get(client_for(None), "/api/v1/gbfs/station_status.json")
    by_id = {row["station_id"]: row for row in status["data"]["stations"]}
    r = by_id[f"station-{rathaus.pk}"]
    # e1 reserved now, e2 out on a trip, e3 free (its reservation is later), van out of service.
    assert r["num_vehicles_available"] == 1
    assert r["num_vehicles_disabled"] == 1
    assert r["num_docks_available"] == 1  # e2's space is empty
    assert r["vehicle_types_available"] == [
        {"vehicle_type_id": f"type-{ev.pk}", "count": 1},
        {"vehicle_type_id": f"type-{van.pk}", "count": 0},
    ]
    assert r["vehicle_docks_available"] == [
        {"vehicle_type_ids": [f"type-{ev.pk}"], "count": 1},
        {"vehicle_type_ids": [f"type-{van.pk}"], "count": 0},
    ]
    assert (r["is_renting"], r["is_returning"], r["is_installed"]) == (True, True, True)
    d = by_id[f"station-{dorf.pk}"]
    assert d["num_vehicles_available"] == 1  # the expired hold does not count
    e = by_id[f"station-{empty.pk}"]
    assert (e["num_vehicles_available"], e["is_renting"], e["vehicle_types_available"]) == (0, False, [])
    for row in by_id.values():  # the per-type counts add up
        assert sum(t["count"] for t in row["vehicle_types_available"]) == row["num_vehicles_available"]
        assert sum(t["count"] for t in row["vehicle_docks_available"]) == row["num_docks_available"]


@pytest.mark.django_db
def test_station_information_types_and_pricing(client_for, fleet):
    rathaus, dorf, empty = fleet["stations"]
    ev, van = fleet["types"]
    client = client_for(None)
    info = _get(client, "/api/v1/gbfs/station_information.json")["data"]["stations"]
    first = next(s for s in info if s["station_id"] == f"station-{rathaus.pk}")
    assert first["name"] == [{"text": "Rathaus Lindenau", "language": "de"}]
    assert (first["lat"], first["lon"], first["capacity"]) == (50.987654, 12.123457, 4)
    assert len(info) == 3

    types = {t["vehicle_type_id"]: t for t in _get(client, "/api/v1/gbfs/vehicle_types.json")["data"]["vehicle_types"]}
    e = types[f"type-{ev.pk}"]
    assert (e["form_factor"], e["propulsion_type"], e["max_range_meters"], e["rider_capacity"]) == (
        "car",
        "electric",
        250_000,
        4,
    )
    assert e["default_pricing_plan_id"] == f"tariff-{ev.pk}"
    assert "default_pricing_plan_id" not in types[f"type-{van.pk}"]  # no tariff yet

    plans = _get(client, "/api/v1/gbfs/system_pricing_plans.json")["data"]["plans"]
    assert len(plans) == 1
    plan = plans[0]
    assert (plan["plan_id"], plan["currency"], plan["price"], plan["is_taxable"]) == (
        f"tariff-{ev.pk}",
        "EUR",
        0.0,
        False,
    )
    assert plan["per_min_pricing"] == [{"start": 0, "rate": 0.075, "interval": 1}]  # 4.50 EUR per hour
    assert plan["per_km_pricing"] == [{"start": 50, "rate": 0.22, "interval": 1}]
    assert "40,00 EUR pro 24 Stunden" in plan["description"][0]["text"]  # the daily cap, German decimals

    system = _get(client, "/api/v1/gbfs/system_information.json")["data"]
    assert (system["timezone"], system["languages"]) == ("Europe/Berlin", ["de"])


@pytest.mark.django_db
def test_gbfs_holds_no_personal_data(client_for, fleet):
    client = client_for(None)
    body = "".join(
        client.get(url).content.decode()
        for url in ["/api/v1/gbfs/gbfs.json", *[f"/api/v1/gbfs/{feed}.json" for feed in FEEDS]]
    )
    # Plates are not personal, but stable vehicle ids would let anyone follow one car (and its
    # driver): no vehicle-level data is published at all.
    for secret in (HOLDER_EMAIL, HOLDER_NAME, LICENCE, "Vertraulich", "LD-E 101", "LD-T 201"):
        assert secret not in body

    def keys(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from keys(value)
        elif isinstance(node, list):
            for item in node:
                yield from keys(item)

    every_key = set()
    for feed in ["gbfs", *FEEDS]:
        every_key |= set(keys(client.get(f"/api/v1/gbfs/{feed}.json").json()))
    assert not every_key & {"user", "user_id", "email", "vehicle_id", "plate", "reservations", "purpose"}


def test_the_validator_rejects_broken_documents():
    """The checks above would catch a v2-style timestamp, a bad date and a missing field."""
    good = {"last_updated": "2026-11-26T01:00:00Z", "ttl": 60, "version": "3.0", "data": {"stations": []}}
    _assert_valid("station_status", good)
    for broken in (
        {**good, "last_updated": 1764118800},
        {**good, "last_updated": "26.11.2026 01:00"},
        {**good, "version": "2.3"},
        {**good, "data": {"stations": [{"station_id": "x", "num_vehicles_available": 1}]}},
    ):
        with pytest.raises(AssertionError):
            _assert_valid("station_status", broken)


@pytest.mark.django_db
def test_unknown_feed_is_404_and_tokens_are_ignored(client_for, fleet):
    client = client_for(None)
    response = client.get("/api/v1/gbfs/vehicle_status.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_feed"
    stale = client_for(None)
    stale.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert stale.get("/api/v1/gbfs/station_status.json").status_code == 200


@pytest.mark.django_db
def test_empty_system_is_still_valid(client_for):
    client = client_for(None)
    for feed in ["gbfs", *FEEDS]:
        document = _get(client, f"/api/v1/gbfs/{feed}.json")
        _assert_valid(feed, document)


def test_references_between_the_schemas_resolve_locally():
    if not SCHEMA_DIR.is_dir():
        pytest.skip(f"GBFS schemas missing: {SCHEMA_DIR}")
    validator = jsonschema.Draft7Validator({"$ref": "station_status.json"}, registry=_registry())
    assert validator.is_valid(
        {"last_updated": "2026-11-26T01:00:00Z", "ttl": 0, "version": "3.0", "data": {"stations": []}}
    )
    assert not validator.is_valid({"ttl": 0, "version": "3.0", "data": {"stations": []}})
