"""Card payments against a real localstripe server."""

from datetime import timedelta

import pytest
import stripe
from django.conf import settings
from django.utils import timezone

from carsharing import services
from carsharing.models import (
    Billing,
    PaymentKind,
    PaymentRecord,
    PaymentStatus,
    Reservation,
    ReservationStatus,
    StripeCustomer,
)
from carsharing.payments import PaymentDeclined
from tests.carsharing.conftest import aligned, save_card

pytestmark = pytest.mark.django_db


def stripe_client():
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})


def records(reservation):
    return [
        (p.kind, p.status, p.amount_cents) for p in PaymentRecord.objects.filter(reservation=reservation).order_by("pk")
    ]


def test_card_is_saved_with_a_pseudonymous_customer(stripe_on, carla):
    save_card(carla)
    customer = StripeCustomer.objects.get(user=carla)
    assert customer.card_last4 == "4242"
    at_stripe = stripe_client().v1.customers.retrieve(customer.stripe_customer_id)
    assert at_stripe.metadata.to_dict() == {"reference": str(customer.reference)}
    assert not at_stripe.to_dict().get("email") and not at_stripe.to_dict().get("name")


def test_confirm_without_card_is_refused(stripe_on, fleet, carla):
    r = services.reservation_create(user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(24), end=aligned(26))
    from mobility.errors import Unprocessable

    with pytest.raises(Unprocessable) as info:
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert info.value.code == "no_payment_method"
    r.refresh_from_db()
    assert r.status == ReservationStatus.HELD
    assert PaymentRecord.objects.count() == 0


def test_full_ride_authorise_capture_and_extra_km_charge(stripe_on, fleet, carla):
    save_card(carla)
    start = aligned(1)
    r = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=start, end=start + timedelta(hours=2)
    )
    assert r.billing == Billing.CARD
    r = services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert r.status == ReservationStatus.CONFIRMED
    auth = PaymentRecord.objects.get(reservation=r, kind=PaymentKind.AUTHORISE)
    assert (auth.status, auth.amount_cents) == (PaymentStatus.AUTHORISED, 800)
    pi = stripe_client().v1.payment_intents.retrieve(auth.stripe_payment_intent)
    assert (pi.status, pi.amount, pi.capture_method) == ("requires_capture", 800, "manual")
    services.reservation_check_in(user=carla, reservation_id=r.pk, odometer_km=0, now=start)
    r = services.reservation_check_out(
        user=carla, reservation_id=r.pk, odometer_km=100, energy_level_pct=60, now=start + timedelta(hours=2)
    )
    assert (r.status, r.actual_cents) == (ReservationStatus.SETTLED, 800 + 50 * 20)
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.SUCCEEDED, 800),
        (PaymentKind.CAPTURE, PaymentStatus.SUCCEEDED, 800),
        (PaymentKind.CHARGE, PaymentStatus.SUCCEEDED, 1000),
    ]
    auth.refresh_from_db()
    assert auth.captured_cents == 800
    pi = stripe_client().v1.payment_intents.retrieve(auth.stripe_payment_intent)
    assert pi.status == "succeeded"
    charge = PaymentRecord.objects.get(reservation=r, kind=PaymentKind.CHARGE)
    assert stripe_client().v1.payment_intents.retrieve(charge.stripe_payment_intent).amount == 1000


def test_capture_less_than_authorised_releases_the_rest(stripe_on, fleet, carla):
    save_card(carla)
    start = aligned(5)
    r = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=start, end=start + timedelta(hours=2)
    )
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    r = services.reservation_cancel(user=carla, reservation_id=r.pk)  # within 24 h: 50 %
    assert (r.status, r.fee_cents) == (ReservationStatus.CANCELLED, 400)
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.SUCCEEDED, 800),
        (PaymentKind.CAPTURE, PaymentStatus.SUCCEEDED, 400),
    ]
    auth = PaymentRecord.objects.get(reservation=r, kind=PaymentKind.AUTHORISE)
    assert auth.captured_cents == 400
    charge = stripe_client().v1.payment_intents.retrieve(
        auth.stripe_payment_intent, params={"expand": ["latest_charge"]}
    )
    assert charge.status == "succeeded"


