"""Wohin möchten Sie? The start page, place suggestions and the one search over every mode."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from journeys.one_search import Point, SearchQuery, SearchResult, journeys_search
from journeys.selectors import PlaceChoice, place_resolve, place_search, places_all
from mobility.errors import DomainError

from .. import forms
from ..errors import add_domain_error
from ..journeys import option_view
from .base import is_htmx

SEARCH_RANGE = timedelta(days=366)
WINDOW_MIN = 120  # minutes of departures listed for "jetzt" and "Abfahrt um"


def _start_form(request: HttpRequest) -> forms.SearchForm:
    return forms.SearchForm(initial={"when": "now", "seats": 1}, user=request.user)


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "web/start.html", {"form": _start_form(request), "nav": "search", "places": places_all()})


@require_GET
def place_suggestions(request: HttpRequest) -> HttpResponse:
    """``<option>``s for the search form's ``<datalist>`` (htmx), or a small list page without JS."""
    query = request.GET.get("q") or request.GET.get("origin") or request.GET.get("destination") or ""
    places = place_search(query=query[:100], limit=12)
    template = "web/includes/place_options.html" if request.headers.get("HX-Request") else "web/places.html"
    return render(request, template, {"places": places, "q": query, "nav": "search"})


def _coordinates(text: str) -> Point | None:
    """``lat,lon`` typed or picked on the map."""
    lat_text, sep, lon_text = text.partition(",")
    if not sep:
        return None
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Point(lat, lon, _("Gewählter Punkt"))


def _resolve(form: forms.SearchForm, name: str) -> tuple[Point | None, list[PlaceChoice]]:
    text = form.cleaned_data.get(name, "").strip()
    point = _coordinates(text)
    if point is not None:
        return point, []
    place, candidates = place_resolve(text=text)
    if place is not None:
        return Point(place.lat, place.lon, place.name), []
    if candidates:
        form.add_error(name, _("Mehrere Orte passen. Bitte wählen Sie einen aus der Liste darunter."))
    else:
        form.add_error(name, _("Diesen Ort kennen wir nicht. Bitte wählen Sie einen Ort aus der Vorschlagsliste."))
    return None, candidates


def _with(request: HttpRequest, name: str, value: str) -> str:
    """The results URL with one place replaced: a "Meinten Sie …?" link."""
    params = request.GET.copy()
    params[name] = value
    return f"{request.path}?{params.urlencode()}"


def _search(request: HttpRequest) -> tuple[forms.SearchForm, SearchResult | None, dict]:
    """Run the search the query string describes; ``(form, result or None, context)``."""
    params = request.GET
    if not params.get("when"):
        # A shared or typed link with only "von" and "nach" means "now", as the form's default.
        params = params.copy()
        params["when"] = "now"
    form = forms.SearchForm(params, user=request.user)
    context: dict = {"candidates": [], "choices": {}, "after_answer": []}
    if not form.is_valid():
        return form, None, context
    origin, origin_candidates = _resolve(form, "origin")
    destination, destination_candidates = _resolve(form, "destination")
    context["candidates"] = origin_candidates + destination_candidates
    context["choices"] = {
        name: [(place, _with(request, name, place.name)) for place in found]
        for name, found in (("origin", origin_candidates), ("destination", destination_candidates))
        if found
    }
    if origin is None or destination is None:
        return form, None, context
    data = form.cleaned_data
    now = timezone.now()
    depart_at = arrive_by = None
    if data["when"] == "now":
        depart_at = now.replace(second=0, microsecond=0)
    else:
        moment = timezone.make_aware(datetime.combine(data["date"], data["time"]))
        if abs(moment - now) > SEARCH_RANGE:
            form.add_error("date", _("Bitte wählen Sie ein Datum innerhalb eines Jahres."))
            return form, None, context
        if data["when"] == "depart":
            depart_at = moment
        else:
            arrive_by = moment
    # Leaving at a time lists every good bus in the next two hours, not just the first one:
    # the Bürgerbus that needs booking is often the second choice, and people like to pick.
    query = SearchQuery(
        origin=origin,
        destination=destination,
        depart_at=depart_at,
        arrive_by=arrive_by,
        seats=data["seats"],
        window_min=WINDOW_MIN if depart_at is not None else 0,
        women_drivers_only=bool(data.get("women_drivers_only")),
    )
    try:
        result = journeys_search(query=query, user=request.user, after_answer=context["after_answer"].append)
    except DomainError as exc:
        add_domain_error(form, exc)
        return form, None, context
    context.update(origin=origin, destination=destination, query=query)
    return form, result, context


