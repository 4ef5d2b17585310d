"""Staff reading a driver's Rufbus run (JSON or printable) see passengers' names and doors: every
read is written to the access log, one entry per passenger on the run, with the reason given."""

from __future__ import annotations

import pytest

from mobility.privacy.models import PersonalDataAccess
from ondemand import services
from ondemand.models import OnDemandRun
from ondemand.services import Place
from tests.factories import UserFactory

from .conftest import DOCTOR, HOME, tomorrow_at

pytestmark = pytest.mark.django_db


def _logged() -> list[tuple]:
    return list(
        PersonalDataAccess.objects.order_by("id").values_list("actor_id", "actor_role", "subject_ref", "what", "reason")
    )


def test_every_read_of_a_run_is_logged_per_passenger_with_the_reason(rufbus, client_for):
    anna, ben, cleo = UserFactory(display_name="Anna"), UserFactory(display_name="Ben"), UserFactory()
    services.ondemand_booking_create(
        passenger=anna, pickup=Place(*HOME), dropoff=Place(*DOCTOR), earliest_pickup=tomorrow_at(14, 10), seats=1
    )
    services.ondemand_booking_create(
        passenger=ben, pickup=Place(*DOCTOR), dropoff=Place(*HOME), earliest_pickup=tomorrow_at(14, 20), seats=1
    )
    gone = services.ondemand_booking_create(
        passenger=cleo, pickup=Place(*HOME), dropoff=Place(*DOCTOR), earliest_pickup=tomorrow_at(15, 0), seats=1
    )
    services.ondemand_booking_cancel(booking_id=gone.pk, user=cleo)  # off the run: not shown, not logged
    run = OnDemandRun.objects.get()
    stella = UserFactory(is_town_staff=True, display_name="Stella")
    staff = client_for(stella)
    url = f"/api/v1/ondemand/runs/{run.pk}/"

    detail = staff.get(url)
    assert detail.status_code == 200 and {s["passenger"] for s in detail.json()["stops"]} == {"Anna", "Ben"}
    assert _logged() == [
        (stella.pk, "staff", anna.pk, "Rufbus run: names and doors", "driver's run"),
        (stella.pk, "staff", ben.pk, "Rufbus run: names and doors", "driver's run"),
    ]
    assert set(PersonalDataAccess.objects.values_list("path", flat=True)) == {url}

    PersonalDataAccess.objects.all().delete()
    printable = staff.get(url, {"print": "1", "reason": "Fahrer krank, Ersatz informiert"})
    assert printable.status_code == 200 and "Anna" in printable.content.decode()
    assert _logged() == [
        (stella.pk, "staff", anna.pk, "Rufbus run: names and doors (printable)", "Fahrer krank, Ersatz informiert"),
        (stella.pk, "staff", ben.pk, "Rufbus run: names and doors (printable)", "Fahrer krank, Ersatz informiert"),
    ]

    # An operator is logged as such; the run list (no names) is not a personal-data view.
    PersonalDataAccess.objects.all().delete()
    otto = UserFactory(is_operator=True)
    assert client_for(otto).get(url).status_code == 200
    assert [(e[0], e[1], e[2]) for e in _logged()] == [(otto.pk, "operator", anna.pk), (otto.pk, "operator", ben.pk)]
    PersonalDataAccess.objects.all().delete()
    assert staff.get("/api/v1/ondemand/runs/", {"date": run.service_date.isoformat()}).status_code == 200
    assert _logged() == []


def test_refused_or_empty_reads_log_nothing(rufbus, client_for):
    anna = UserFactory(display_name="Anna")
    booking = services.ondemand_booking_create(
        passenger=anna, pickup=Place(*HOME), dropoff=Place(*DOCTOR), earliest_pickup=tomorrow_at(14, 10), seats=1
    )
    run = OnDemandRun.objects.get()
    assert client_for(UserFactory()).get(f"/api/v1/ondemand/runs/{run.pk}/").status_code == 403
    assert client_for(None).get(f"/api/v1/ondemand/runs/{run.pk}/").status_code == 401
    staff = client_for(UserFactory(is_town_staff=True))
    missing = staff.get(f"/api/v1/ondemand/runs/{run.pk + 1000}/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ondemand_run_not_found"
    assert _logged() == []
    # A run whose bookings are all cancelled names nobody: nothing to log.
    services.ondemand_booking_cancel(booking_id=booking.pk, user=anna)
    empty = staff.get(f"/api/v1/ondemand/runs/{run.pk}/")
    assert empty.status_code == 200 and empty.json()["stops"] == []
    assert _logged() == []
