"""The Mitfahrbank: the page behind a bench's QR code (no account needed), the live status of
a request, and the printable sign with the QR code (generated here with segno, no service)."""

from __future__ import annotations

import contextlib

import segno
from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from mobility.errors import DomainError, NotFound
from mobility.public_url import public_url
from rides import conf as ride_conf
from rides import services as ride_services
from rides.models import BenchRequest

from ..errors import add_domain_error
from .base import personal


class BenchRequestForm(django_forms.Form):
    destination = django_forms.ModelChoiceField(
        queryset=None,
        label=_("Wohin möchten Sie?"),
        widget=django_forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Bitte wählen Sie ein Ziel."), "invalid_choice": _("Bitte wählen Sie ein Ziel.")},
    )

    women_drivers_only = django_forms.BooleanField(
        label=_("Nur Fahrerinnen"),
        required=False,
        help_text=_("Nur Fahrerinnen, die das in ihrem Konto angegeben haben, bekommen Bescheid."),
    )

    def __init__(self, *args, bench, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destination"].queryset = ride_services.bench_destinations(bench)
        # Only for someone signed in who declared herself a woman (account page), as in the search.
        if not (user is not None and user.is_authenticated and user.declares_woman):
            del self.fields["women_drivers_only"]


def _bench(code: str):
    try:
        return ride_services.bench_for_code(code)
    except NotFound as exc:
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
def bench_page(request: HttpRequest, code: str) -> HttpResponse:
    bench = _bench(code)
    form = BenchRequestForm(request.POST or None, bench=bench, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            bench_request = ride_services.bench_request_create(
                code=bench.code,
                destination_id=form.cleaned_data["destination"].pk,
                requester=request.user,
                women_drivers_only=bool(form.cleaned_data.get("women_drivers_only")),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("web:bench_request", code=bench.code, token=bench_request.token)
    context = {"bench": bench, "form": form, "window": ride_conf.bench_window_minutes()}
    return render(request, "web/bench/bench.html", context, status=400 if form.errors else 200)


def _bench_request(code: str, token: str) -> BenchRequest:
    found = BenchRequest.objects.select_related("bench", "destination", "accepted_by").filter(
        token=token, bench__code=code
    )
    bench_request = found.first()
    if bench_request is None:
        raise Http404
    return bench_request


def _status_context(bench_request: BenchRequest) -> dict:
    status = ride_services.bench_request_status(bench_request)
    return {"bench": bench_request.bench, "item": bench_request, "status": status, "live": status == "waiting"}


def bench_request_page(request: HttpRequest, code: str, token: str) -> HttpResponse:
    response = render(request, "web/bench/request.html", _status_context(_bench_request(code, token)))
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def bench_request_status(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The status region alone, polled by htmx every few seconds while nobody has accepted."""
    response = render(request, "web/bench/status.html", _status_context(_bench_request(code, token)))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def bench_request_cancel(request: HttpRequest, code: str, token: str) -> HttpResponse:
    bench_request = _bench_request(code, token)
    with contextlib.suppress(DomainError):  # already closed: the page says so
        ride_services.bench_request_cancel(token=bench_request.token)
    return redirect("web:bench_request", code=code, token=token)


def bench_url(request: HttpRequest, bench) -> str:
    return public_url(request) + reverse("web:bench", kwargs={"code": bench.code})


def bench_sign(request: HttpRequest, code: str) -> HttpResponse:
    """The printable sign: the bench's name, how it works, the QR code and the short URL."""
    bench = _bench(code)
    url = bench_url(request, bench)
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=10, border=2, dark="#000", light="#fff", omitsize=True)
    context = {"bench": bench, "url": url, "qr_svg": mark_safe(svg), "window": ride_conf.bench_window_minutes()}  # noqa: S308 (segno's own SVG)
    return render(request, "web/bench/sign.html", context)


class BenchAcceptForm(django_forms.Form):
    eta_minutes = django_forms.TypedChoiceField(
        label=_("In wie vielen Minuten sind Sie dort?"),
        choices=[(m, m) for m in (2, 5, 10, 15, 20, 30)],
        coerce=int,
        initial=10,
    )


@personal
@require_http_methods(["GET", "POST"])
def bench_request_for_driver(request: HttpRequest, pk: int) -> HttpResponse:
    """A driver who was told about someone waiting at a bench takes them (the first one wins)."""
    item = BenchRequest.objects.select_related("bench", "destination").filter(pk=pk).first()
    if item is None or request.user.pk not in item.notified_drivers:
        raise Http404
    form = BenchAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ride_services.bench_request_accept(
                driver=request.user, request_id=item.pk, eta_minutes=form.cleaned_data["eta_minutes"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Danke! Die Person an der Bank sieht jetzt, dass Sie kommen."))
            return redirect("web:bench_request_for_driver", pk=item.pk)
        item.refresh_from_db()
    status = ride_services.bench_request_status(item)
    context = {"item": item, "status": status, "form": form, "mine": item.accepted_by_id == request.user.pk}
    return render(request, "web/bench/driver.html", context, status=400 if form.errors else 200)
