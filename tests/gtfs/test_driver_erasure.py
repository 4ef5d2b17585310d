"""Erasing a Bürgerbus driver on request, also one without an account (whom the account erasure
never reaches): name, phone and birth date go, the roster and the qualification checks stay under
a pseudonym (FeV § 48: every trip driven was driven by a qualified driver), duties to come are
released, and the erasure with its reason is in the access log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from gtfs.models import BuergerbusDriver, DriverQualification, RosterEntry
from mobility.privacy.models import PersonalDataAccess
from tests.factories import UserFactory
from tests.gtfs.test_buergerbus import build_timetable
from tests.privacy.dump import database_dump
from tests.web.conftest import csrf_token, page_text, signed_in

BASE = "/api/v1/gtfs/buergerbus/"


def _roster(staff, tt, driver: int, days: int) -> None:
    day = timezone.localdate() + timedelta(days=days)
    response = staff.post(
        BASE + "roster/", {"trip": tt["trip"], "service_date": day.isoformat(), "driver": driver}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.fixture
def hans(client_for, stella):
    """Hans Berger, no account: qualified, rostered on days 2, 5 and 7 (day 7 then given to Bert)."""
    staff = client_for(stella)
    tt = build_timetable(staff)
    body = {"name": "Hans Berger", "phone": "+49 6021 987654", "birth_date": "1958-04-17"}
    hans = staff.post(BASE + "drivers/", body, format="json").json()["id"]
    bert = staff.post(BASE + "drivers/", {"name": "Bert Kranz"}, format="json").json()["id"]
    until = (timezone.localdate() + timedelta(days=300)).isoformat()
    for kind in ("passenger_licence", "medical_check"):
        assert (
            staff.post(BASE + f"drivers/{hans}/qualifications/", {"kind": kind, "valid_until": until}).status_code
            == 201
        )
    for days in (2, 5, 7):
        _roster(staff, tt, hans, days)
    _roster(staff, tt, bert, 7)
    return {"id": hans, "bert": bert, "tt": tt}


@pytest.mark.django_db(transaction=True)
def test_the_operator_erases_a_driver_without_account_and_the_roster_keeps_a_pseudonym(hans, client_for, otto, stella):
    did = hans["id"]
    today = timezone.localdate()
    with time_machine.travel(timezone.now() + timedelta(days=4)):  # day 2 driven, day 5 still to come
        response = client_for(otto).post(
            BASE + f"drivers/{did}/erasure/", {"reason": "Schriftlicher Antrag vom 2.12."}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json() == {
            "driver": did,
            "pseudonym": f"erased driver #{did}",
            "roster_entries_kept": 1,
            "duties_released": 1,
            "qualifications_kept": 2,
        }
        staff_roster = (
            client_for(stella)
            .get(BASE + f"roster/?from={today.isoformat()}&to={(today + timedelta(days=10)).isoformat()}")
            .json()
        )
    driver = BuergerbusDriver.objects.get(pk=did)
    assert (driver.name, driver.phone, driver.birth_date, driver.user_id, driver.active) == (
        f"erased driver #{did}",
        "",
        None,
        None,
        False,
    )
    # The duty driven stays with the pseudonym; the duty to come is released (kept as replaced);
    # the day given to Bert earlier stays replaced and Bert drives.
    rows = {
        (e.service_date - today).days: (e.driver_id, e.replaced_at is None)
        for e in RosterEntry.objects.filter(driver_id=did)
    }
    assert rows == {2: (did, True), 5: (did, False), 7: (did, False)}
    assert [(r["service_date"], r["driver_name"]) for r in staff_roster] == [
        ((today + timedelta(days=2)).isoformat(), f"erased driver #{did}"),
        ((today + timedelta(days=7)).isoformat(), "Bert Kranz"),
    ]
    assert sorted(DriverQualification.objects.filter(driver_id=did).values_list("kind", flat=True)) == [
        "medical_check",
        "passenger_licence",
    ]
    (entry,) = PersonalDataAccess.objects.all()
    assert (entry.actor_id, entry.actor_role, entry.subject_id, entry.subject_ref) == (otto.pk, "operator", None, 0)
    assert entry.what == f"Bürgerbus driver #{did}: erasure" and entry.reason == "Schriftlicher Antrag vom 2.12."
    assert entry.path == BASE + f"drivers/{did}/erasure/"
    dump = database_dump()
    for personal in ("Hans Berger", "Berger", "987654", "1958-04-17"):
        assert personal not in dump, personal
    assert "Bert Kranz" in dump  # the dump does show names that are still there

    again = client_for(otto).post(BASE + f"drivers/{did}/erasure/", {"reason": "noch einmal"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "driver_already_erased"
    assert PersonalDataAccess.objects.count() == 1


@pytest.mark.django_db
def test_bad_requests_change_nothing(hans, client_for, otto, stella):
    did = hans["id"]
    operator = client_for(otto)
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 201}):
        response = operator.post(BASE + f"drivers/{did}/erasure/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert "reason" in response.json()["error"]["fields"]
    missing = operator.post(BASE + "drivers/999999/erasure/", {"reason": "Antrag"}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "driver_not_found"
    assert operator.post(BASE + f"drivers/{2**63}/erasure/", {"reason": "Antrag"}, format="json").status_code == 404
    staff = client_for(stella).post(BASE + f"drivers/{did}/erasure/", {"reason": "Antrag"}, format="json")
    assert staff.status_code == 403
    driver = BuergerbusDriver.objects.get(pk=did)
    assert (driver.name, driver.phone, driver.active) == ("Hans Berger", "+49 6021 987654", True)
    assert RosterEntry.objects.filter(driver_id=did, replaced_at__isnull=True).count() == 2
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
def test_a_driver_with_an_account_is_logged_against_that_account(client_for, otto, stella):
    from gtfs import drivers

    account = UserFactory(display_name="Dora")
    dora = drivers.driver_create(name="Dora Fink", phone="0171 1", user=account)
    done = drivers.driver_erase(driver_id=dora.pk, actor=otto, reason="Antrag", path="/x")
    assert (done.roster_entries_kept, done.duties_released, done.qualifications_kept) == (0, 0, 0)
    dora.refresh_from_db()
    assert (dora.name, dora.user_id, dora.phone) == (f"erased driver #{dora.pk}", None, "")
    (entry,) = PersonalDataAccess.objects.all()
    assert (entry.subject_id, entry.subject_ref) == (account.pk, account.pk)


@pytest.mark.django_db
def test_the_people_page_erases_a_driver_with_the_reason_in_the_log(hans, otto):
    did = hans["id"]
    olga = signed_in(otto)
    page = olga.get("/betrieb/personen/")
    assert page.status_code == 200
    text = page_text(page)
    assert "Bürgerbus-Fahrer ohne Konto löschen" in text and "Fahrer-Nr." in text
    assert 'id="id_loeschen-grund"' in page.content.decode() and 'id="id_grund"' in page.content.decode()
    url = "/betrieb/personen/fahrer-loeschen/"
    token = csrf_token(olga, "/betrieb/personen/")
    # Without the confirmation: refused, nothing erased, nothing logged.
    refused = olga.post(url, {"csrfmiddlewaretoken": token, "loeschen-fahrer": str(did), "loeschen-grund": "Antrag"})
    assert refused.status_code == 400 and "Bitte prüfen Sie Ihre Angaben" in page_text(refused)
    unknown = olga.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "loeschen-fahrer": "999999",
            "loeschen-grund": "Antrag",
            "loeschen-confirm": "on",
        },
    )
    assert unknown.status_code == 400 and "Diese Fahrer-Nr. gibt es nicht." in page_text(unknown)
    assert BuergerbusDriver.objects.get(pk=did).name == "Hans Berger" and not PersonalDataAccess.objects.exists()

    done = olga.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "loeschen-fahrer": str(did),
            "loeschen-grund": "Brief vom 1.12.",
            "loeschen-confirm": "on",
        },
        follow=True,
    )
    assert done.status_code == 200
    assert (
        f"Fahrer-Nr. {did} ist gelöscht. Gefahrene Dienste, die unter „erased driver #{did}“ bleiben: 0. "
        "Frei gewordene künftige Dienste, bitte neu besetzen: 2." in page_text(done)
    )
    assert BuergerbusDriver.objects.get(pk=did).name == f"erased driver #{did}"
    (entry,) = PersonalDataAccess.objects.all()
    assert (entry.subject_ref, entry.reason) == (0, "Brief vom 1.12.")
    log = page_text(olga.get("/betrieb/zugriffsprotokoll/"))
    assert f"ohne Konto Bürgerbus driver #{did}: erasure Brief vom 1.12." in log
    again = olga.post(
        url,
        {"csrfmiddlewaretoken": token, "loeschen-fahrer": str(did), "loeschen-grund": "x", "loeschen-confirm": "on"},
    )
    assert (
        again.status_code == 400
        and "Die Daten dieser Fahrerin oder dieses Fahrers sind schon gelöscht." in page_text(again)
    )


def _roster_retention(**kwargs) -> int:
    from mobility.privacy.retention import run_retention

    (outcome,) = [o for o in run_retention(**kwargs) if o.category == "buergerbus_erased_driver_roster"]
    assert outcome.days == 1095
    return outcome.affected


@pytest.mark.django_db
def test_the_pseudonyms_roster_goes_after_the_limitation_period_then_the_pseudonym(hans, otto):
    from datetime import datetime, time

    from gtfs import drivers

    did, bert = hans["id"], hans["bert"]
    today = timezone.localdate()
    drivers.driver_erase(driver_id=did, actor=otto, reason="Antrag")
    assert _roster_retention() == 0  # nothing old yet

    def noon(days: int) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(12), tzinfo=timezone.get_current_timezone())

    def days_kept() -> list[int]:
        return sorted((e.service_date - today).days for e in RosterEntry.objects.filter(driver_id=did))

    # 1095 days after day 7 the cutoff is day 7 itself: days 2 and 5 go, day 7 stays, and so does the pseudonym.
    with time_machine.travel(noon(7 + 1095), tick=False):
        assert _roster_retention(dry_run=True) == 2
        assert days_kept() == [2, 5, 7]
        assert _roster_retention() == 2
    assert days_kept() == [7] and BuergerbusDriver.objects.filter(pk=did).exists()
    assert DriverQualification.objects.filter(driver_id=did).count() == 2
    # A day later the last entry goes, and with it the pseudonym and its checks (1 entry + 1 driver).
    with time_machine.travel(noon(8 + 1095), tick=False):
        assert _roster_retention() == 2
    assert days_kept() == [] and not BuergerbusDriver.objects.filter(pk=did).exists()
    assert not DriverQualification.objects.filter(driver_id=did).exists()
    # Bert was not erased: his roster stays however old it is.
    assert RosterEntry.objects.filter(driver_id=bert).count() == 1
    assert BuergerbusDriver.objects.get(pk=bert).name == "Bert Kranz"
