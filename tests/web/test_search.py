"""Wohin möchten Sie? Places, the one search, the results list and an option's legs."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from rides.models import RideOffer
from tests.web.conftest import demo_browser, page_text


def _weekday_ahead(days: int = 7):
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_start_page_offers_every_kind_of_place(demo):
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    options = re.findall(r'<option value="([^"]+)">[^<]+ – (Haltestelle|Treffpunkt|Carsharing-Station)</option>', html)
    kinds = {kind for _, kind in options}
    assert kinds == {"Haltestelle", "Treffpunkt", "Carsharing-Station"}
    names = [name for name, _ in options]
    assert "Buchwald Feuerwehr" in names and "Tannhausen Mühle" in names
    # A stop served by the bus and the Bürgerbus is suggested once.
    assert names.count("Birkenfeld Dorfplatz") == 1
    # "Jetzt" is the default.
    assert re.search(r'<input type="radio" name="when" value="now"[^>]*checked', html)


def test_suggestions_follow_what_is_typed_ignoring_umlauts(demo):
    response = Client().get("/orte/", {"origin": "muehl"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    lines = [line.strip() for line in response.content.decode().splitlines() if line.strip()]
    assert lines == [
        '<option value="Tannhausen Mühle">Tannhausen Mühle – Haltestelle</option>',
        '<option value="Mühle Tannhausen">Mühle Tannhausen – Carsharing-Station</option>',
    ]
    # Without JavaScript the same endpoint is a small page.
    page = Client().get("/orte/", {"q": "Buchwald"})
    assert "Buchwald Feuerwehr" in page_text(page)
    assert page_text(page).count("Mitfahrbank Buchwald") == 1


def test_an_unclear_place_offers_choices_and_an_unknown_one_says_so(demo):
    response = Client().get("/verbindungen/", {"origin": "Lindenau", "destination": "Atlantis", "when": "now"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="field-error" id="id_origin_error"><p>Mehrere Orte passen.' in html
    assert '<div class="field-error" id="id_destination_error"><p>Diesen Ort kennen wir nicht.' in html
    choices = re.findall(r'<a class="button" href="(/verbindungen/\?[^"]+)">([^<]+)</a>', html)
    labels = [label for _, label in choices]
    assert labels == [
        "Lindenau Rathaus",
        "Lindenau Schulstraße",
        "Mitfahrbank Lindenau (Treffpunkt)",
        "Rathaus Lindenau (Carsharing-Station)",
    ]
    assert "origin=Lindenau+Rathaus" in choices[0][0].replace("&amp;", "&")


def test_a_time_is_needed_for_depart_at_and_arrive_by(demo):
    response = Client().get(
        "/verbindungen/", {"origin": "Lindenau Rathaus", "destination": "Buchwald Feuerwehr", "when": "arrive"}
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "Datum: Bitte wählen Sie ein Datum." in text
    assert "Uhrzeit: Bitte wählen Sie eine Uhrzeit." in text


def test_a_link_with_only_from_and_to_searches_from_now(demo):
    response = Client().get("/verbindungen/", {"origin": "Lindenau Rathaus", "destination": "Buchwald Feuerwehr"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Dieses Feld ist zwingend erforderlich" not in text
    assert "Von Lindenau Rathaus nach Buchwald Feuerwehr" in text
    assert re.search(r'<input type="radio" name="when" value="now"[^>]* checked', response.content.decode())


def test_anonymous_results_list_buses_and_ask_to_sign_in_for_carpools(demo):
    day = _weekday_ahead()
    response = Client().get(
        "/verbindungen/",
        {
            "origin": "Lindenau Rathaus",
            "destination": "Buchwald Feuerwehr",
            "when": "depart",
            "date": day.isoformat(),
            "time": "08:00",
            "seats": "1",
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Von Lindenau Rathaus nach Buchwald Feuerwehr" in text
    assert "Melden Sie sich an, um auch Mitfahrgelegenheiten aus der Nachbarschaft zu sehen." in text
    html = response.content.decode()
    titles = re.findall(r'<h3><a href="/verbindungen/(\d+)/\?([^"]+)">([^<]+)<span', html)
    assert titles, text
    assert {title for _, _, title in titles} <= {"Bus", "Bürgerbus", "Bus und Bürgerbus", "Carsharing"}
    assert "Mitfahrgelegenheit" not in {title for _, _, title in titles}
    first_bus = next(t for t in titles if t[2] in {"Bus", "Bürgerbus"})
    # The detail link pins the moment searched.
    assert f"date={day.isoformat()}" in first_bus[1] and "time=08%3A00" in first_bus[1]
    detail = Client().get(f"/verbindungen/{first_bus[0]}/?{first_bus[1].replace('&amp;', '&')}")
    assert detail.status_code == 200
    detail_text = page_text(detail)
    assert "Ihr Weg" in detail_text
    assert re.search(r"(Bus R|Bürgerbus BB)\d+", detail_text)
    assert "Keine Anmeldung nötig – einfach einsteigen." in detail_text
    geojson = re.search(r'data-journey-geojson="([^"]+)"', detail.content.decode()).group(1)
    data = json.loads(geojson.replace("&quot;", '"'))
    assert data["type"] == "FeatureCollection"
    assert any(f["properties"]["mode"] == "bus" for f in data["features"])
    assert data["features"][-1]["properties"]["to"] == "Buchwald Feuerwehr"


def test_signed_in_results_include_the_neighbours_carpool_without_revealing_the_driver(demo):
    offer = RideOffer.objects.filter(departure__gte=timezone.now()).order_by("departure").first()
    depart = timezone.localtime(offer.departure - timedelta(minutes=10))
    browser = demo_browser("carla@demo.lindenau.example")
    response = browser.get(
        "/verbindungen/",
        {
            "origin": f"{offer.origin_lat},{offer.origin_lon}",
            "destination": "Buchwald Feuerwehr",
            "when": "depart",
            "date": depart.date().isoformat(),
            "time": depart.strftime("%H:%M"),
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Mitfahrgelegenheit" in text
    assert "Mitfahrt anfragen" in text
    assert offer.driver.display_name not in text and offer.driver.email not in text
    assert f"{offer.destination_lat:.5f}" not in response.content.decode()


def test_an_index_beyond_the_results_is_not_found(demo):
    response = Client().get(
        "/verbindungen/99/",
        {"origin": "Lindenau Rathaus", "destination": "Buchwald Feuerwehr", "when": "now"},
    )
    assert response.status_code == 404
    assert "Diese Seite gibt es nicht" in page_text(response)


# Results in place (htmx): the form asks for the results region only and pushes the results' URL;
# without JavaScript the same form loads the full results page.

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ergebnisse", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def _query(day) -> dict:
    return {
        "origin": "Lindenau Rathaus",
        "destination": "Buchwald Feuerwehr",
        "when": "depart",
        "date": day.isoformat(),
        "time": "08:00",
        "seats": "1",
    }


def test_the_search_form_swaps_the_results_region_and_still_works_without_javascript(demo):
    html = Client().get("/").content.decode()
    form = re.search(r"<form class=\"search-form card\"[^>]*>", html).group(0)
    assert 'method="get" action="/verbindungen/"' in form  # the plain form, without JS
    assert 'hx-get="/verbindungen/" hx-target="#ergebnisse" hx-swap="innerHTML" hx-push-url="true"' in form
    assert '<div id="ergebnisse" class="results" data-results></div>' in html  # empty until a search
    # Typing into a place field narrows the suggestions without pushing /orte/ into the history.
    origin = re.search(r'<input type="text" name="origin"[^>]*>', html).group(0)
    assert 'hx-target="#orte"' in origin and 'hx-push-url="false"' in origin


def test_htmx_gets_the_results_region_and_a_browser_the_full_page(demo):
    query = _query(_weekday_ahead())
    full = Client().get("/verbindungen/", query)
    partial = Client().get("/verbindungen/", query, **HX)
    assert full.status_code == partial.status_code == 200
    assert "HX-Request" in full["Vary"] and "HX-Request" in partial["Vary"]
    full_html, part = full.content.decode(), partial.content.decode()
    assert (
        full_html.lstrip().startswith("<!DOCTYPE html>")
        and "<h1>Von Lindenau Rathaus nach Buchwald Feuerwehr</h1>" in full_html
    )
    assert part.startswith("<title>Von Lindenau Rathaus nach Buchwald Feuerwehr · Mobil in Lindenau</title>")
    assert "<html" not in part and "<form" not in part and "<h1" not in part and "<main" not in part
    # The region holds exactly what the full page's region holds: the same options, in the same order.
    region = full_html[full_html.index('<div id="ergebnisse"') : full_html.index("</main>")]
    titles = re.findall(r'<h3><a href="/verbindungen/(\d+)/\?[^"]+">([^<]+)<span', part)
    assert titles and titles == re.findall(r'<h3><a href="/verbindungen/(\d+)/\?[^"]+">([^<]+)<span', region)
    # Focus target and the live region's text: the count and the route.
    count = len(re.findall(r'<li class="option">', part))
    assert count == len(titles)
    word = "Möglichkeit" if count == 1 else "Möglichkeiten"
    heading = re.search(
        r'<h2 id="moeglichkeiten" tabindex="-1" data-results-heading data-announce="([^"]+)">([^<]+)</h2>', part
    )
    assert heading.groups() == (f"{count} {word}: Von Lindenau Rathaus nach Buchwald Feuerwehr", f"{count} {word}")
    assert "Von Lindenau Rathaus nach Buchwald Feuerwehr. Abfahrt ab" in page_text(partial)


def test_an_htmx_history_restore_gets_the_full_page(demo):
    response = Client().get(
        "/verbindungen/", _query(_weekday_ahead()), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith("<!DOCTYPE html>")


def test_htmx_search_with_bad_input_swaps_the_form_with_its_errors_and_keeps_the_url(demo):
    query = {"origin": "Lindenau", "destination": "Atlantis", "when": "now"}
    response = Client().get("/verbindungen/", query, **HX)
    assert response.status_code == 400
    assert (response["HX-Retarget"], response["HX-Reswap"], response["HX-Push-Url"]) == ("#suche", "outerHTML", "false")
    html = response.content.decode()
    assert html.startswith('<div id="suche" class="search-block">') and "<html" not in html
    assert '<div class="error-summary" role="alert" tabindex="-1" data-error-summary>' in html
    assert '<div class="field-error" id="id_destination_error"><p>Diesen Ort kennen wir nicht.' in html
    assert '<div id="ergebnisse" class="results" data-results></div>' in html  # old results are cleared
    assert 'hx-get="/verbindungen/"' in html  # the swapped-in form searches in place again
    # Without htmx the same input gets the full start page with the errors.
    plain = Client().get("/verbindungen/", query)
    assert plain.status_code == 400 and "HX-Retarget" not in plain
    assert plain.content.decode().lstrip().startswith("<!DOCTYPE html>")


def test_the_results_page_offers_the_search_form_to_change_the_search_in_place(demo):
    html = Client().get("/verbindungen/", _query(_weekday_ahead())).content.decode()
    assert '<details class="search-again card"><summary>Suche ändern</summary>' in html
    form = re.search(r"<form class=\"search-form card\"[^>]*>", html).group(0)
    assert 'hx-target="#ergebnisse"' in form
    assert 'value="Lindenau Rathaus"' in html and 'value="Buchwald Feuerwehr"' in html


def test_every_search_page_logs_its_search_once_after_the_page(demo):
    from stats.models import SearchLog

    day = _weekday_ahead()
    before = max(SearchLog.objects.values_list("pk", flat=True), default=0)  # the demo's history
    assert Client().get("/verbindungen/", _query(day)).status_code == 200
    assert Client().get("/verbindungen/1/", _query(day)).status_code == 200
    missing = Client().get("/verbindungen/99/", _query(day))
    assert missing.status_code == 404  # the search ran all the same
    logged = list(SearchLog.objects.filter(pk__gt=before).values_list("modes", "results"))
    assert len(logged) == 3 and len({modes for modes, _ in logged}) == 1 and "transit" in logged[0][0]
    assert all(results >= 1 for _, results in logged)
