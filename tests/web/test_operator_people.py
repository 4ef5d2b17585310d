"""People in the operator console: search and open accounts only with a logged reason,
change roles, erase on request, the access log with filters."""

from __future__ import annotations

import re

import pytest

from mobility.accounts.models import User
from mobility.privacy.models import ErasureRecord, PersonalDataAccess
from tests.factories import CostCentreFactory, UserFactory
from tests.web.conftest import csrf_token, page_text, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def olga_user(db):
    return UserFactory(email="olga@betrieb.example.org", display_name="Olga", is_operator=True)


@pytest.fixture
def olga(olga_user):
    return signed_in(olga_user)


def test_search_needs_a_reason_and_logs_every_account_shown(olga, olga_user):
    anna = UserFactory(email="anna@example.org", display_name="Anna")
    annika = UserFactory(email="annika@example.org", display_name="Annika")
    UserFactory(email="ben@example.org", display_name="Ben")
    response = olga.get("/betrieb/personen/?q=anna")
    assert response.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich." in page_text(response)
    assert "anna@example.org" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()
    response = olga.get("/betrieb/personen/?q=an&grund=Anruf")  # too short: nobody lists everyone
    assert "anna@example.org" not in response.content.decode()
    response = olga.get("/betrieb/personen/?q=ANN&grund=Anruf+wegen+Rolle")
    text = page_text(response)
    assert f"{anna.pk} anna@example.org Anna Bürgerin/Bürger" in text
    assert f"{annika.pk} annika@example.org Annika Bürgerin/Bürger" in text and "ben@example.org" not in text
    logged = PersonalDataAccess.objects.order_by("subject_ref")
    assert [(e.actor_id, e.actor_role, e.subject_ref, e.reason) for e in logged] == [
        (olga_user.pk, "operator", anna.pk, "Anruf wegen Rolle"),
        (olga_user.pk, "operator", annika.pk, "Anruf wegen Rolle"),
    ]


def test_opening_an_account_asks_for_a_reason_first(olga, olga_user):
    anna = UserFactory(email="anna@example.org", display_name="Anna")
    response = olga.get(f"/betrieb/personen/{anna.pk}/")
    assert response.status_code == 200 and "anna@example.org" not in response.content.decode()
    assert "Grund der Einsicht" in page_text(response)
    response = olga.get(f"/betrieb/personen/{anna.pk}/?grund=")
    assert response.status_code == 400 and "Bitte geben Sie einen Grund an." in page_text(response)
    assert not PersonalDataAccess.objects.exists()
    response = olga.get(f"/betrieb/personen/{anna.pk}/?grund=Antrag+Rolle")
    assert response.status_code == 200
    assert "anna@example.org" in page_text(response)
    entry = PersonalDataAccess.objects.get()
    assert (entry.subject_ref, entry.reason, entry.path) == (anna.pk, "Antrag Rolle", f"/betrieb/personen/{anna.pk}/")
    assert olga.get("/betrieb/personen/999999/?grund=x").status_code == 404


