"""Security headers for the web app's pages.

The pages load nothing but their own static files: no inline script or style, so the
Content-Security-Policy can leave out ``'unsafe-inline'``. The policy itself comes from
``mobility.middleware.SecurityHeadersMiddleware`` (one policy for every HTML page, driven by
settings: the tile server of ``MAP_TILE_URL``, Stripe.js when payments are on). This
middleware adds the web namespace's other headers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class WebSecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and "web" in match.namespaces:
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response
