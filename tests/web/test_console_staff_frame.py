"""The console frame: role checks and the console navigation (web/console.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.web.conftest import page_text, post_form, signed_in
from web import console


@pytest.mark.django_db
def test_anonymous_is_sent_to_login():
    response = Client().get("/verwaltung/")
    assert response.status_code == 302
    assert response["Location"] == "/anmelden/?next=/verwaltung/"


@pytest.mark.django_db
def test_resident_gets_the_german_403_page(alice):
    response = signed_in(alice).get("/verwaltung/")
    assert response.status_code == 403
    assert "Das dürfen Sie leider nicht" in page_text(response)
    assert "Dienstfahrt buchen" not in page_text(response)


@pytest.mark.django_db
def test_member_gets_403(member):
    assert signed_in(member).get("/verwaltung/").status_code == 403


@pytest.mark.django_db
def test_staff_sees_staff_links_only(stella):
    response = signed_in(stella).get("/verwaltung/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    nav = response.context["console_nav"]
    assert [(item["label"], item["role"]) for item in nav] == [
        ("Übersicht Verwaltung", "staff"),
        ("Dienstfahrt buchen", "staff"),
        ("Grundlast-Kalender", "staff"),
        ("Bürgerbus-Telefon", "staff"),
        ("Fahrerlisten", "staff"),
        ("Mitgliedschaften", "staff"),
    ]
    assert nav[0] == {"url": "/verwaltung/", "label": "Übersicht Verwaltung", "role": "staff", "current": True}
    assert sum(item["current"] for item in nav) == 1


@pytest.mark.django_db
def test_operator_sees_staff_pages_and_existing_operator_links(otto):
    response = signed_in(otto).get("/verwaltung/")
    assert response.status_code == 200
    roles = [item["role"] for item in response.context["console_nav"]]
    staff_count = roles.count("staff")
    assert staff_count >= 1 and roles[:staff_count] == ["staff"] * staff_count
    # operator links (those whose URL names exist) come after the staff links
    assert set(roles[staff_count:]) <= {"operator"}


def test_missing_url_names_are_left_out_and_existing_ones_resolved(rf, settings, otto):
    """A link whose URL name does not exist is skipped; one that exists is shown and marked."""
    request = rf.get("/")
    request.user = otto
    request.resolver_match = None
    links = console.console_links(request)
    urls = {item["url"] for item in links}
    assert "/verwaltung/" in urls
    original = list(console.OPERATOR_LINKS)
    console.OPERATOR_LINKS.append(console.ConsoleLink("no_such_console_page", "X", console.OPERATOR))
    try:
        assert len(console.console_links(request)) == len(links)
    finally:
        console.OPERATOR_LINKS[:] = original


@pytest.mark.django_db
def test_staff_required_refuses_operator_pages_to_staff(stella, otto, rf):
    @console.operator_required
    def operator_page(request):
        from django.http import HttpResponse

        return HttpResponse("ok")

    from django.core.exceptions import PermissionDenied

    request = rf.get("/x/")
    request.user = stella
    with pytest.raises(PermissionDenied):
        operator_page(request)
    request.user = otto
    assert operator_page(request).content == b"ok"


IDS = {
    "<int:reservation_id>": "1",
    "<int:booking_id>": "1",
    "<int:trip_id>": "1",
    "<str:day>": "2026-12-07",
    "<int:membership_id>": "1",
}


def staff_console_paths() -> list[tuple[str, str]]:
    """Every page of the staff console (method, path), with made-up ids where a path has one."""
    from web.urls_console_staff import urlpatterns

    paths = []
    for pattern in urlpatterns:
        route = str(pattern.pattern)
        path_ = "/verwaltung/" + route
        for placeholder, value in IDS.items():
            path_ = path_.replace(placeholder, value)
        method = "post" if any(word in route for word in ("buchen/", "stornieren/", "entscheiden/")) else "get"
        paths.append((method, path_))
    return paths


@pytest.mark.django_db
def test_a_resident_gets_403_on_every_staff_console_page(alice, member):
    paths = staff_console_paths()
    assert len(paths) >= 12
    for user in (alice, member):
        client = signed_in(user)
        for method, path_ in paths:
            # POSTs carry a valid CSRF token (the footer's language form): the role check refuses
            response = client.get(path_) if method == "get" else post_form(client, path_, {}, form_page="/datenschutz/")
            assert "Das dürfen Sie leider nicht" in page_text(response)
            assert response.status_code == 403, (user.email, method, path_, response.status_code)
    anonymous = Client()
    for method, path_ in paths:
        response = anonymous.get(path_) if method == "get" else anonymous.post(path_, {})
        assert response.status_code == 302 and response["Location"].startswith("/anmelden/?next="), path_
