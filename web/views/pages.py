"""Start page, notifications, and the pieces that make the app installable and readable offline."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from mobility.notifications.selectors import notifications_for
from mobility.notifications.services import notifications_mark_all_read

from ..notifications import notification_link, notification_text
from .base import personal


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html")


@personal
def notifications(request: HttpRequest) -> HttpResponse:
    items = [
        {"notification": n, "text": notification_text(n.kind), "link": notification_link(n.kind, n.payload or {})}
        for n in notifications_for(user=request.user, limit=100)
    ]
    return render(request, "web/notifications.html", {"items": items, "nav": "notifications"})


@personal
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    messages.success(request, _("Alle Nachrichten sind als gelesen markiert."))
    return redirect("web:notifications")


@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("Mobil in Lindenau"),
        "short_name": _("Lindenau mobil"),
        "lang": "de",
        "start_url": reverse("web:start"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f6c",
        "icons": [
            {"src": static("web/img/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": static("web/img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("web/img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from the root so that its scope covers every page."""
    response = render(
        request,
        "web/sw.js",
        {
            "offline_pages": json.dumps([reverse("web:my_trips")]),
            "assets": json.dumps(
                [static("web/css/site.css"), static("web/js/app.js"), static("web/vendor/htmx/htmx.min.js")]
            ),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response
