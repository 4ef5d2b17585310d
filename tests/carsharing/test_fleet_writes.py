"""The fleet's writes go through services (stations, vehicle types, vehicles, tariffs, base-load
blocks): a unique name or plate created twice at the same moment is a 409, never a 500."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection, connections, transaction

from carsharing import services
from carsharing.models import Propulsion, Station, Tariff, Vehicle, VehicleType
from mobility.errors import Conflict
from tests.conftest import make_token
from tests.factories import StationFactory, VehicleTypeFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/carsharing/"


def _insert_elsewhere_then_commit(model, fields: dict, inserted: threading.Event, hold_s: float = 0.5):
    """Another connection inserts a row and keeps it uncommitted for ``hold_s`` seconds: a
    service that checked for the name meanwhile sees nothing and must lose on the unique index."""

    def run():
        try:
            with transaction.atomic():
                model.objects.create(**fields)
                inserted.set()
                time.sleep(hold_s)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_vehicle_type_created_by_another_at_the_same_moment_is_a_conflict():
    inserted = threading.Event()
    fields = {"name": "Transporter", "seats": 9, "propulsion": Propulsion.COMBUSTION, "range_km": 600}
    thread = _insert_elsewhere_then_commit(VehicleType, fields, inserted)
    assert inserted.wait(10)
    # The check finds nothing (the other row is not committed); the insert waits on the unique
    # index until the other transaction commits and then fails: that must be a Conflict.
    with pytest.raises(Conflict) as info:
        services.vehicle_type_create(**fields)
    thread.join()
    assert info.value.code == "duplicate_name"
    assert list(VehicleType.objects.values_list("name", flat=True)) == ["Transporter"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_vehicle_with_a_plate_created_at_the_same_moment_is_a_conflict():
    station = StationFactory(name="Rathaus", lat=51.0, lon=12.0)
    kind = VehicleTypeFactory(name="Kleinwagen", seats=4, propulsion=Propulsion.ELECTRIC, range_km=250)
    inserted = threading.Event()
    thread = _insert_elsewhere_then_commit(
        Vehicle, {"plate": "LD-X 9", "vehicle_type": kind, "station": station}, inserted
    )
    assert inserted.wait(10)
    with pytest.raises(Conflict) as info:
        services.vehicle_create(plate=" ld-x 9 ", vehicle_type=kind, station=station)
    thread.join()
    assert info.value.code == "duplicate_plate"
    assert list(Vehicle.objects.values_list("plate", flat=True)) == ["LD-X 9"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_operators_create_one_vehicle_type(asgi_server, otto):
    token = make_token(otto)
    body = {"name": "Lastenrad", "seats": 1, "propulsion": "electric", "range_km": 60}

    def attempt(_):
        return httpx.post(
            asgi_server + BASE + "vehicle-types/", json=body, headers={"Authorization": f"Token {token}"}, timeout=60
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(attempt, range(20)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 19
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"duplicate_name"}
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert list(VehicleType.objects.values_list("pk", "name", "seats", "range_km")) == [
        (winner["id"], "Lastenrad", 1, 60)
    ]
    assert connection.vendor == "postgresql"


def test_vehicle_plate_is_trimmed_upper_case_and_unique(client_for, otto):
    client = client_for(otto)
    station = client.post(BASE + "stations/", {"name": "Markt", "lat": 51.0, "lon": 12.0}, format="json").json()
    kind = client.post(
        BASE + "vehicle-types/", {"name": "E", "seats": 4, "propulsion": "electric", "range_km": 200}, format="json"
    ).json()
    body = {"plate": " ld-e 7 ", "vehicle_type": kind["id"], "station": station["id"]}
    created = client.post(BASE + "vehicles/", body, format="json")
    assert created.status_code == 201
    assert created.json()["plate"] == "LD-E 7"
    again = client.post(BASE + "vehicles/", {**body, "plate": "LD-E 7"}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "duplicate_plate")
    assert list(Vehicle.objects.values_list("plate", flat=True)) == ["LD-E 7"]
    assert list(Station.objects.values_list("name", "lat", "lon", "address")) == [("Markt", 51.0, 12.0, "")]


def test_tariff_is_created_then_replaced(client_for, otto):
    client = client_for(otto)
    kind = VehicleTypeFactory(name="E", seats=4, propulsion=Propulsion.ELECTRIC, range_km=200)
    body = {"vehicle_type": kind.pk, "per_hour_cents": 400, "daily_cap_cents": 4000, "per_km_cents": 20}
    assert client.post(BASE + "tariffs/", body, format="json").status_code == 201
    assert client.post(BASE + "tariffs/", {**body, "per_hour_cents": 450}, format="json").status_code == 201
    assert list(Tariff.objects.values_list("vehicle_type_id", "per_hour_cents", "included_km", "vat_rate_bp")) == [
        (kind.pk, 450, 0, 1900)
    ]


def test_base_load_block_with_an_unknown_cost_centre_writes_nothing(client_for, otto, fleet):
    body = {
        "vehicle": fleet["vehicles"][0].pk,
        "weekdays": [1, 2],
        "start_time": "08:00",
        "end_time": "12:00",
        "valid_from": "2026-01-01",
        "cost_centre": "NOPE",
        "purpose": "Bauamt",
    }
    refused = client_for(otto).post(BASE + "base-load-blocks/", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "cost_centre_unknown"
    assert refused.json()["error"]["fields"] == {"cost_centre": ["unknown"]}
    from carsharing.models import BaseLoadBlock, Reservation

    assert BaseLoadBlock.objects.count() == 0
    assert Reservation.objects.count() == 0
