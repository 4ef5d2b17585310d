"""Driving licences are checked again, not once (StVG § 21), in time-travel tests: after
CARSHARING_LICENCE_RECHECK_MONTHS (6) reservations starting from the due day are refused until
staff check again; members are reminded 30 and 7 days before, once each; staff have a work
list; an expired licence blocks at once; every check is audited."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from carsharing import services
from carsharing.models import LicenceCheck, Membership, Reservation
from mobility.notifications.models import Notification
from mobility.privacy.models import PersonalDataAccess
from tests.carsharing.conftest import make_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/carsharing/"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def reserve(client, car, start: datetime, hours: float = 1):
    body = {"vehicle": car.pk, "start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}
    return client.post(BASE + "reservations/", body, format="json")


@pytest.fixture
def checked_member(db):
    """Carla, approved and checked at 10:00 on 2027-01-15: her re-check is due on 2027-07-15."""
    with time_machine.travel(local(date(2027, 1, 15), 10), tick=False):
        carla = make_member(expiry=date(2030, 1, 1))
    return carla


def test_reservations_from_the_due_day_on_are_refused_until_staff_check_again(
    client_for, fleet, checked_member, stella
):
    carla, car = checked_member, fleet["vehicles"][0]
    membership = Membership.objects.get(user=carla)
    assert services.licence_checks.recheck_due_on(membership) == date(2027, 7, 15)
    with time_machine.travel(local(date(2027, 7, 5), 12), tick=False):
        before = reserve(client_for(carla), car, local(date(2027, 7, 14), 23, 0))  # ends 00:00 on the due day
        assert before.status_code == 201, before.content
        refused = reserve(client_for(carla), car, local(date(2027, 7, 15), 0, 0))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "licence_recheck_due"
        assert "15.07.2027" in refused.json()["error"]["message"]  # German by default, German date
        assert Reservation.objects.filter(user=carla).count() == 1
        # staff check the licence again: a new interval starts today, and the booking goes through
        checked = client_for(stella).post(
            BASE + f"memberships/{membership.pk}/licence-check/",
            {"licence_expiry": "2031-03-01", "note": "Karte vorgelegt"},
            format="json",
        )
        assert checked.status_code == 201, checked.content
        assert checked.json()["result"] == "valid" and checked.json()["next_check_due"] == "2028-01-05"
        after = reserve(client_for(carla), car, local(date(2027, 7, 15), 10, 0))
        assert after.status_code == 201, after.content
    membership.refresh_from_db()
    assert membership.licence_expiry == date(2031, 3, 1) and membership.checked_by == stella
    audit = LicenceCheck.objects.get(membership=membership)
    assert (audit.checked_by, audit.result, audit.licence_expiry, audit.note) == (
        stella,
        "valid",
        date(2031, 3, 1),
        "Karte vorgelegt",
    )
    assert Notification.objects.filter(user=carla, kind="carsharing.licence_checked").count() == 1


def test_members_are_reminded_30_and_7_days_before_once_each(fleet, checked_member):
    carla = checked_member

    def run(day: date) -> int:
        with time_machine.travel(local(day, 6), tick=False):
            return services.licence_reminders_send()

    assert run(date(2027, 6, 14)) == 0  # 31 days before
    assert run(date(2027, 6, 15)) == 1  # 30 days before
    assert run(date(2027, 6, 15)) == 0  # the same day again: not twice
    assert run(date(2027, 6, 20)) == 0
    assert run(date(2027, 7, 8)) == 1  # 7 days before
    assert run(date(2027, 7, 9)) == 0
    assert run(date(2027, 7, 15)) == 0  # due: the refusal speaks from now on
    reminders = Notification.objects.filter(user=carla, kind="carsharing.licence_recheck_due").order_by("pk")
    assert [(n.payload["due_on"], n.payload["days_before"]) for n in reminders] == [
        ("2027-07-15", 30),
        ("2027-07-15", 7),
    ]


def test_a_missed_run_sends_only_the_closest_reminder(fleet, checked_member):
    with time_machine.travel(local(date(2027, 7, 10), 6), tick=False):  # 5 days before; nothing sent so far
        assert services.licence_reminders_send() == 1
        assert services.licence_reminders_send() == 0
    payloads = list(
        Notification.objects.filter(kind="carsharing.licence_recheck_due").values_list("payload", flat=True)
    )
    assert payloads == [{"due_on": "2027-07-15", "days_before": 5}]


def test_staff_work_list_of_checks_due(client_for, fleet, checked_member, stella):
    with time_machine.travel(local(date(2027, 1, 1), 10), tick=False):
        soon_expiring = make_member("eva@example.org", expiry=date(2027, 1, 20))
    url = BASE + "licence-checks/due/"
    with time_machine.travel(local(date(2027, 6, 14), 9), tick=False):
        # eva's licence expired on 2027-01-20, long before her re-check; carla is due in 31 days
        listed = client_for(stella).get(url).json()
        assert [(i["name"], i["due_on"], i["reason"]) for i in listed] == [("eva", "2027-01-20", "licence_expires")]
    with time_machine.travel(local(date(2027, 6, 15), 9), tick=False):
        listed = client_for(stella).get(url).json()
    assert [(i["user"], i["due_on"], i["reason"]) for i in listed] == [
        (soon_expiring.pk, "2027-01-20", "licence_expires"),
        (checked_member.pk, "2027-07-15", "recheck"),
    ]
    assert client_for(checked_member).get(url).status_code == 403
    assert client_for(stella).get(url + "?days=abc").status_code == 400
    assert PersonalDataAccess.objects.filter(actor=stella, subject=checked_member).exists()


def test_an_expired_licence_blocks_at_once_even_a_reservation_made_before(client_for, fleet, checked_member, stella):
    carla, car = checked_member, fleet["vehicles"][0]
    membership = Membership.objects.get(user=carla)
    with time_machine.travel(local(date(2027, 3, 1), 9), tick=False):
        made = reserve(client_for(carla), car, local(date(2027, 3, 3), 10))
        assert made.status_code == 201
        client_for(carla).post(BASE + f"reservations/{made.json()['id']}/confirm/")
        seen = client_for(stella).post(
            BASE + f"memberships/{membership.pk}/licence-check/", {"licence_expiry": "2027-02-28"}, format="json"
        )
        assert seen.status_code == 201 and seen.json()["result"] == "expired"
        assert seen.json()["next_check_due"] is None
        refused = reserve(client_for(carla), car, local(date(2027, 3, 2), 10))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "licence_expired"
    with time_machine.travel(local(date(2027, 3, 3), 10), tick=False):
        check_in = client_for(carla).post(BASE + f"reservations/{made.json()['id']}/check-in/", {}, format="json")
        assert check_in.status_code == 403 and check_in.json()["error"]["code"] == "licence_expired"
    assert Reservation.objects.get(pk=made.json()["id"]).checked_in_at is None
    membership.refresh_from_db()
    # the failed check did not start a new interval
    assert timezone.localtime(membership.checked_at).date() == date(2027, 1, 15)


def test_approval_is_an_audited_check(fleet, stella):
    applicant = UserFactory()
    membership = services.membership_apply(
        user=applicant, licence_number="B072RRE2I55", licence_expiry=date.today() + relativedelta(years=3)
    )
    services.membership_decide(staff=stella, membership_id=membership.pk, approve=True)
    check = LicenceCheck.objects.get(membership=membership)
    assert (check.checked_by, check.result, check.note) == (stella, "valid", "approval")
