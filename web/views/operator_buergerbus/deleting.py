"""Bürgerbus editor: the confirmation pages and deletes of stops, rules, lines and trips."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gtfs import selectors_editor, services
from mobility.errors import DomainError

from ..operator_base import operator_page
from .common import (
    MESSAGES,
    _editor_object,
    _german,
    _trip_label,
    back_to_overview,
    overview_url,
    page_query,
    rule_text,
)


def _delete_refusal(kind: str, usage: dict[str, int]) -> str:
    """The German reason a delete will be refused (the services decide; this says it first)."""
    if kind == "stop" and (usage["trips"] or usage["bookings"]):
        return str(MESSAGES["gtfs_stop_in_use"])
    if kind == "rule" and (usage["lines"] or usage["trips"]):
        return str(MESSAGES["gtfs_booking_rule_in_use"])
    if kind == "line" and usage["trips"]:
        return str(MESSAGES["gtfs_line_has_trips"])
    if kind == "trip" and usage["bookings"]:
        return gettext("Für diese Fahrt gibt es Buchungen (%(n)s); sie bleibt bestehen.") % {"n": usage["bookings"]}
    return ""


DELETE_KINDS = {
    # kind: (selector, its id keyword (the service takes the same), usage selector, service, title, done)
    "stop": (
        selectors_editor.editor_stop,
        "stop_id",
        lambda obj: selectors_editor.stop_usage(stop=obj),
        services.bb_stop_delete,
        _("Haltestelle „%(name)s“ löschen?"),
        _("Haltestelle „%(name)s“ gelöscht."),
    ),
    "rule": (
        selectors_editor.editor_rule,
        "rule_id",
        lambda obj: selectors_editor.rule_usage(rule=obj),
        services.bb_booking_rule_delete,
        _("Anmelderegel „%(name)s“ löschen?"),
        _("Anmelderegel „%(name)s“ gelöscht."),
    ),
    "line": (
        selectors_editor.editor_line,
        "line_id",
        lambda obj: selectors_editor.line_usage(line=obj),
        services.bb_line_delete,
        _("Linie %(name)s löschen?"),
        _("Linie %(name)s gelöscht."),
    ),
    "trip": (
        selectors_editor.editor_trip,
        "trip_id",
        lambda obj: selectors_editor.trip_usage(trip=obj),
        services.bb_trip_delete,
        _("Fahrt %(name)s löschen?"),
        _("Fahrt %(name)s gelöscht."),
    ),
}


def _object_name(kind: str, obj) -> str:
    if kind == "stop":
        return obj.name
    if kind == "rule":
        return rule_text(obj)
    if kind == "line":
        return obj.short_name
    return _trip_label(obj)


def _delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The confirmation page (GET) and the delete itself (POST). What is still in use is
    refused by the service; the page says so before (no button) and after (409)."""
    getter, id_name, usage_of, delete, title, done = DELETE_KINDS[kind]
    obj = _editor_object(getter, **{id_name: pk})
    name = _object_name(kind, obj)
    refusal = _delete_refusal(kind, usage_of(obj))
    status = 200
    if request.method == "POST":
        try:
            delete(**{id_name: obj.pk}, user=request.user)
        except DomainError as exc:
            refusal, status = _german(exc), exc.status_code
        else:
            messages.success(request, str(done) % {"name": name})
            return back_to_overview(request)
    return render(
        request,
        "web/operator/buergerbus_delete.html",
        {
            "title": str(title) % {"name": name},
            "refusal": refusal,
            "action": reverse(f"web:operator_buergerbus_{kind}_delete", args=[obj.pk]) + page_query(request),
            "overview_url": overview_url(request),
        },
        status=status,
    )


@operator_page
def stop_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "stop", pk)


@operator_page
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "rule", pk)


@operator_page
def line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "line", pk)


@operator_page
def trip_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, "trip", pk)
