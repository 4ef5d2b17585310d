"""Project-wide HTTP middleware: refuse hostile requests early, and the security headers
every response gets (Content-Security-Policy on HTML, ``Cache-Control: no-store`` on
personal responses).

Driven by settings so that every app's pages (the API's docs, the admin, the ``web/``
app) get the same policy without doing anything themselves.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_to_bytes, urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation

logger = logging.getLogger(__name__)

# PostgreSQL's bigint and SQLite's INTEGER are signed 64-bit: a larger id cannot exist.
DB_INT_MIN = -(2**63)
DB_INT_MAX = 2**63 - 1


def _error(status: int, code: str, message: str, request=None, **params) -> JsonResponse:
    """The API's error body. This runs before ``LocaleMiddleware``, so the language is read
    from the request here (``message`` is an English msgid, see ``makemessages``)."""
    language = translation.get_language_from_request(request) if request is not None else translation.get_language()
    with translation.override(language):
        text = translation.gettext(message)
    if params:
        text = text % params
    return JsonResponse({"error": {"code": code, "message": text, "fields": {}}}, status=status)


class RequestLimitsMiddleware:
    """Refuses, before any view runs, what no view could handle:

    - a NUL byte in the path or the query string (400 ``malformed_request``): no text field of
      this service may contain one, and PostgreSQL refuses them in strings;
    - a body larger than ``API_MAX_BODY_BYTES`` (413 ``request_too_large``), except multipart
      uploads, which are streamed to disk and checked against their own limit by their view;
    - an integer path id outside the signed 64-bit range of the database (404 ``not_found``:
      no such object can exist).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(raw_query):
            return _error(400, "malformed_request", "The request contains a NUL character.", request)
        limit = settings.API_MAX_BODY_BYTES
        content_type = request.META.get("CONTENT_TYPE", "")
        if not content_type.startswith("multipart/form-data"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return _error(400, "malformed_request", "The Content-Length header is not a number.", request)
            if length > limit:
                return _error(
                    413, "request_too_large", "The request body is larger than %(limit)s bytes.", request, limit=limit
                )
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not DB_INT_MIN <= value <= DB_INT_MAX:
                return _error(404, "not_found", "No such resource.")  # after LocaleMiddleware: language active
        return None


def content_security_policy(path: str) -> str:
    """The policy for one page: ``CSP_DIRECTIVES`` plus the sources ``CSP_PATH_EXTRA`` adds
    for a path prefix (e.g. ReDoc's generated styles)."""
    directives = {name: list(sources) for name, sources in settings.CSP_DIRECTIVES.items()}
    for prefix, extra in settings.CSP_PATH_EXTRA.items():
        if path.startswith(prefix):
            for name, sources in extra.items():
                directives.setdefault(name, [])
                directives[name] += [source for source in sources if source not in directives[name]]
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in directives.items())


class SecurityHeadersMiddleware:
    """Adds ``Content-Security-Policy`` to every HTML response and ``Cache-Control:
    private, no-store`` to every response given to a signed-in user or a request that
    carries credentials, unless the view chose its own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(request.path)
        user = getattr(request, "user", None)
        personal = (
            "HTTP_AUTHORIZATION" in request.META
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or (user is not None and user.is_authenticated)
        )
        if personal and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


def csp_directives(*, map_tile_url: str, stripe_enabled: bool) -> dict[str, list[str]]:
    """The default policy: only this server's own scripts and styles (no 'unsafe-inline'),
    map tiles from ``MAP_TILE_URL``'s origin, Stripe.js when card payments are on."""
    img = ["'self'", "data:"]
    if map_tile_url:
        parts = urlsplit(map_tile_url)
        # "{s}.tile.example.org" is a set of sub-domains: allow them all.
        host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
        if parts.scheme in {"http", "https"} and host:
            img.append(f"{parts.scheme}://{host}")
    script = ["'self'"]
    frame = ["'none'"]
    connect = ["'self'"]
    if stripe_enabled:
        script.append("https://js.stripe.com")
        frame = ["https://js.stripe.com", "https://hooks.stripe.com"]
        connect.append("https://api.stripe.com")
    return {
        "default-src": ["'self'"],
        "script-src": script,
        "style-src": ["'self'"],
        "img-src": img,
        "font-src": ["'self'"],
        # 'self' covers the same-origin WebSocket (ws:/wss:) in CSP Level 3 browsers.
        "connect-src": connect,
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "frame-src": frame,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