def test_free_cancellation_and_preemption_release_everything(stripe_on, fleet, carla):
    save_card(carla)
    early = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(48), end=aligned(50)
    )
    services.reservation_confirm(user=carla, reservation_id=early.pk)
    services.reservation_cancel(user=carla, reservation_id=early.pk)
    assert records(early) == [
        (PaymentKind.AUTHORISE, PaymentStatus.CANCELLED, 800),
        (PaymentKind.RELEASE, PaymentStatus.SUCCEEDED, 800),
    ]
    car = fleet["vehicles"][1]
    other = services.reservation_create(user=carla, vehicle_id=car.pk, start=aligned(5), end=aligned(7))
    services.reservation_confirm(user=carla, reservation_id=other.pk)
    services.vehicle_update(vehicle_id=car.pk, in_service=False)
    other.refresh_from_db()
    assert other.status == ReservationStatus.PREEMPTED
    assert records(other) == [
        (PaymentKind.AUTHORISE, PaymentStatus.CANCELLED, 800),
        (PaymentKind.RELEASE, PaymentStatus.SUCCEEDED, 800),
    ]
    auth = PaymentRecord.objects.get(reservation=other, kind=PaymentKind.AUTHORISE)
    assert stripe_client().v1.payment_intents.retrieve(auth.stripe_payment_intent).status == "canceled"


def test_extension_is_authorised_separately(stripe_on, fleet, carla):
    save_card(carla)
    start = aligned(3)
    r = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=start, end=start + timedelta(hours=1)
    )
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    services.reservation_extend(user=carla, reservation_id=r.pk, new_end=start + timedelta(hours=3))
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.AUTHORISED, 400),
        (PaymentKind.AUTHORISE, PaymentStatus.AUTHORISED, 800),
    ]
    services.reservation_check_in(user=carla, reservation_id=r.pk, odometer_km=0, now=start)
    r = services.reservation_check_out(
        user=carla, reservation_id=r.pk, odometer_km=10, energy_level_pct=50, now=start + timedelta(hours=3)
    )
    assert r.actual_cents == 1200
    assert records(r)[2:] == [
        (PaymentKind.CAPTURE, PaymentStatus.SUCCEEDED, 400),
        (PaymentKind.CAPTURE, PaymentStatus.SUCCEEDED, 800),
    ]
    captured = sum(p.captured_cents for p in PaymentRecord.objects.filter(reservation=r, kind=PaymentKind.AUTHORISE))
    assert captured == 1200


def test_declined_card_keeps_the_hold_and_records_the_attempt(stripe_on, fleet, carla):
    client = stripe_client()
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4000000000000341", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    save_card(carla, card=method.id)
    r = services.reservation_create(user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(24), end=aligned(26))
    with pytest.raises(PaymentDeclined) as info:
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert info.value.code == "payment_declined"
    r.refresh_from_db()
    assert r.status == ReservationStatus.HELD
    assert records(r) == [(PaymentKind.AUTHORISE, PaymentStatus.FAILED, 800)]
    # a second attempt gets its own record and idempotency key
    with pytest.raises(PaymentDeclined):
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    keys = list(PaymentRecord.objects.filter(reservation=r).values_list("idempotency_key", flat=True))
    assert keys == [f"res{r.pk}-authorise-1", f"res{r.pk}-authorise-2"]


def test_hold_expired_during_authorisation_releases_the_money(stripe_on, fleet, carla, monkeypatch):
    save_card(carla)
    r = services.reservation_create(user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(24), end=aligned(26))
    from carsharing import payments

    real = payments.payment_intent_authorise

    def slow_authorise(**kw):
        intent = real(**kw)
        # the periodic job ran while Stripe was answering
        Reservation.objects.filter(pk=r.pk).update(status=ReservationStatus.EXPIRED)
        return intent

    monkeypatch.setattr(payments, "payment_intent_authorise", slow_authorise)
    from mobility.errors import Conflict

    with pytest.raises(Conflict) as info:
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert info.value.code == "hold_expired"
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.CANCELLED, 800),
        (PaymentKind.RELEASE, PaymentStatus.SUCCEEDED, 800),
    ]


def test_reconcile_retries_a_capture_whose_answer_was_lost(stripe_on, fleet, carla, monkeypatch):
    save_card(carla)
    start = aligned(5)
    r = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=start, end=start + timedelta(hours=2)
    )
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    from carsharing import payments
    from mobility.errors import ServiceUnavailable

    def down(**kw):
        raise ServiceUnavailable("down", code="payment_provider_unavailable")

    monkeypatch.setattr(payments, "payment_intent_capture", down)
    services.reservation_cancel(user=carla, reservation_id=r.pk)
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.AUTHORISED, 800),
        (PaymentKind.CAPTURE, PaymentStatus.PENDING, 400),
    ]
    monkeypatch.undo()
    from django.core.management import call_command

    call_command("carsharing_reconcile", verbosity=0)
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.SUCCEEDED, 800),
        (PaymentKind.CAPTURE, PaymentStatus.SUCCEEDED, 400),
    ]
    # running it again changes nothing
    call_command("carsharing_reconcile", verbosity=0)
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.SUCCEEDED, 800),
        (PaymentKind.CAPTURE, PaymentStatus.SUCCEEDED, 400),
    ]


