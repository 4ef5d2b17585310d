"""Bad input on web pages is a clear 4xx page, never a server error, and books nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from gtfs.models import BuergerbusBooking
from rides.models import RideBooking
from tests.web.conftest import post_form, signed_in


def _bookings():
    """Bürgerbus bookings made here (the demo's history holds a year of past ones)."""
    return BuergerbusBooking.objects.exclude(passenger__email__endswith="@historie.lindenau.example")

BAD_GETS = [
    ("/verbindungen/", {"origin": "Lindenau Rathaus", "destination": "Buchwald Feuerwehr", "when": "spaeter"}),
    ("/verbindungen/", {"origin": "Lindenau Rathaus", "destination": "Buchwald Feuerwehr", "seats": "viele"}),
    (
        "/verbindungen/",
        {"origin": "Lindenau Rathaus", "destination": "Buchwald Feuerwehr", "seats": "99", "when": "now"},
    ),
    (
        "/verbindungen/",
        {
            "origin": "Lindenau Rathaus",
            "destination": "Buchwald Feuerwehr",
            "when": "depart",
            "date": "31.02.2027",
            "time": "25:99",
        },
    ),
    (
        "/verbindungen/",
        {
            "origin": "Lindenau Rathaus",
            "destination": "Buchwald Feuerwehr",
            "when": "depart",
            "date": "0001-01-01",
            "time": "08:00",
        },
    ),
    ("/verbindungen/", {"origin": "91,200", "destination": "Buchwald Feuerwehr", "when": "now"}),
    ("/verbindungen/", {"origin": "x" * 500, "destination": "", "when": "now"}),
    ("/verbindungen/", {}),
    ("/verbindungen/0/", {"origin": "Lindenau Rathaus", "destination": "Buchwald Feuerwehr", "when": "now"}),
    ("/verbindungen/3/", {}),
]


@pytest.mark.parametrize(("path", "params"), BAD_GETS)
def test_bad_searches_are_answered_with_a_page_not_an_error(demo, path, params):
    response = Client().get(path, params, HTTP_ACCEPT="text/html")
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/html")


def test_search_far_in_the_future_is_a_field_error(demo):
    response = Client().get(
        "/verbindungen/",
        {
            "origin": "Lindenau Rathaus",
            "destination": "Buchwald Feuerwehr",
            "when": "depart",
            "date": "2099-01-01",
            "time": "08:00",
        },
    )
    assert response.status_code == 400
    assert '<div class="field-error" id="id_date_error"><p>Bitte wählen Sie ein Datum innerhalb eines Jahres.' in (
        response.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/buchung/auto/1/",
        "/buchung/buergerbus/999999/",
        "/meine-angebote/999999/",
        "/meine-fahrten/buergerbus/9/stornieren/",
    ],
)
def test_unknown_or_foreign_objects_are_not_found(alice, path):
    assert signed_in(alice).get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/buchen/buergerbus/", "/buchen/mitfahrt/"])
def test_booking_posts_without_or_with_garbage_offers_book_nothing(alice, path):
    browser = signed_in(alice)
    for data in ({}, {"offer": "kaputt"}, {"offer": "x" * 5000}, {"offer": "e30:1abc:def"}):
        response = post_form(browser, path, data, form_page="/konto/")
        assert response.status_code == 400, data
    assert browser.get(path).status_code == 405
    assert _bookings().count() == 0
    assert RideBooking.objects.count() == 0
