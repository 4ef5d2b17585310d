import pytest

from mobility.core.models import IdempotencyRecord
from mobility.notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.idempotency_urls")]


def test_repeated_key_returns_stored_response_and_books_once(client_for, alice):
    client = client_for(alice)
    first = client.post("/things/", {"seats": 2}, HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post("/things/", {"seats": 2}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Notification.objects.filter(user=alice).count() == 1
    record = IdempotencyRecord.objects.get(user=alice, key="k-1")
    assert (record.status_code, record.response_body) == (201, first.json())


def test_same_key_other_body_is_refused(client_for, alice):
    client = client_for(alice)
    client.post("/things/", {"seats": 2}, HTTP_IDEMPOTENCY_KEY="k-2")
    reused = client.post("/things/", {"seats": 3}, HTTP_IDEMPOTENCY_KEY="k-2")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert Notification.objects.filter(user=alice).count() == 1


def test_keys_are_per_user(client_for, alice, bob):
    client_for(alice).post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="shared")
    response = client_for(bob).post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert Notification.objects.filter(user=bob).count() == 1


def test_without_key_every_post_runs(client_for, alice):
    client = client_for(alice)
    client.post("/things/", {"seats": 1})
    client.post("/things/", {"seats": 1})
    assert Notification.objects.filter(user=alice).count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_refused_request_stores_nothing_and_may_be_retried(client_for, alice):
    client = client_for(alice)
    refused = client.post("/things/", {"refuse": True}, HTTP_IDEMPOTENCY_KEY="k-3")
    assert refused.status_code == 409
    assert IdempotencyRecord.objects.count() == 0
    assert Notification.objects.count() == 0


def test_request_still_in_progress_gets_409_with_retry_after(client_for, alice):
    IdempotencyRecord.objects.create(
        user=alice, key="k-4", method="POST", path="/things/", request_hash="will-be-checked-first"
    )
    client = client_for(alice)
    # Same hash as a real request: compute it by letting a pending record match.
    from rest_framework.test import APIRequestFactory

    from api.idempotency import _request_hash

    request = APIRequestFactory().post("/things/", {"seats": 1}, format="json")
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request

    IdempotencyRecord.objects.filter(key="k-4").update(
        request_hash=_request_hash(Request(request, parsers=[JSONParser()]))
    )
    response = client.post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="k-4")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_request_in_progress"
    assert response["Retry-After"] == "1"
    assert Notification.objects.count() == 0


def test_overlong_key_is_refused(client_for, alice):
    response = client_for(alice).post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_invalid"
    assert Notification.objects.count() == 0


def _pending_record(user, key: str, body: dict, **fields) -> IdempotencyRecord:
    """An in-progress record as a worker that crashed mid-request leaves it."""
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.idempotency import _request_hash

    request = Request(APIRequestFactory().post("/things/", body, format="json"), parsers=[JSONParser()])
    return IdempotencyRecord.objects.create(
        user=user, key=key, method="POST", path="/things/", request_hash=_request_hash(request), **fields
    )


def test_retry_after_the_lease_of_a_crashed_request_is_processed_once(client_for, alice, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.IDEMPOTENCY_LEASE_SECONDS = 5
    _pending_record(alice, "k-crash", {"seats": 1}, lease_until=timezone.now() - timedelta(seconds=1))
    client = client_for(alice)
    retried = client.post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="k-crash")
    replayed = client.post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="k-crash")
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert replayed.status_code == 201
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == retried.json()
    assert Notification.objects.filter(user=alice).count() == 1
    record = IdempotencyRecord.objects.get(user=alice, key="k-crash")
    assert (record.status_code, record.response_body, record.lease_until) == (201, retried.json(), None)


def test_record_without_lease_from_before_leases_expires_after_the_lease_from_creation(client_for, alice, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.IDEMPOTENCY_LEASE_SECONDS = 5
    record = _pending_record(alice, "k-old", {"seats": 1})
    client = client_for(alice)
    assert client.post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="k-old").status_code == 409
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(seconds=6))
    assert client.post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="k-old").status_code == 201
    assert Notification.objects.filter(user=alice).count() == 1


def test_request_within_its_lease_still_gets_409(client_for, alice, settings):
    from datetime import timedelta

    from django.utils import timezone

    _pending_record(alice, "k-live", {"seats": 1}, lease_until=timezone.now() + timedelta(seconds=20))
    response = client_for(alice).post("/things/", {"seats": 1}, HTTP_IDEMPOTENCY_KEY="k-live")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_request_in_progress"
    assert Notification.objects.count() == 0