def _views(request: HttpRequest, result: SearchResult, context: dict, seats: int) -> list:
    return [
        option_view(
            index,
            option,
            user=request.user,
            seats=seats,
            origin_name=context["origin"].name,
            destination_name=context["destination"].name,
        )
        for index, option in enumerate(result.options, start=1)
    ]


def _pinned_query(request: HttpRequest, query: SearchQuery) -> str:
    """The query string with "jetzt" replaced by the moment searched, so that a chosen
    option's detail page shows the same option a minute later."""
    params = request.GET.copy()
    moment = timezone.localtime(query.moment)
    params["when"] = "depart" if query.depart_at is not None else "arrive"
    params["date"] = moment.date().isoformat()
    params["time"] = moment.strftime("%H:%M")
    return params.urlencode()


def _results_partial(request: HttpRequest) -> bool:
    """The search form asked (htmx) for the results region only; a history restore wants the page."""
    return (
        is_htmx(request)
        and request.headers.get("HX-Target") == "ergebnisse"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """The results page, or with htmx just the results region that replaces the previous one in place.

    Bad input answers 400 either way: the full start page with the errors, or (htmx) the search
    block (form with errors, empty results) to swap for the old one, without changing the URL.
    """
    partial = _results_partial(request)
    form, result, context = _search(request)
    if result is None:
        error_context = {
            "form": form,
            "nav": "search",
            "places": context["candidates"] or places_all(),
            "choices": context["choices"],
        }
        if partial:
            response = render(request, "web/includes/search_block.html", error_context, status=400)
            response["HX-Retarget"] = "#suche"
            response["HX-Reswap"] = "outerHTML"
            response["HX-Push-Url"] = "false"
        else:
            response = render(request, "web/start.html", error_context, status=400)
        patch_vary_headers(response, ["HX-Request", "HX-Target"])
        return response
    seats = form.cleaned_data["seats"]
    options = _views(request, result, context, seats)
    pinned = _pinned_query(request, context["query"])
    suggestions = [s.kind for s in result.suggestions]
    later = next((s for s in result.suggestions if s.kind in {"later_transit", "earlier_transit"}), None)
    response = render(
        request,
        "web/includes/results_region.html" if partial else "web/results.html",
        {
            "htmx_partial": partial,
            "results_shown": True,
            "form": form,
            "places": places_all(),
            "options": options,
            "query_string": pinned,
            "origin": context["origin"],
            "destination": context["destination"],
            "query": context["query"],
            "suggest_sign_in": "sign_in" in suggestions,
            "suggest_request": "post_ride_request" in suggestions,
            "later": option_view(
                0,
                later.option,
                user=request.user,
                seats=seats,
                origin_name=context["origin"].name,
                destination_name=context["destination"].name,
            )
            if later is not None and later.option is not None
            else None,
            "nav": "search",
            "login_next": f"{request.path}?{request.GET.urlencode()}",
        },
    )
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    _after_answer(response, context)
    return response


def _after_answer(response: HttpResponse, context: dict) -> HttpResponse:
    """The search's own after-work (its log entry) once the page is sent (Django runs a
    response's closers after the body, under ASGI and WSGI alike)."""
    response._resource_closers.extend(context.get("after_answer", []))
    return response


@require_GET
def option_detail(request: HttpRequest, index: int) -> HttpResponse:
    form, result, context = _search(request)
    if result is None or not 1 <= index <= len(result.options):
        for work in context.get("after_answer", []):
            work()  # the search ran: its log entry is written even though the page is a 404
        raise Http404
    seats = form.cleaned_data["seats"]
    option = option_view(
        index,
        result.options[index - 1],
        user=request.user,
        seats=seats,
        origin_name=context["origin"].name,
        destination_name=context["destination"].name,
    )
    back = f"/verbindungen/?{request.GET.urlencode()}"
    response = render(
        request,
        "web/option_detail.html",
        {
            "option": option,
            "origin": context["origin"],
            "destination": context["destination"],
            "back": back,
            "here": f"{request.path}?{urlencode(request.GET, doseq=True)}",
            "nav": "search",
        },
    )
    return _after_answer(response, context)
