"""Staff console: the driver's manifest (page, print stylesheet, PDF) with only what the
driver needs, and membership decisions (licence data, expiry, duplicate licence, approve or
refuse with a reason), each view of personal data in the access log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from carsharing.models import Membership
from gtfs.selectors_console import buergerbus_lines, driver_manifest, line_stops, phone_desk_trips
from gtfs.services import bb_booking_create
from mobility.accounts.models import User
from mobility.privacy.models import PersonalDataAccess
from tests.factories import UserFactory
from tests.web.conftest import page_text, post_form, signed_in


def weekday_ahead(days: int = 7):
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def trip_day(demo):
    """A BB1 trip next week with an app booking (Anna) and two phone bookings (Ben with an
    account, Erna without)."""
    staff = User.objects.get(email="stefan@demo.lindenau.example")
    anna = User.objects.get(email="anna@demo.lindenau.example")
    ben = User.objects.get(email="ben@demo.lindenau.example")
    anna.phone, ben.phone = "0171 111111", "0171 222222"
    anna.display_name, ben.display_name = "Anna Lang", "Ben Berger"
    anna.save()
    ben.save()
    line = next(r for r in buergerbus_lines() if r.short_name == "BB1")
    stops = line_stops(route_id=line.pk)
    day = weekday_ahead()
    trip = phone_desk_trips(route_id=line.pk, service_date=day, now=timezone.now())[0].trip
    a, b, c, d = stops[0].pk, stops[1].pk, stops[2].pk, stops[-1].pk
    bb_booking_create(trip_id=trip.pk, service_date=day, from_stop_id=a, to_stop_id=d, seats=2, passenger=anna)
    bb_booking_create(
        trip_id=trip.pk, service_date=day, from_stop_id=b, to_stop_id=d, passenger=ben, booked_by=staff, assisted=True
    )
    bb_booking_create(
        trip_id=trip.pk,
        service_date=day,
        from_stop_id=a,
        to_stop_id=c,
        booked_by=staff,
        assisted=True,
        passenger_name="Erna Schulz",
        passenger_phone="03621 1234",
    )
    return {"staff": staff, "anna": anna, "ben": ben, "trip": trip, "day": day, "stops": stops}


def test_manifest_has_counts_per_stop_and_contacts_only_for_phone_bookings(trip_day):
    m = driver_manifest(trip_id=trip_day["trip"].pk, service_date=trip_day["day"])
    rows = [(s.stop_name, s.boarding, s.alighting, s.onboard_after) for s in m.stops]
    names = [s.name for s in trip_day["stops"]]
    assert rows == [(names[0], 3, 0, 3), (names[1], 1, 0, 4), (names[2], 0, 1, 3), (names[3], 0, 3, 0)]
    contacts = [[(c.first_name, c.phone, c.seats) for c in s.contacts] for s in m.stops]
    assert contacts == [[("Erna", "03621 1234", 1)], [("Ben", "0171 222222", 1)], [], []]
    assert m.seats_booked == 4
    assert [u.pk for u in m.contact_passengers] == [trip_day["ben"].pk]


def test_manifest_page_shows_no_more_than_the_driver_needs_and_logs_the_contacts(trip_day):
    client = signed_in(trip_day["staff"], "stefan-demo-2026")
    url = f"/verwaltung/fahrerlisten/{trip_day['trip'].pk}/{trip_day['day'].isoformat()}/"
    response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert "Erna, 03621 1234" in text and "Ben, 0171 222222" in text
    for never in ("Schulz", "Berger", "Anna", "0171 111111", "@demo.lindenau.example"):
        assert never not in text.split("Mobil in Lindenau Suche")[-1].split("Ein Angebot der Gemeinde")[0]
    assert 'media="print"' in response.content.decode()
    assert list(PersonalDataAccess.objects.values_list("subject_id", "what", "reason")) == [
        (trip_day["ben"].pk, "driver's manifest: first name and phone", "driver's manifest")
    ]


def test_manifest_pdf_is_a_pdf_with_the_stops(trip_day):
    client = signed_in(trip_day["staff"], "stefan-demo-2026")
    url = f"/verwaltung/fahrerlisten/{trip_day['trip'].pk}/{trip_day['day'].isoformat()}/pdf/"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="fahrerliste-BB1-')
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert b"/Count 1 " in body  # one page for a four-stop trip
    title = "Fahrerliste Bürgerbus BB1, ".encode("utf-16-be")
    assert b"/Title (\xfe\xff" + title in body


def test_manifest_list_of_the_day_and_bad_dates(trip_day):
    client = signed_in(trip_day["staff"], "stefan-demo-2026")
    response = client.get("/verwaltung/fahrerlisten/", {"datum": trip_day["day"].isoformat()})
    assert response.status_code == 200
    booked = {t.trip.pk: t.seats_booked for t in response.context["trips"]}
    assert booked[trip_day["trip"].pk] == 4
    assert client.get("/verwaltung/fahrerlisten/", {"datum": "2026-02-30"}).status_code == 404
    assert client.get(f"/verwaltung/fahrerlisten/{trip_day['trip'].pk}/1800-01-01/").status_code == 404
    assert client.get(f"/verwaltung/fahrerlisten/{trip_day['trip'].pk}/x/pdf/").status_code == 404
    assert client.get(f"/verwaltung/fahrerlisten/999999999/{trip_day['day'].isoformat()}/").status_code == 404


# --- membership decisions --------------------------------------------------------------------------


@pytest.fixture
def applications(db, stella):
    from carsharing import services

    today = timezone.localdate()
    old = UserFactory(email="old@example.org", display_name="Olli", is_member=True)
    Membership.objects.create(
        user=old, licence_number="B12 345", licence_expiry=today + timedelta(days=900), status="approved"
    )
    dup = UserFactory(email="dup@example.org", display_name="Dora")
    services.membership_apply(user=dup, licence_number="b12345", licence_expiry=today + timedelta(days=60))
    fine = UserFactory(email="fine@example.org", display_name="Fritz")
    services.membership_apply(user=fine, licence_number="C999", licence_expiry=today + timedelta(days=90))
    return {"old": old, "dup": dup, "fine": fine}


def test_applications_show_licence_expiry_and_duplicates_and_are_logged(stella, applications):
    client = signed_in(stella)
    response = client.get("/verwaltung/mitgliedschaften/")
    assert response.status_code == 200
    rows = {r["application"].membership.user.email: r["application"] for r in response.context["rows"]}
    assert set(rows) == {"dup@example.org", "fine@example.org"}
    old_id = Membership.objects.get(user=applications["old"]).pk
    assert rows["dup@example.org"].duplicate_of == [old_id]
    # 60 days: expires soon; exactly 90 days: not "soon" any more
    assert (rows["dup@example.org"].expires_soon, rows["fine@example.org"].expires_soon) == (True, False)
    assert rows["fine@example.org"].duplicate_of == []
    text = page_text(response)
    assert "Achtung: Dieselbe Führerscheinnummer steht schon in einer anderen Mitgliedschaft" in text
    assert "läuft in weniger als 90 Tagen ab" in text
    assert sorted(PersonalDataAccess.objects.values_list("subject_id", flat=True)) == sorted(
        [applications["dup"].pk, applications["fine"].pk]
    )


def test_approve_makes_a_member(stella, applications):
    client = signed_in(stella)
    membership = Membership.objects.get(user=applications["fine"])
    response = post_form(
        client,
        f"/verwaltung/mitgliedschaften/{membership.pk}/entscheiden/",
        {f"m{membership.pk}-entscheidung": "zulassen", f"m{membership.pk}-begruendung": ""},
        form_page="/verwaltung/mitgliedschaften/",
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    applications["fine"].refresh_from_db()
    assert (membership.status, membership.checked_by_id, applications["fine"].is_member) == (
        "approved",
        stella.pk,
        True,
    )


def test_refusing_needs_a_reason(stella, applications):
    client = signed_in(stella)
    membership = Membership.objects.get(user=applications["dup"])
    url = f"/verwaltung/mitgliedschaften/{membership.pk}/entscheiden/"
    response = post_form(
        client, url, {f"m{membership.pk}-entscheidung": "ablehnen"}, form_page="/verwaltung/mitgliedschaften/"
    )
    assert response.status_code == 400
    assert "Bitte begründen Sie die Ablehnung." in page_text(response)
    membership.refresh_from_db()
    assert membership.status == "applied"
    response = post_form(
        client,
        url,
        {f"m{membership.pk}-entscheidung": "ablehnen", f"m{membership.pk}-begruendung": "Führerschein doppelt"},
        form_page="/verwaltung/mitgliedschaften/",
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.status, membership.decision_note) == ("rejected", "Führerschein doppelt")
    # deciding twice is refused
    response = post_form(
        client, url, {f"m{membership.pk}-entscheidung": "zulassen"}, form_page="/verwaltung/mitgliedschaften/"
    )
    assert response.status_code == 409
    assert "Über diesen Antrag wurde schon entschieden." in page_text(response)
    assert (
        post_form(
            client,
            "/verwaltung/mitgliedschaften/999999/entscheiden/",
            {"m999999-entscheidung": "zulassen"},
            form_page="/verwaltung/mitgliedschaften/",
        ).status_code
        == 404
    )


def test_an_expired_licence_cannot_be_approved(stella, applications):
    membership = Membership.objects.get(user=applications["fine"])
    Membership.objects.filter(pk=membership.pk).update(licence_expiry=date.today() - timedelta(days=1))
    client = signed_in(stella)
    response = post_form(
        client,
        f"/verwaltung/mitgliedschaften/{membership.pk}/entscheiden/",
        {f"m{membership.pk}-entscheidung": "zulassen"},
        form_page="/verwaltung/mitgliedschaften/",
    )
    assert response.status_code == 409
    assert "Der Führerschein ist abgelaufen." in page_text(response)
    membership.refresh_from_db()
    assert membership.status == "applied"
