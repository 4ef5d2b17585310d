"""Registration, verification, login with expiring hashed tokens, reset, throttling."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from knox.models import get_token_model

from mobility.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

AuthToken = get_token_model()
STRONG = "a-long-and-unusual-passphrase-42"


def _token_from_mail(body: str) -> str:
    return re.search(r"Bestätigungscode: (\S+)", body).group(1)


@pytest.mark.django_db
def test_register_verify_login_flow(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register/", {"email": "Neu@Example.org", "password": STRONG, "display_name": "Neu"}
        )
    assert response.status_code == 201
    assert response.json()["email"] == "neu@example.org"
    assert response.json()["email_verified"] is False
    assert response.json()["roles"] == ["resident"]
    user = User.objects.get(email="neu@example.org")
    assert user.check_password(STRONG)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["neu@example.org"]

    refused = api_client.post("/api/v1/auth/login/", {"email": "neu@example.org", "password": STRONG})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_not_verified"
    assert AuthToken.objects.count() == 0

    verified = api_client.post("/api/v1/auth/verify-email/", {"token": _token_from_mail(mail.outbox[0].body)})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True

    login = api_client.post("/api/v1/auth/login/", {"email": "NEU@example.org", "password": STRONG})
    assert login.status_code == 200
    token = login.json()["token"]
    assert AuthToken.objects.filter(user=user).count() == 1
    # Tokens are stored hashed: the plain token is nowhere in the table.
    stored = AuthToken.objects.get(user=user)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.digest) >= 64

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "neu@example.org"


@pytest.mark.django_db
def test_register_refuses_duplicate_email_and_weak_password(api_client, alice):
    taken = api_client.post("/api/v1/auth/register/", {"email": "ALICE@example.org", "password": STRONG})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "email_taken"
    weak = api_client.post("/api/v1/auth/register/", {"email": "weak@example.org", "password": "12345678"})
    assert weak.status_code == 400
    assert weak.json()["error"]["code"] == "weak_password"
    assert "password" in weak.json()["error"]["fields"]
    invalid = api_client.post("/api/v1/auth/register/", {"email": "not-an-email", "password": STRONG})
    assert invalid.status_code == 400
    assert invalid.json()["error"]["code"] == "validation_error"
    assert list(invalid.json()["error"]["fields"]) == ["email"]
    assert User.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.django_db
def test_verify_email_rejects_forged_and_expired_tokens(api_client, settings):
    user = UserFactory(email="late@example.org", email_verified=False)
    forged = api_client.post("/api/v1/auth/verify-email/", {"token": "abc:def:ghi"})
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "token_invalid"

    from mobility.accounts.services import email_verification_token

    token = email_verification_token(user=user)
    settings.EMAIL_VERIFICATION_MAX_AGE = timedelta(seconds=-1)
    expired = api_client.post("/api/v1/auth/verify-email/", {"token": token})
    assert expired.status_code == 400
    assert expired.json()["error"]["code"] == "token_expired"
    user.refresh_from_db()
    assert user.email_verified is False


@pytest.mark.django_db
def test_login_with_wrong_password_gives_no_token(api_client, alice):
    response = api_client.post("/api/v1/auth/login/", {"email": "alice@example.org", "password": "wrong-password"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert AuthToken.objects.count() == 0


@pytest.mark.django_db
def test_expired_token_is_refused(api_client, alice):
    instance, token = AuthToken.objects.create(alice, expiry=timedelta(hours=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/me/").status_code == 200
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"
    # knox deletes an expired token when it sees it.
    assert AuthToken.objects.filter(user=alice).count() == 0


@pytest.mark.django_db
def test_token_ttl_comes_from_settings(api_client, alice, settings):
    response = api_client.post("/api/v1/auth/login/", {"email": "alice@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    stored = AuthToken.objects.get(user=alice)
    expected = timezone.now() + settings.TOKEN_TTL
    assert abs((stored.expiry - expected).total_seconds()) < 60


@pytest.mark.django_db
def test_logout_and_logout_all(client_for, alice):
    first, second = client_for(alice), client_for(alice)
    assert AuthToken.objects.filter(user=alice).count() == 2
    assert first.post("/api/v1/auth/logout/").status_code == 204
    assert first.get("/api/v1/me/").status_code == 401
    assert second.get("/api/v1/me/").status_code == 200
    third = client_for(alice)
    assert third.post("/api/v1/auth/logout-all/").status_code == 204
    assert AuthToken.objects.filter(user=alice).count() == 0
    assert second.get("/api/v1/me/").status_code == 401


@pytest.mark.django_db
def test_password_reset_flow_revokes_tokens(api_client, client_for, alice):
    old_session = client_for(alice)
    assert api_client.post("/api/v1/auth/password-reset/", {"email": "nobody@example.org"}).status_code == 202
    assert mail.outbox == []  # no hint whether an account exists
    assert api_client.post("/api/v1/auth/password-reset/", {"email": "alice@example.org"}).status_code == 202
    assert len(mail.outbox) == 1
    match = re.search(r"uid=(\S+) token=(\S+)", mail.outbox[0].body)
    uid, token = match.group(1), match.group(2)

    bad = api_client.post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": "0-wrong", "new_password": STRONG}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "token_invalid"

    ok = api_client.post("/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": STRONG})
    assert ok.status_code == 204
    alice.refresh_from_db()
    assert alice.check_password(STRONG)
    assert old_session.get("/api/v1/me/").status_code == 401
    # The link works once only (the token depends on the password hash).
    again = api_client.post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": STRONG + "x"}
    )
    assert again.status_code == 400


@pytest.mark.django_db
def test_login_is_throttled(api_client, alice, settings):
    settings.AUTH_THROTTLE_RATE = "3/min"
    for _ in range(3):
        response = api_client.post("/api/v1/auth/login/", {"email": "alice@example.org", "password": "wrong"})
        assert response.status_code == 400
    blocked = api_client.post("/api/v1/auth/login/", {"email": "alice@example.org", "password": DEFAULT_PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "throttled"
    assert int(blocked["Retry-After"]) > 0
    assert AuthToken.objects.count() == 0


@pytest.mark.django_db
def test_registration_is_throttled(api_client, settings):
    settings.AUTH_THROTTLE_RATE = "2/min"
    codes = [
        api_client.post("/api/v1/auth/register/", {"email": f"r{i}@example.org", "password": STRONG}).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_profile_update_and_roles_by_operator(client_for, alice, otto, cost_centre):
    client = client_for(alice)
    response = client.patch("/api/v1/me/", {"display_name": "Alice L.", "phone": "+49 170 1234567"})
    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.display_name, alice.phone) == ("Alice L.", "+49 170 1234567")
    assert client.patch("/api/v1/me/", {"phone": "call me <script>"}).status_code == 400

    operator = client_for(otto)
    missing_centre = operator.patch(f"/api/v1/users/{alice.pk}/roles/", {"is_town_staff": True})
    assert missing_centre.status_code == 400
    assert missing_centre.json()["error"]["code"] == "cost_centre_required"
    alice.refresh_from_db()
    assert alice.is_town_staff is False

    granted = operator.patch(
        f"/api/v1/users/{alice.pk}/roles/", {"is_town_staff": True, "is_member": True, "cost_centre": "KST-1000"}
    )
    assert granted.status_code == 200
    assert granted.json()["roles"] == ["resident", "member", "staff"]
    alice.refresh_from_db()
    assert alice.is_staff is True  # admin access follows the staff role
    assert alice.cost_centre == cost_centre
    unknown = operator.patch(f"/api/v1/users/{alice.pk}/roles/", {"cost_centre": "KST-9999"})
    assert unknown.json()["error"]["code"] == "unknown_cost_centre"
    assert operator.patch("/api/v1/users/999999/roles/", {"is_member": True}).status_code == 404