def test_no_show_captures_estimate(stripe_on, fleet, carla):
    save_card(carla)
    start = aligned(1)
    r = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=start, end=start + timedelta(hours=1)
    )
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    services.reservations_tick(now=start + timedelta(hours=1))
    r.refresh_from_db()
    assert r.status == ReservationStatus.NO_SHOW
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.SUCCEEDED, 400),
        (PaymentKind.CAPTURE, PaymentStatus.SUCCEEDED, 400),
    ]
    assert timezone.now()


def test_operator_refunds_at_most_what_was_collected(stripe_on, fleet, carla):
    save_card(carla)
    start = aligned(1)
    r = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=start, end=start + timedelta(hours=1)
    )
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    services.reservation_check_in(user=carla, reservation_id=r.pk, odometer_km=0, now=start)
    services.reservation_check_out(
        user=carla, reservation_id=r.pk, odometer_km=60, energy_level_pct=50, now=start + timedelta(hours=1)
    )
    # collected: 400 captured + 200 charged for 10 extra km
    from mobility.errors import Conflict

    with pytest.raises(Conflict) as info:
        services.reservation_refund(reservation_id=r.pk, amount_cents=601)
    assert info.value.code == "refund_exceeds_collected"
    services.reservation_refund(reservation_id=r.pk, amount_cents=500, reason="Kulanz")
    refunds = PaymentRecord.objects.filter(reservation=r, kind=PaymentKind.REFUND).order_by("pk")
    assert [(x.status, x.amount_cents) for x in refunds] == [
        (PaymentStatus.SUCCEEDED, 400),
        (PaymentStatus.SUCCEEDED, 100),
    ]
    at_stripe = stripe_client().v1.refunds.retrieve(refunds[0].stripe_refund)
    assert (at_stripe.amount, at_stripe.status) == (400, "succeeded")
    with pytest.raises(Conflict):
        services.reservation_refund(reservation_id=r.pk, amount_cents=101)
    services.reservation_refund(reservation_id=r.pk, amount_cents=100)
    assert PaymentRecord.objects.filter(reservation=r, kind=PaymentKind.REFUND).count() == 3


def test_lost_authorisation_answer_is_retried_with_the_same_key(stripe_on, fleet, carla, monkeypatch):
    from django.core.management import call_command

    from carsharing import payments
    from mobility.errors import ServiceUnavailable

    save_card(carla)
    r = services.reservation_create(user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(24), end=aligned(26))

    def lost(**kw):
        raise ServiceUnavailable("timeout", code="payment_provider_unavailable")

    monkeypatch.setattr(payments, "payment_intent_authorise", lost)
    with pytest.raises(ServiceUnavailable):
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    with pytest.raises(ServiceUnavailable):
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    # both attempts used one record and one key
    assert list(PaymentRecord.objects.filter(reservation=r).values_list("idempotency_key", "status")) == [
        (f"res{r.pk}-authorise-1", PaymentStatus.PENDING)
    ]
    monkeypatch.undo()
    call_command("carsharing_reconcile", verbosity=0)
    r.refresh_from_db()
    assert r.status == ReservationStatus.CONFIRMED
    assert records(r) == [(PaymentKind.AUTHORISE, PaymentStatus.AUTHORISED, 800)]


def test_lost_authorisation_for_an_expired_hold_is_released(stripe_on, fleet, carla, monkeypatch):
    from django.core.management import call_command

    from carsharing import payments
    from mobility.errors import ServiceUnavailable

    save_card(carla)
    r = services.reservation_create(user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(24), end=aligned(26))
    monkeypatch.setattr(
        payments, "payment_intent_authorise", lambda **kw: (_ for _ in ()).throw(ServiceUnavailable("x", code="down"))
    )
    with pytest.raises(ServiceUnavailable):
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    monkeypatch.undo()
    services.reservations_tick(now=timezone.now() + timedelta(minutes=20))
    call_command("carsharing_reconcile", verbosity=0)
    r.refresh_from_db()
    assert r.status == ReservationStatus.EXPIRED
    assert records(r) == [
        (PaymentKind.AUTHORISE, PaymentStatus.CANCELLED, 800),
        (PaymentKind.RELEASE, PaymentStatus.SUCCEEDED, 800),
    ]
