"""Stripe webhooks: signatures, exactly-once processing, out-of-order events, real delivery."""

import hashlib
import hmac
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import stripe
from django.conf import settings

from carsharing import services
from carsharing.models import PaymentKind, PaymentRecord, PaymentStatus, WebhookEvent
from tests.carsharing.conftest import WEBHOOK_SECRET, aligned, save_card
from tests.factories import PaymentRecordFactory

URL = "/api/v1/carsharing/stripe/webhook/"


def signed(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    sig = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={sig}"


def event_for(pi_id: str, event_type: str, event_id: str, *, claimed_status: str | None = None) -> bytes:
    client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})
    obj = client.v1.payment_intents.retrieve(pi_id).to_dict()
    if claimed_status:
        obj["status"] = claimed_status
    body = {"id": event_id, "object": "event", "type": event_type, "created": int(time.time()), "data": {"object": obj}}
    return json.dumps(body).encode()


def post(client, payload: bytes, signature: str | None):
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
    return client.post(URL, data=payload, content_type="application/json", **headers)


@pytest.fixture
def authorised(stripe_on, fleet, carla, db):
    save_card(carla)
    start = aligned(5)
    r = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=start, end=start + timedelta(hours=2)
    )
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    return PaymentRecord.objects.get(reservation=r, kind=PaymentKind.AUTHORISE)


@pytest.mark.django_db
def test_bad_stale_or_missing_signatures_get_400(api_client, stripe_on):
    payload = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}}).encode()
    for signature in (
        None,
        signed(payload, secret="whsec_wrong"),
        signed(payload, at=int(time.time()) - 3600),
        "garbage",
    ):
        response = post(api_client, payload, signature)
        assert response.status_code == 400, signature
        assert response.json()["error"]["code"] == "invalid_signature"
    assert WebhookEvent.objects.count() == 0
    response = post(api_client, payload, signed(payload))
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    assert post(api_client, payload, signed(payload)).json() == {"received": True, "duplicate": True}
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db
def test_signed_garbage_is_400_not_500(api_client, stripe_on):
    for payload in (b"not json", b"[1, 2]", json.dumps({"id": 5}).encode()):
        response = post(api_client, payload, signed(payload))
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "malformed_request"
    # Well-formed events with odd contents are recorded and otherwise ignored.
    for i, data in enumerate(([1], {"object": "x"}, {"object": {"object": "payment_intent", "id": 7}}, None)):
        payload = json.dumps({"id": f"evt_odd_{i}", "type": "payment_intent.succeeded", "data": data}).encode()
        assert post(api_client, payload, signed(payload)).status_code == 200
    assert WebhookEvent.objects.filter(event_id__startswith="evt_odd_").count() == 4


@pytest.mark.django_db
def test_without_webhook_secret_503(api_client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = post(api_client, b"{}", "t=1,v1=x")
    assert response.status_code == 503


@pytest.mark.django_db
def test_event_payload_is_not_trusted_the_object_is_re_read(api_client, authorised):
    # The payload claims the authorisation was cancelled; Stripe says it still waits for capture.
    payload = event_for(
        authorised.stripe_payment_intent, "payment_intent.canceled", "evt_lie", claimed_status="canceled"
    )
    assert post(api_client, payload, signed(payload)).status_code == 200
    authorised.refresh_from_db()
    assert authorised.status == PaymentStatus.AUTHORISED


@pytest.mark.django_db
def test_missed_capture_is_picked_up_and_late_old_events_do_not_undo_it(api_client, authorised):
    client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})
    older = event_for(authorised.stripe_payment_intent, "payment_intent.amount_capturable_updated", "evt_old")
    # Captured at Stripe (e.g. from the dashboard) with our capture record still pending.
    PaymentRecordFactory(
        reservation=authorised.reservation,
        kind=PaymentKind.CAPTURE,
        stripe_payment_intent=authorised.stripe_payment_intent,
        idempotency_key="manual-capture",
    )
    client.v1.payment_intents.capture(authorised.stripe_payment_intent)
    newer = event_for(authorised.stripe_payment_intent, "payment_intent.succeeded", "evt_new")
    assert post(api_client, newer, signed(newer)).status_code == 200
    assert post(api_client, older, signed(older)).status_code == 200  # arrives late
    kinds = {
        p.kind: (p.status, p.captured_cents) for p in PaymentRecord.objects.filter(reservation=authorised.reservation)
    }
    assert kinds == {
        PaymentKind.AUTHORISE: (PaymentStatus.SUCCEEDED, 800),
        PaymentKind.CAPTURE: (PaymentStatus.SUCCEEDED, 0),
    }
    assert set(WebhookEvent.objects.values_list("event_id", flat=True)) == {"evt_old", "evt_new"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_parallel_deliveries_are_processed_once(asgi_server, authorised):
    payload = event_for(authorised.stripe_payment_intent, "payment_intent.amount_capturable_updated", "evt_parallel")
    signature = signed(payload)

    def deliver(_):
        return httpx.post(
            asgi_server + URL,
            content=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(deliver, range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    assert sorted(r.json()["duplicate"] for r in responses) == [False, True, True, True, True]
    assert WebhookEvent.objects.filter(event_id="evt_parallel").count() == 1
    assert WebhookEvent.objects.get(event_id="evt_parallel").processed_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_real_webhooks(asgi_server, authorised):
    registered = httpx.post(
        f"{settings.STRIPE_API_BASE}/_config/webhooks/carsharing-tests",
        data={"url": asgi_server + URL, "secret": WEBHOOK_SECRET},
    )
    assert registered.status_code == 200
    try:
        client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})
        PaymentRecordFactory(
            reservation=authorised.reservation,
            kind=PaymentKind.CAPTURE,
            stripe_payment_intent=authorised.stripe_payment_intent,
            idempotency_key="outside-capture",
        )
        client.v1.payment_intents.capture(
            authorised.stripe_payment_intent
        )  # localstripe sends payment_intent.succeeded
        # Only the webhook can move our record: the capture bypassed the app.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            authorised.refresh_from_db()
            if authorised.status == PaymentStatus.SUCCEEDED:
                break
            time.sleep(0.2)
        assert WebhookEvent.objects.filter(type="payment_intent.succeeded", processed_at__isnull=False).exists()
        assert (authorised.status, authorised.captured_cents) == (PaymentStatus.SUCCEEDED, 800)
    finally:
        httpx.post(
            f"{settings.STRIPE_API_BASE}/_config/webhooks/carsharing-tests",
            data={"url": "http://127.0.0.1:9/", "secret": WEBHOOK_SECRET},
        )