def test_roles_change_with_cost_centre_rule(olga):
    centre = CostCentreFactory(code="KST-10", name="Bauamt")
    anna = UserFactory(email="anna@example.org")
    path = f"/betrieb/personen/{anna.pk}/?grund=Antrag"
    token = csrf_token(olga, path)
    response = olga.post(
        f"/betrieb/personen/{anna.pk}/rollen/",
        {"is_town_staff": "on", "cost_centre": "", "grund": "Antrag", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 400
    assert "Mitarbeitende im Rathaus brauchen eine Kostenstelle." in page_text(response)
    anna.refresh_from_db()
    assert not anna.is_town_staff
    token = csrf_token(olga, path)
    response = olga.post(
        f"/betrieb/personen/{anna.pk}/rollen/",
        {
            "is_town_staff": "on",
            "is_member": "on",
            "cost_centre": "KST-10",
            "grund": "Antrag",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302 and response["Location"] == path
    anna.refresh_from_db()
    assert (anna.is_town_staff, anna.is_member, anna.is_operator, anna.cost_centre_id) == (True, True, False, centre.pk)
    assert "Die Rollen sind geändert." in page_text(olga.get(path))


def test_operator_cannot_remove_their_own_operator_role(olga, olga_user):
    path = f"/betrieb/personen/{olga_user.pk}/?grund=selbst"
    token = csrf_token(olga, path)
    response = olga.post(f"/betrieb/personen/{olga_user.pk}/rollen/", {"grund": "x", "csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert "Ihre eigene Rolle „Betrieb“ können Sie hier nicht entfernen." in page_text(response)
    assert User.objects.get(pk=olga_user.pk).is_operator


def test_erasure_needs_confirmation_then_erases(olga):
    anna = UserFactory(email="anna@example.org", display_name="Anna", phone="0151 000")
    path = f"/betrieb/personen/{anna.pk}/?grund=Antrag+vom+1.12."
    token = csrf_token(olga, path)
    response = olga.post(f"/betrieb/personen/{anna.pk}/loeschen/", {"grund": "x", "csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert User.objects.get(pk=anna.pk).email == "anna@example.org" and not ErasureRecord.objects.exists()
    token = csrf_token(olga, path)
    response = olga.post(
        f"/betrieb/personen/{anna.pk}/loeschen/", {"confirm": "on", "grund": "x", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == "/betrieb/personen/"
    anna.refresh_from_db()
    assert (anna.email, anna.display_name, anna.phone, anna.is_active) == (
        f"erased-{anna.pk}@erased.invalid",
        "",
        "",
        False,
    )
    record = ErasureRecord.objects.get(subject_ref=anna.pk)
    assert record.requested_by_subject is False
    assert f"Konto {anna.pk} ist gelöscht." in page_text(olga.get("/betrieb/personen/"))
    text = page_text(olga.get(f"/betrieb/personen/{anna.pk}/?grund=Kontrolle"))
    assert "Dieses Konto wurde am" in text and "endgültig löschen" not in text


def test_access_log_filters(olga, olga_user):
    from mobility.privacy.services import personal_data_access_record

    staff = UserFactory(display_name="Stefan", is_town_staff=True, cost_centre=CostCentreFactory())
    anna, ben = UserFactory(), UserFactory()
    personal_data_access_record(actor=staff, subject=anna, what="phone desk caller", reason="Anruf")
    personal_data_access_record(actor=olga_user, subject=ben, what="account (roles)", reason="Rolle")
    personal_data_access_record(actor=staff, subject=ben, what="phone desk caller", reason="Rückruf")
    text = page_text(olga.get("/betrieb/zugriffsprotokoll/"))
    assert "3 Einträge" in text
    response = olga.get(f"/betrieb/zugriffsprotokoll/?person={ben.pk}")
    rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td><td>(\d+)</td>", response.content.decode())
    assert rows == [("Stefan", "Rathaus", str(ben.pk)), ("Olga", "Betrieb", str(ben.pk))]
    assert "2 Einträge" in page_text(olga.get("/betrieb/zugriffsprotokoll/?role=staff"))
    assert "1 Eintrag" in page_text(olga.get(f"/betrieb/zugriffsprotokoll/?role=operator&person={ben.pk}"))
    assert "0 Einträge" in page_text(olga.get("/betrieb/zugriffsprotokoll/?von=2001-01-01&bis=2001-01-31"))
    for bad in ("?von=2026-02-01&bis=2026-01-01", "?person=abc", "?role=admin", "?von=0001-01-01", f"?person={2**63}"):
        assert olga.get(f"/betrieb/zugriffsprotokoll/{bad}").status_code == 400, bad


def test_people_pages_are_operator_only():
    staff = signed_in(UserFactory(is_town_staff=True, cost_centre=CostCentreFactory()))
    anna = UserFactory()
    for path in ("/betrieb/personen/", f"/betrieb/personen/{anna.pk}/?grund=x", "/betrieb/zugriffsprotokoll/"):
        assert staff.get(path).status_code == 403
    token = csrf_token(staff, "/")
    assert (
        staff.post(
            f"/betrieb/personen/{anna.pk}/loeschen/", {"confirm": "on", "csrfmiddlewaretoken": token}
        ).status_code
        == 403
    )
    assert User.objects.get(pk=anna.pk).is_active and not PersonalDataAccess.objects.exists()
