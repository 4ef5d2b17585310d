"""The localstripe the tests and the soak run (``benchmarks.localstripe_server``) honours
Stripe's ``Idempotency-Key`` as Stripe does: the same key gives the first answer again."""

import httpx
import pytest

AUTH = ("sk_test_idem", "")


def _post(base: str, path: str, data: dict, key: str | None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return httpx.post(f"{base}{path}", data=data, headers=headers, auth=AUTH, timeout=10)


def _intents(base: str) -> int:
    return len(httpx.get(f"{base}/v1/payment_intents", params={"limit": 100}, auth=AUTH, timeout=10).json()["data"])


@pytest.fixture
def base(localstripe):
    httpx.delete(f"{localstripe}/_config/data", timeout=10)
    return localstripe


def test_a_repeated_key_returns_the_first_answer_and_makes_nothing_new(base):
    customer = _post(base, "/v1/customers", {"description": "idem"}, "cust-1").json()["id"]
    body = {"amount": "1500", "currency": "eur", "customer": customer, "capture_method": "manual"}
    first = _post(base, "/v1/payment_intents", body, "pi-key-1")
    again = _post(base, "/v1/payment_intents", body, "pi-key-1")
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _intents(base) == 1
    other = _post(base, "/v1/payment_intents", body, "pi-key-2")  # another key: another intent
    assert other.json()["id"] != first.json()["id"]
    unkeyed = _post(base, "/v1/payment_intents", body, None)
    assert unkeyed.json()["id"] not in {first.json()["id"], other.json()["id"]}
    assert _intents(base) == 3


def test_the_same_key_with_other_parameters_is_refused(base):
    customer = _post(base, "/v1/customers", {"description": "idem"}, None).json()["id"]
    body = {"amount": "1500", "currency": "eur", "customer": customer}
    assert _post(base, "/v1/payment_intents", body, "pi-key-3").status_code == 200
    changed = _post(base, "/v1/payment_intents", {**body, "amount": "1600"}, "pi-key-3")
    assert changed.status_code == 400
    assert changed.json()["error"]["type"] == "idempotency_error"
    assert _intents(base) == 1


def test_a_refused_request_can_be_made_again_with_its_key(base):
    invalid = _post(base, "/v1/payment_intents", {"amount": "-5", "currency": "eur"}, "pi-key-4")
    assert invalid.status_code == 400
    customer = _post(base, "/v1/customers", {"description": "idem"}, None).json()["id"]
    # not saved: the key is still free (Stripe saves only requests that began executing)
    fixed = _post(base, "/v1/payment_intents", {"amount": "1500", "currency": "eur", "customer": customer}, "pi-key-4")
    assert fixed.status_code == 200
    assert "Idempotent-Replayed" not in fixed.headers
    assert _intents(base) == 1
