"""Issue 10: client identity for throttling, Content-Security-Policy on HTML pages,
``Cache-Control: no-store`` on personal responses, the audited user list."""

import pytest
from django.core.cache import cache

from mobility.middleware import content_security_policy, csp_directives
from mobility.privacy.models import PersonalDataAccess

pytestmark = pytest.mark.django_db


def _login(client, n: int, **headers):
    return client.post(
        "/api/v1/auth/login/", {"email": f"nobody{n}@example.org", "password": "wrong-password"}, **headers
    )


def test_a_new_x_forwarded_for_on_every_request_does_not_bypass_the_login_throttle(api_client, settings):
    settings.AUTH_THROTTLE_RATE = "3/min"  # default settings: no trusted proxy
    statuses = [
        _login(api_client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}", REMOTE_ADDR="198.51.100.7").status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 429, 429]


def test_behind_one_trusted_proxy_the_rightmost_address_is_the_client(api_client, settings):
    settings.AUTH_THROTTLE_RATE = "2/min"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    try:
        # The client forges the left part; the proxy appends the real address on the right.
        first = [
            _login(api_client, n, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 192.0.2.1", REMOTE_ADDR="127.0.0.1").status_code
            for n in range(3)
        ]
        other_client = _login(api_client, 9, HTTP_X_FORWARDED_FOR="192.0.2.2", REMOTE_ADDR="127.0.0.1")
    finally:
        cache.clear()
    assert first == [400, 400, 429]
    assert other_client.status_code == 400


HTML_PAGES = ["/api/docs/", "/api/redoc/", "/api-auth/login/", "/admin/login/"]


@pytest.mark.parametrize("url", HTML_PAGES)
def test_every_html_page_has_a_content_security_policy(api_client, url):
    response = api_client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]


def test_swagger_page_uses_no_inline_script(api_client):
    import re

    html = api_client.get("/api/docs/").content.decode()
    inline = [
        m for m in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S) if "src=" not in m[0] and m[1].strip()
    ]
    assert inline == []


def test_policy_allows_the_tile_server_and_stripe_only_when_configured():
    plain = csp_directives(map_tile_url="", stripe_enabled=False)
    assert plain["img-src"] == ["'self'", "data:"]
    assert plain["script-src"] == ["'self'"]
    configured = csp_directives(map_tile_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png", stripe_enabled=True)
    assert configured["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]
    assert configured["script-src"] == ["'self'", "https://js.stripe.com"]
    assert "https://js.stripe.com" in configured["frame-src"]


def test_path_extras_apply_only_to_their_prefix(settings):
    settings.CSP_DIRECTIVES = {"style-src": ["'self'"]}
    settings.CSP_PATH_EXTRA = {"/api/redoc/": {"style-src": ["'unsafe-inline'"]}}
    assert content_security_policy("/api/redoc/") == "style-src 'self' 'unsafe-inline'"
    assert content_security_policy("/web/") == "style-src 'self'"


def test_personal_responses_are_not_stored_by_caches(client_for, alice, api_client):
    mine = client_for(alice).get("/api/v1/me/")
    assert mine.status_code == 200
    assert mine["Cache-Control"] == "private, no-store"
    public = api_client.get("/api/v1/gbfs/gbfs.json")
    assert "no-store" not in public.get("Cache-Control", "")


def test_operator_user_list_writes_the_access_log(client_for, otto, alice, bob):
    response = client_for(otto).get("/api/v1/users/?reason=annual account review")
    assert response.status_code == 200
    entries = PersonalDataAccess.objects.order_by("subject_ref")
    assert [(e.actor, e.actor_role, e.subject_ref, e.what, e.reason) for e in entries] == [
        (otto, "operator", alice.pk, "profile list", "annual account review"),
        (otto, "operator", bob.pk, "profile list", "annual account review"),
    ]
