"""Money records stay true: open (pending) plus settled records always add up to what the
member owes. Driven over HTTP for the three stories of the issue, and by hypothesis over
random sequences of the services."""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carsharing import services
from carsharing.models import Billing, PaymentKind, PaymentRecord, PaymentStatus, Reservation, ReservationStatus
from mobility.errors import DomainError

from .conftest import aligned

BASE = "/api/v1/carsharing/"


def _records(client, reservation_id):
    body = client.get(BASE + f"reservations/{reservation_id}/").json()
    return body, [(p["kind"], p["status"], p["amount_cents"]) for p in body["payments"]]


def _book(client, car, start, hours=2):
    created = client.post(
        BASE + "reservations/",
        {"vehicle": car.pk, "start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.content
    confirmed = client.post(BASE + f"reservations/{created.json()['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    return confirmed.json()


def test_after_an_extension_the_open_invoice_is_the_new_estimate(client_for, fleet, carla):
    client = client_for(carla)
    start = aligned(72)
    booked = _book(client, fleet["vehicles"][0], start)
    assert booked["billing"] == Billing.INVOICE
    _, records = _records(client, booked["id"])
    assert records == [(PaymentKind.INVOICE, PaymentStatus.PENDING, 800)]  # 2 h × 4 €
    extended = client.post(
        BASE + f"reservations/{booked['id']}/extend/", {"end": (start + timedelta(hours=3)).isoformat()}, format="json"
    )
    assert extended.status_code == 200, extended.content
    body, records = _records(client, booked["id"])
    assert body["estimate_cents"] == 1200
    assert records == [
        (PaymentKind.INVOICE, PaymentStatus.CANCELLED, 800),
        (PaymentKind.INVOICE, PaymentStatus.PENDING, 1200),
    ]


def test_a_free_cancellation_voids_the_open_invoice(client_for, fleet, carla):
    client = client_for(carla)
    booked = _book(client, fleet["vehicles"][0], aligned(72))
    cancelled = client.post(BASE + f"reservations/{booked['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["fee_cents"] == 0
    _, records = _records(client, booked["id"])
    assert records == [(PaymentKind.INVOICE, PaymentStatus.CANCELLED, 800)]  # nothing open, nothing owed


def test_a_late_cancellation_leaves_exactly_one_fee_record(client_for, fleet, carla):
    client = client_for(carla)
    booked = _book(client, fleet["vehicles"][0], aligned(5))  # inside the 24 h free-cancellation period
    cancelled = client.post(BASE + f"reservations/{booked['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["fee_cents"] == 400  # 50 % of 8 €
    _, records = _records(client, booked["id"])
    assert records == [
        (PaymentKind.INVOICE, PaymentStatus.CANCELLED, 800),
        (PaymentKind.INVOICE, PaymentStatus.SUCCEEDED, 400),
    ]
    again = client.post(BASE + f"reservations/{booked['id']}/cancel/")
    assert again.status_code == 409
    assert _records(client, booked["id"])[1] == records


def owed_cents(reservation: Reservation) -> int:
    """What the member owes for the reservation in its current state."""
    if reservation.status in (ReservationStatus.HELD, ReservationStatus.EXPIRED):
        return 0
    if reservation.status in (ReservationStatus.CONFIRMED, ReservationStatus.ACTIVE, ReservationStatus.RETURNED):
        return reservation.estimate_cents  # the estimate until the trip is settled
    return reservation.actual_cents or 0  # settled, cancelled, no-show


def open_and_settled_cents(reservation: Reservation) -> int:
    records = PaymentRecord.objects.filter(reservation=reservation, kind=PaymentKind.INVOICE)
    return sum(r.amount_cents for r in records if r.status in (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED))


class _Rollback(Exception):
    pass


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("extend"), st.integers(1, 12)),  # quarter hours longer
        st.tuples(st.just("cancel"), st.integers(0, 0)),
        st.tuples(st.just("check_in"), st.integers(0, 0)),
        st.tuples(st.just("check_out"), st.integers(0, 300)),  # km driven
        st.tuples(st.just("tick"), st.integers(0, 0)),
        st.tuples(st.just("wait"), st.integers(1, 40)),  # hours pass
    ),
    max_size=8,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_hours=st.integers(2, 60), operations=OPERATIONS)
def test_open_plus_settled_records_always_equal_what_is_owed(fleet, carla, start_hours, operations):
    car = fleet["vehicles"][0]
    try:
        with transaction.atomic():
            now = aligned(0)
            start = aligned(start_hours, now=now)
            reservation = services.reservation_create(
                user=carla, vehicle_id=car.pk, start=start, end=start + timedelta(hours=2), now=now
            )
            services.reservation_confirm(user=carla, reservation_id=reservation.pk, now=now)
            for name, value in operations:
                reservation.refresh_from_db()
                try:
                    if name == "extend":
                        services.reservation_extend(
                            user=carla,
                            reservation_id=reservation.pk,
                            new_end=reservation.end + timedelta(minutes=15 * value),
                            now=now,
                        )
                    elif name == "cancel":
                        services.reservation_cancel(user=carla, reservation_id=reservation.pk, now=now)
                    elif name == "check_in":
                        services.reservation_check_in(user=carla, reservation_id=reservation.pk, now=now)
                    elif name == "check_out":
                        services.reservation_check_out(
                            user=carla,
                            reservation_id=reservation.pk,
                            odometer_km=(reservation.odometer_start_km or 0) + value,
                            energy_level_pct=80,
                            now=now,
                        )
                    elif name == "tick":
                        services.reservations_tick(now=now)
                    else:
                        now += timedelta(hours=value)
                except DomainError:
                    pass  # a refused step changes nothing
                reservation.refresh_from_db()
                assert open_and_settled_cents(reservation) == owed_cents(reservation), (name, reservation.status)
                fees = PaymentRecord.objects.filter(
                    reservation=reservation, kind=PaymentKind.INVOICE, status=PaymentStatus.SUCCEEDED
                ).count()
                assert fees <= 1
                pending = PaymentRecord.objects.filter(
                    reservation=reservation, kind=PaymentKind.INVOICE, status=PaymentStatus.PENDING
                ).count()
                assert pending == (
                    1
                    if reservation.status
                    in (ReservationStatus.CONFIRMED, ReservationStatus.ACTIVE, ReservationStatus.RETURNED)
                    else 0
                )
            raise _Rollback
    except _Rollback:
        pass
