"""The server's public base URL for links that leave the request (e-mails, open-data feeds).

``FRONTEND_URL`` when configured (production behind a proxy names its public origin);
otherwise the scheme, host and port the client used, so links point at the running server.
"""

from __future__ import annotations

from django.conf import settings

FALLBACK = "http://127.0.0.1:8000"


def public_url(request=None) -> str:
    """Base URL without a trailing slash, e.g. ``https://mobil.lindenau.de``."""
    configured = (settings.FRONTEND_URL or "").rstrip("/")
    if configured:
        return configured
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK
