"""Issue 10 in car-sharing: a retried confirm never puts a second hold on the card, a
reservation confirmed by Stripe's webhook notifies like the API does, and hostile webhook
deliveries are refused (future timestamps, over-long or NUL event ids)."""

import json
import time

import pytest
import stripe
from django.conf import settings
from django.db import OperationalError

from carsharing import payments, services
from carsharing.models import PaymentKind, PaymentRecord, PaymentStatus, Reservation, ReservationStatus, WebhookEvent
from carsharing.services import _shared
from mobility.notifications.models import Notification
from tests.carsharing.conftest import aligned, save_card
from tests.carsharing.test_webhooks import event_for, post, signed

pytestmark = pytest.mark.django_db


def stripe_client():
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})


def _fail_after_authorisation(monkeypatch):
    """The database fails right after Stripe authorised (the PaymentIntent id is saved, the
    confirmation is not): the second lock of the reservation raises. Counts authorisations."""
    calls = {"authorise": 0, "locks": 0}
    real_lock = _shared.lock_reservation
    real_authorise = payments.payment_intent_authorise

    def lock(reservation_id, **kwargs):
        if not kwargs:
            calls["locks"] += 1
            if calls["locks"] == 1:
                raise OperationalError("server closed the connection unexpectedly")
        return real_lock(reservation_id, **kwargs)

    def authorise(**kwargs):
        calls["authorise"] += 1
        return real_authorise(**kwargs)

    monkeypatch.setattr(_shared, "lock_reservation", lock)
    monkeypatch.setattr(payments, "payment_intent_authorise", authorise)
    return calls


def _live_holds(customer_id: str) -> list[str]:
    intents = stripe_client().v1.payment_intents.list(params={"limit": 100}).data
    return [pi.id for pi in intents if pi.customer == customer_id and pi.status == "requires_capture"]


def test_retried_confirm_after_a_database_failure_reuses_the_authorisation(stripe_on, fleet, carla, monkeypatch):
    save_card(carla)
    r = services.reservation_create(user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(24), end=aligned(26))
    calls = _fail_after_authorisation(monkeypatch)
    with pytest.raises(OperationalError):
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    first = PaymentRecord.objects.get(reservation=r)
    assert (first.kind, first.status) == (PaymentKind.AUTHORISE, PaymentStatus.PENDING)
    assert first.stripe_payment_intent
    assert Reservation.objects.get(pk=r.pk).status == ReservationStatus.HELD

    confirmed = services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert confirmed.status == ReservationStatus.CONFIRMED
    assert calls["authorise"] == 1
    assert list(PaymentRecord.objects.filter(reservation=r).values_list("kind", "status", "stripe_payment_intent")) == [
        (PaymentKind.AUTHORISE, PaymentStatus.AUTHORISED, first.stripe_payment_intent)
    ]
    assert _live_holds(carla.stripe_customer.stripe_customer_id) == [first.stripe_payment_intent]
    assert Notification.objects.filter(user=carla, kind="carsharing.reservation_confirmed").count() == 1


def test_retry_after_the_hold_expired_releases_the_orphaned_authorisation(stripe_on, fleet, carla, monkeypatch):
    save_card(carla)
    r = services.reservation_create(user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(24), end=aligned(26))
    _fail_after_authorisation(monkeypatch)
    with pytest.raises(OperationalError):
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    pi_id = PaymentRecord.objects.get(reservation=r).stripe_payment_intent
    Reservation.objects.filter(pk=r.pk).update(held_until=aligned(-1))
    from mobility.errors import Conflict

    with pytest.raises(Conflict) as info:
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert info.value.code == "hold_expired"
    assert Reservation.objects.get(pk=r.pk).status == ReservationStatus.EXPIRED
    assert list(PaymentRecord.objects.filter(reservation=r).order_by("pk").values_list("kind", "status")) == [
        (PaymentKind.AUTHORISE, PaymentStatus.CANCELLED),
        (PaymentKind.RELEASE, PaymentStatus.SUCCEEDED),
    ]
    assert stripe_client().v1.payment_intents.retrieve(pi_id).status == "canceled"
    assert _live_holds(carla.stripe_customer.stripe_customer_id) == []


def test_reservation_confirmed_by_the_webhook_notifies_the_member(api_client, stripe_on, fleet, carla, monkeypatch):
    save_card(carla)
    r = services.reservation_create(user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(24), end=aligned(26))
    _fail_after_authorisation(monkeypatch)
    with pytest.raises(OperationalError):
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    monkeypatch.undo()
    pi_id = PaymentRecord.objects.get(reservation=r).stripe_payment_intent
    assert Notification.objects.filter(user=carla).count() == 0
    payload = event_for(pi_id, "payment_intent.amount_capturable_updated", "evt_capturable_1")
    assert post(api_client, payload, signed(payload)).status_code == 200
    assert Reservation.objects.get(pk=r.pk).status == ReservationStatus.CONFIRMED
    notes = list(Notification.objects.filter(user=carla).values_list("kind", "payload"))
    assert notes == [("carsharing.reservation_confirmed", {"reservation": r.pk})]


def _event(event_id: str) -> bytes:
    return json.dumps({"id": event_id, "type": "payment_intent.succeeded", "data": {"object": {}}}).encode()


def test_webhook_signed_in_the_future_is_refused(api_client, stripe_on):
    payload = _event("evt_future")
    response = post(api_client, payload, signed(payload, at=int(time.time()) + 3600))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    near = post(api_client, payload, signed(payload, at=int(time.time()) + 60))
    assert near.status_code == 200
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == ["evt_future"]


@pytest.mark.parametrize("event_id", ["evt_" + "x" * 200, "evt_\x00nul", "", "evt_line\nbreak"])
def test_webhook_with_a_hostile_event_id_is_refused(api_client, stripe_on, event_id):
    payload = _event(event_id)
    response = post(api_client, payload, signed(payload))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
    assert WebhookEvent.objects.count() == 0
