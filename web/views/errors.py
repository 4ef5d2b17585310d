"""Error pages for people: German HTML for everything outside the JSON API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

API_PREFIXES = ("/api/", "/api-auth/", "/healthz", "/readyz", "/ws/")


def wants_html(request: HttpRequest) -> bool:
    """Web pages get HTML errors; the API and machine endpoints keep their JSON body, and so does
    a client outside the API that asks for JSON rather than HTML."""
    if request.path.startswith(API_PREFIXES):
        return False
    accept = request.headers.get("Accept", "")
    return not ("application/json" in accept and "text/html" not in accept)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "web/errors/404.html", status=404)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "web/errors/403.html", status=403)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "web/errors/400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database reads: the error may come from there.
    from django.template import loader

    return HttpResponse(loader.get_template("web/errors/500.html").render({}), status=500)
