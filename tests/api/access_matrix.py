"""Access rows for the shared core's endpoints (accounts, notifications, schema)."""

from mobility.notifications.services import notify
from tests.access import (
    OPERATOR_CREATES,
    OPERATOR_ONLY,
    OWNER_ONLY,
    PUBLIC,
    SIGNED_IN,
    STAFF_ONLY,
    Endpoint,
    expect,
    pk_of,
)
from tests.factories import UserFactory

STRONG = "a-long-and-unusual-passphrase-42"


def _alice_notification(ctx):
    ctx.objects["note"] = notify(ctx.alice, "hello", {})


def _only_own_notifications(response, persona, ctx):
    if response.status_code == 200:
        kinds = [n["kind"] for n in response.json()["results"]]
        assert kinds == (["hello"] if persona == "owner" else [])


ROWS = [
    # Public auth endpoints: the same answer for everyone.
    Endpoint(
        "POST",
        "auth-register",
        expect(201, 201, 201, 201, 201),
        data=lambda ctx: {"email": "fresh@example.org", "password": STRONG},
    ),
    Endpoint("POST", "auth-verify-email", expect(400, 400, 400, 400, 400), data=lambda ctx: {"token": "bogus"}),
    Endpoint(
        "POST",
        "auth-resend-verification",
        expect(202, 202, 202, 202, 202),
        data=lambda ctx: {"email": "alice@example.org"},
    ),
    Endpoint(
        "POST",
        "auth-login",
        PUBLIC,
        setup=lambda ctx: UserFactory(email="login@example.org", password=STRONG),
        data=lambda ctx: {"email": "login@example.org", "password": STRONG},
    ),
    Endpoint(
        "POST", "auth-password-reset", expect(202, 202, 202, 202, 202), data=lambda ctx: {"email": "alice@example.org"}
    ),
    Endpoint(
        "POST",
        "auth-password-reset-confirm",
        expect(400, 400, 400, 400, 400),
        data=lambda ctx: {"uid": "MQ", "token": "x-y", "new_password": STRONG},
    ),
    # Signed-in only.
    Endpoint("POST", "auth-logout", expect(401, 204, 204, 204, 204)),
    Endpoint("POST", "auth-logout-all", expect(401, 204, 204, 204, 204)),
    Endpoint("GET", "me", SIGNED_IN),
    Endpoint("PATCH", "me", SIGNED_IN, data=lambda ctx: {"display_name": "X"}),
    # Operator only.
    Endpoint("GET", "user-list", OPERATOR_ONLY),
    Endpoint("GET", "user-detail", OPERATOR_ONLY, kwargs=pk_of("alice")),
    Endpoint("PATCH", "user-roles", OPERATOR_ONLY, kwargs=pk_of("bob"), data=lambda ctx: {"is_member": True}),
    Endpoint(
        "POST",
        "user-suspend",
        OPERATOR_ONLY,
        setup=lambda ctx: ctx.objects.update(dave=UserFactory(display_name="Dave")),
        kwargs=pk_of("dave"),
        data=lambda ctx: {"reason": "repeated no-shows"},
    ),
    Endpoint(
        "POST",
        "user-reinstate",
        OPERATOR_ONLY,
        setup=lambda ctx: ctx.objects.update(dave=UserFactory(display_name="Dave", is_active=False)),
        kwargs=pk_of("dave"),
        data=lambda ctx: {"reason": "cleared up"},
    ),
    Endpoint("GET", "cost-centre-list", STAFF_ONLY),
    Endpoint("POST", "cost-centre-list", OPERATOR_CREATES, data=lambda ctx: {"code": "KST-2000", "name": "Bauamt"}),
    # Notifications: own only; another user's is 404.
    Endpoint("GET", "notification-list", SIGNED_IN, setup=_alice_notification, check=_only_own_notifications),
    Endpoint("POST", "notification-read", OWNER_ONLY, setup=_alice_notification, kwargs=pk_of("note")),
    Endpoint("POST", "notification-read-all", SIGNED_IN),
    # The schema is public.
    Endpoint("GET", "schema", PUBLIC),
    # So is the API root (links only).
    Endpoint("GET", "api-root", PUBLIC),
]

ROWS += [
    Endpoint("GET", "me-data-export", SIGNED_IN),
    # The persona's factory password is the default one.
    Endpoint("POST", "me-erasure", SIGNED_IN, data=lambda ctx: {"password": "correct-horse-battery-staple"}),
    Endpoint("POST", "user-erasure", OPERATOR_ONLY, kwargs=pk_of("bob")),
    Endpoint("GET", "privacy-access-log", OPERATOR_ONLY),
    # Any other URL under /api/v1/: the JSON 404 for everyone.
    Endpoint("GET", "api-not-found", expect(404, 404, 404, 404, 404), kwargs=lambda ctx: {"rest": "no-such-thing/"}),
]
