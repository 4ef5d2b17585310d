"""Bürgerbus editor: stops (placed on the map) and the position hint."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gtfs import selectors, selectors_editor, services
from mobility.errors import DomainError
from mobility.l10n import format_number
from rides import selectors as rides_selectors

from ..operator_base import operator_page
from .common import _add_error, _editor_object, _form_page, back_to_overview


class StopForm(forms.Form):
    name = forms.CharField(label=_("Name der Haltestelle"), max_length=255)
    lat = forms.FloatField(label=_("Breite (Grad, WGS84)"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Länge (Grad, WGS84)"), min_value=-180, max_value=180)
    code = forms.CharField(label=_("Kurzzeichen"), max_length=64, required=False)
    prefix = "haltestelle"


NEAREST_STOP_RADIUS_M = 2000.0


ROAD_FAR_M = 150.0


def position_hint(lat: float, lon: float, *, exclude_stop_id: int | None = None) -> str:
    """One German sentence on where ``(lat, lon)`` lies: the nearest road and the nearest
    stop of any active timetable (within 2 km), so a stop is not placed in a field or twice."""
    parts = []
    road = rides_selectors.road_distance_m(lat=lat, lon=lon)
    if road is None:
        parts.append(gettext("Kein Straßennetz importiert."))
    elif road > ROAD_FAR_M:
        parts.append(gettext("Achtung: die nächste Straße ist %(m)s m entfernt.") % {"m": format_number(road)})
    else:
        parts.append(gettext("Nächste Straße: %(m)s m entfernt.") % {"m": format_number(road)})
    near = [
        (stop, distance)
        for stop, distance in selectors.stops_near(lat=lat, lon=lon, radius_m=NEAREST_STOP_RADIUS_M, limit=2)
        if stop.pk != exclude_stop_id
    ]
    if near:
        stop, distance = near[0]
        parts.append(
            gettext("Nächste Haltestelle: „%(name)s“, %(m)s m entfernt.")
            % {"name": stop.name, "m": format_number(distance)}
        )
    else:
        parts.append(gettext("Keine Haltestelle im Umkreis von 2 km."))
    return " ".join(parts)


@operator_page
def stop_hint(request: HttpRequest) -> HttpResponse:
    """``?lat=&lon=`` (degrees, WGS84): the position hint as JSON ``{"hint": "…"}`` for the
    map on the stop form; a bad position is a 400 ``invalid_position``."""
    try:
        lat, lon = float(request.GET.get("lat", "")), float(request.GET.get("lon", ""))
        valid = -90 <= lat <= 90 and -180 <= lon <= 180
    except ValueError:
        valid = False
    if not valid:
        message = gettext("Breite und Länge in Grad (WGS84) angeben.")
        return JsonResponse(
            {"error": {"code": "invalid_position", "message": message, "fields": {"lat": [message]}}}, status=400
        )
    raw_stop = request.GET.get("haltestelle", "")
    exclude = int(raw_stop) if raw_stop.isdigit() and len(raw_stop) < 19 else None
    return JsonResponse({"hint": position_hint(lat, lon, exclude_stop_id=exclude)})


def _posted_hint(form: forms.Form, exclude_stop_id: int | None = None) -> str:
    """The position hint for the coordinates of a form sent back with errors (if they are valid)."""
    data = form.cleaned_data if form.is_bound else {}
    if "lat" in data and "lon" in data:
        return position_hint(data["lat"], data["lon"], exclude_stop_id=exclude_stop_id)
    return ""


@operator_page
def stop_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, "stop", StopForm())
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            stop = services.bb_stop_create(**form.cleaned_data, user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Haltestelle „%(name)s“ angelegt.") % {"name": stop.name})
            return back_to_overview(request)
    return _form_page(request, "stop", form, status=400, hint=_posted_hint(form))


@operator_page
def stop_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename or move a stop (click or drag on the map, or the coordinate fields)."""
    stop = _editor_object(selectors_editor.editor_stop, stop_id=pk)
    if request.method != "POST":
        form = StopForm(initial={"name": stop.name, "lat": stop.lat, "lon": stop.lon, "code": stop.code})
        hint = position_hint(stop.lat, stop.lon, exclude_stop_id=stop.pk) if stop.lat is not None else ""
        return _form_page(request, "stop", form, obj=stop, name=stop.name, hint=hint)
    form = StopForm(request.POST)
    if form.is_valid():
        try:
            stop = services.bb_stop_update(stop_id=stop.pk, **form.cleaned_data, user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Haltestelle „%(name)s“ gespeichert.") % {"name": stop.name})
            return back_to_overview(request)
    return _form_page(request, "stop", form, status=400, obj=stop, name=stop.name, hint=_posted_hint(form, stop.pk))
