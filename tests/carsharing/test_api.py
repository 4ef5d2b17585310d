from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from carsharing.models import BaseLoadBlock, Membership, Reservation, ReservationKind, ReservationStatus, Vehicle
from tests.carsharing.conftest import aligned, make_member
from tests.conftest import make_token
from tests.factories import ReservationFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/carsharing/"


def iso(value):
    return value.isoformat()


def test_member_books_confirms_and_sees_it(client_for, fleet, carla):
    client = client_for(carla)
    start = aligned(24)
    body = {"vehicle": fleet["vehicles"][0].pk, "start": iso(start), "end": iso(start + timedelta(hours=2))}
    created = client.post(BASE + "reservations/", body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["status"], data["estimate_cents"], data["kind"]) == ("held", 800, "member")
    confirmed = client.post(BASE + f"reservations/{data['id']}/confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    listing = client.get(BASE + "reservations/").json()
    assert [r["id"] for r in listing["results"]] == [data["id"]]


def test_conflict_is_409_with_stable_code_and_writes_nothing(client_for, fleet, carla, dora):
    start = aligned(24)
    body = {"vehicle": fleet["vehicles"][0].pk, "start": iso(start), "end": iso(start + timedelta(hours=2))}
    assert client_for(carla).post(BASE + "reservations/", body, format="json").status_code == 201
    refused = client_for(dora).post(BASE + "reservations/", body, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "vehicle_unavailable"
    assert Reservation.objects.filter(user=dora).count() == 0


def test_bad_input_is_400_never_500(client_for, fleet, carla):
    client = client_for(carla)
    start = aligned(24)
    for body in (
        {},
        {"vehicle": "x", "start": "yesterday", "end": iso(start)},
        {
            "vehicle": fleet["vehicles"][0].pk,
            "start": iso(start + timedelta(minutes=5)),
            "end": iso(start + timedelta(hours=1)),
        },
    ):
        response = client.post(BASE + "reservations/", body, format="json")
        assert response.status_code == 400, body
    missing = client.post(
        BASE + "reservations/",
        {"vehicle": 99999, "start": iso(start), "end": iso(start + timedelta(hours=1))},
        format="json",
    )
    assert missing.status_code == 404
    assert Reservation.objects.count() == 0


def test_idempotency_key_books_once(client_for, fleet, carla):
    client = client_for(carla)
    start = aligned(24)
    body = {"vehicle": fleet["vehicles"][0].pk, "start": iso(start), "end": iso(start + timedelta(hours=1))}
    first = client.post(BASE + "reservations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(BASE + "reservations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert Reservation.objects.count() == 1


def test_quote_shows_vat(client_for, fleet):
    start = aligned(24)
    response = client_for(None).post(
        BASE + "quote/",
        {"vehicle": fleet["vehicles"][0].pk, "start": iso(start), "end": iso(start + timedelta(hours=3)), "km": 80},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "vehicle": fleet["vehicles"][0].pk,
        "minutes": 180,
        "km": 80,
        "time_cents": 1200,
        "distance_cents": 600,
        "total_cents": 1800,
        "vat_cents": 287,
        "vat_rate_bp": 1900,
    }


def test_availability_and_search(client_for, fleet, carla):
    car, car2, far = fleet["vehicles"]
    start = aligned(24)
    client = client_for(carla)
    client.post(
        BASE + "reservations/",
        {"vehicle": car.pk, "start": iso(start), "end": iso(start + timedelta(hours=2))},
        format="json",
    )
    day_start, day_end = start - timedelta(hours=4), start + timedelta(hours=8)
    response = client.get(BASE + f"vehicles/{car.pk}/availability/", {"start": iso(day_start), "end": iso(day_end)})
    assert response.status_code == 200
    busy = response.json()["busy"]
    assert len(busy) == 1
    assert busy[0]["end"].startswith(timezone.localtime(start + timedelta(hours=2, minutes=15)).isoformat()[:16])
    assert len(response.json()["free"]) == 2
    found = client.get(
        BASE + "vehicles/search/",
        {"start": iso(start), "end": iso(start + timedelta(hours=1)), "lat": 51.0, "lon": 12.0, "radius_km": 5},
    )
    assert [row["vehicle"]["plate"] for row in found.json()] == [car2.plate]
    everywhere = client.get(BASE + "vehicles/search/", {"start": iso(start), "end": iso(start + timedelta(hours=1))})
    assert sorted(row["vehicle"]["plate"] for row in everywhere.json()) == [car2.plate, far.plate]
    assert client.get(BASE + "vehicles/search/", {"start": iso(start), "end": iso(start), "lat": 1}).status_code == 400


def test_membership_flow_over_http(client_for, alice, stella):
    response = client_for(alice).post(
        BASE + "membership/",
        {"licence_number": "B072RRE2I55", "licence_expiry": str(date.today() + timedelta(days=500))},
        format="json",
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    assert (
        client_for(alice).post(BASE + f"memberships/{pk}/decision/", {"approve": True}, format="json").status_code
        == 403
    )
    decided = client_for(stella).post(BASE + f"memberships/{pk}/decision/", {"approve": True}, format="json")
    assert decided.status_code == 200
    alice.refresh_from_db()
    assert alice.is_member
    assert Membership.objects.get(pk=pk).checked_by == stella


def test_official_trip_and_release_over_http(client_for, fleet, stella, carla):
    car = fleet["vehicles"][0]
    start = aligned(24 * 45)
    staff = client_for(stella)
    trip = staff.post(
        BASE + "official-trips/",
        {"vehicle": car.pk, "start": iso(start), "end": iso(start + timedelta(hours=4)), "purpose": "Kreistag"},
        format="json",
    )
    assert trip.status_code == 201, trip.json()
    assert (trip.json()["status"], trip.json()["cost_centre"]) == ("confirmed", "KST-1000")
    unknown = staff.post(
        BASE + "official-trips/",
        {
            "vehicle": car.pk,
            "start": iso(start),
            "end": iso(start + timedelta(hours=1)),
            "purpose": "x",
            "cost_centre": "NOPE",
        },
        format="json",
    )
    assert unknown.json()["error"]["code"] == "cost_centre_unknown"
    released = staff.post(
        BASE + f"reservations/{trip.json()['id']}/release/",
        {"start": iso(start + timedelta(hours=2)), "end": iso(start + timedelta(hours=4))},
        format="json",
    )
    assert released.status_code == 200
    assert released.json()["status"] == "released"
    assert (
        client_for(carla)
        .post(
            BASE + f"reservations/{trip.json()['id']}/release/",
            {"start": iso(start), "end": iso(start + timedelta(hours=1))},
            format="json",
        )
        .status_code
        == 403
    )


def test_base_load_block_over_http(client_for, fleet, otto, cost_centre):
    response = client_for(otto).post(
        BASE + "base-load-blocks/",
        {
            "vehicle": fleet["vehicles"][0].pk,
            "weekdays": [1, 2, 3, 4, 5],
            "start_time": "08:00",
            "end_time": "12:00",
            "valid_from": str(date.today()),
            "cost_centre": cost_centre.code,
            "purpose": "Rathaus Grundlast",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    block = BaseLoadBlock.objects.get()
    assert (
        Reservation.objects.filter(base_load_block=block, kind=ReservationKind.OFFICIAL).count() >= 5 * 7
    )  # 8 weeks ahead
    bad = client_for(otto).post(
        BASE + "base-load-blocks/",
        {
            "vehicle": fleet["vehicles"][0].pk,
            "weekdays": [1],
            "start_time": "08:05",
            "end_time": "12:00",
            "valid_from": str(date.today()),
            "cost_centre": cost_centre.code,
            "purpose": "x",
        },
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "off_grid"
    assert BaseLoadBlock.objects.count() == 1


def test_vehicle_out_of_service_over_http(client_for, fleet, carla, otto):
    car = fleet["vehicles"][0]
    start = aligned(24)
    made = client_for(carla).post(
        BASE + "reservations/",
        {"vehicle": car.pk, "start": iso(start), "end": iso(start + timedelta(hours=1))},
        format="json",
    )
    response = client_for(otto).patch(BASE + f"vehicles/{car.pk}/", {"in_service": False}, format="json")
    assert response.status_code == 200 and response.json()["in_service"] is False
    assert Reservation.objects.get(pk=made.json()["id"]).status == "preempted"


def test_utilisation_over_http(client_for, fleet, otto):
    response = client_for(otto).get(BASE + "reports/utilisation/", {"month": "2026-02"})
    assert response.status_code == 200
    assert [row["plate"] for row in response.json()] == sorted(v.plate for v in fleet["vehicles"])
    assert response.json()[0]["hours_total"] == 28 * 24
    assert client_for(otto).get(BASE + "reports/utilisation/", {"month": "2026-13"}).status_code == 400


def test_card_endpoints_without_stripe_are_503(client_for, carla):
    response = client_for(carla).post(BASE + "card/setup/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payments_unavailable"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_clients_one_wins(asgi_server, fleet):
    members = [make_member(f"m{i}@example.org") for i in range(50)]
    tokens = [make_token(m) for m in members]
    car = fleet["vehicles"][0]
    start = aligned(24)
    body = {"vehicle": car.pk, "start": iso(start), "end": iso(start + timedelta(hours=2))}

    def attempt(token):
        return httpx.post(
            asgi_server + BASE + "reservations/", json=body, headers={"Authorization": f"Token {token}"}, timeout=60
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(attempt, tokens))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 49
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"vehicle_unavailable"}
    assert Reservation.objects.filter(vehicle=car).count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM carsharing_reservation a JOIN carsharing_reservation b "
            "ON a.vehicle_id = b.vehicle_id AND a.id < b.id AND a.start < b.blocked_until AND b.start < a.blocked_until"
        )
        assert cursor.fetchone()[0] == 0
    assert Vehicle.objects.count() == 3


@pytest.mark.postgres
def test_exclusion_constraint_is_the_last_word(fleet, carla, dora):
    """Even a write that skips the service cannot double-book on PostgreSQL."""
    from django.db import IntegrityError, transaction

    car = fleet["vehicles"][0]
    start = aligned(24)
    common = {
        "vehicle": car,
        "start": start,
        "end": start + timedelta(hours=1),
        "blocked_until": start + timedelta(hours=1, minutes=15),
    }
    ReservationFactory(user=carla, status=ReservationStatus.CONFIRMED, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReservationFactory(user=dora, status=ReservationStatus.CONFIRMED, **common)
    ReservationFactory(user=dora, status=ReservationStatus.CANCELLED, **common)  # non-blocking rows may overlap
    assert Reservation.objects.filter(vehicle=car).count() == 2
