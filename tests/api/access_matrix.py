"""Access rows for the shared core's endpoints (accounts, notifications, schema)."""

from mobility.notifications.services import notify
from tests.access import Endpoint, expect
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
        expect(200, 200, 200, 200, 200),
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
    Endpoint("GET", "me", expect(401, 200, 200, 200, 200)),
    Endpoint("PATCH", "me", expect(401, 200, 200, 200, 200), data=lambda ctx: {"display_name": "X"}),
    # Operator only.
    Endpoint("GET", "user-list", expect(401, 403, 403, 403, 200)),
    Endpoint("GET", "user-detail", expect(401, 403, 403, 403, 200), kwargs=lambda ctx: {"pk": ctx.alice.pk}),
    Endpoint(
        "PATCH",
        "user-roles",
        expect(401, 403, 403, 403, 200),
        kwargs=lambda ctx: {"pk": ctx.bob.pk},
        data=lambda ctx: {"is_member": True},
    ),
    Endpoint(
        "POST",
        "user-suspend",
        expect(401, 403, 403, 403, 200),
        setup=lambda ctx: ctx.objects.update(dave=UserFactory(display_name="Dave")),
        kwargs=lambda ctx: {"pk": ctx.dave.pk},
        data=lambda ctx: {"reason": "repeated no-shows"},
    ),
    Endpoint(
        "POST",
        "user-reinstate",
        expect(401, 403, 403, 403, 200),
        setup=lambda ctx: ctx.objects.update(dave=UserFactory(display_name="Dave", is_active=False)),
        kwargs=lambda ctx: {"pk": ctx.dave.pk},
        data=lambda ctx: {"reason": "cleared up"},
    ),
    Endpoint("GET", "cost-centre-list", expect(401, 403, 403, 200, 200)),
    Endpoint(
        "POST",
        "cost-centre-list",
        expect(401, 403, 403, 403, 201),
        data=lambda ctx: {"code": "KST-2000", "name": "Bauamt"},
    ),
    # Notifications: own only; another user's is 404.
    Endpoint(
        "GET",
        "notification-list",
        expect(401, 200, 200, 200, 200),
        setup=_alice_notification,
        check=_only_own_notifications,
    ),
    Endpoint(
        "POST",
        "notification-read",
        expect(401, 200, 404, 404, 404),
        setup=_alice_notification,
        kwargs=lambda ctx: {"pk": ctx.note.pk},
    ),
    Endpoint("POST", "notification-read-all", expect(401, 200, 200, 200, 200)),
    # The schema is public.
    Endpoint("GET", "schema", expect(200, 200, 200, 200, 200)),
    # So is the API root (links only).
    Endpoint("GET", "api-root", expect(200, 200, 200, 200, 200)),
]

ROWS += [
    Endpoint("GET", "me-data-export", expect(401, 200, 200, 200, 200)),
    # The persona's factory password is the default one.
    Endpoint(
        "POST",
        "me-erasure",
        expect(401, 200, 200, 200, 200),
        data=lambda ctx: {"password": "correct-horse-battery-staple"},
    ),
    Endpoint("POST", "user-erasure", expect(401, 403, 403, 403, 200), kwargs=lambda ctx: {"pk": ctx.bob.pk}),
    Endpoint("GET", "privacy-access-log", expect(401, 403, 403, 403, 200)),
    # Any other URL under /api/v1/: the JSON 404 for everyone.
    Endpoint("GET", "api-not-found", expect(404, 404, 404, 404, 404), kwargs=lambda ctx: {"rest": "no-such-thing/"}),
]
