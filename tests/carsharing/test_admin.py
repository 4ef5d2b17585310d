"""The Django admin never bypasses the car-sharing services: memberships, reservations and
base-load blocks are read-only there; changes are admin actions that call the services."""

from datetime import date, timedelta

import pytest

from carsharing import services
from carsharing.models import (
    BaseLoadBlock,
    Membership,
    MembershipStatus,
    Reservation,
    ReservationKind,
    ReservationStatus,
)
from mobility.notifications.models import Notification
from tests.carsharing.conftest import aligned
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADMIN = "/admin/carsharing/"


@pytest.fixture
def root(client):
    user = UserFactory(email="root@rathaus.example.org", is_operator=True, is_superuser=True)
    client.force_login(user)
    return user


def _act(client, model: str, action: str, ids: list[int]):
    return client.post(f"{ADMIN}{model}/", {"action": action, "_selected_action": [str(i) for i in ids]}, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("model", ["membership", "reservation", "baseloadblock"])
def test_no_add_change_or_delete_through_forms(client, root, model):
    assert client.get(f"{ADMIN}{model}/add/").status_code == 403
    assert client.post(f"{ADMIN}{model}/add/", {}).status_code == 403


def test_membership_status_cannot_be_edited_and_the_action_decides(client, root):
    applicant = UserFactory(email="anna@example.org")
    membership = services.membership_apply(
        user=applicant, licence_number="B1", licence_expiry=date.today() + timedelta(days=400)
    )
    page = client.get(f"{ADMIN}membership/{membership.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # shown, not editable
    refused = client.post(f"{ADMIN}membership/{membership.pk}/change/", {"status": MembershipStatus.APPROVED})
    assert refused.status_code == 403
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPLIED

    response = _act(client, "membership", "approve", [membership.pk])
    assert response.status_code == 200
    assert _messages(response) == ["Genehmigt: 1"]
    membership.refresh_from_db()
    applicant.refresh_from_db()
    assert (membership.status, membership.checked_by_id, applicant.is_member) == (
        MembershipStatus.APPROVED,
        root.pk,
        True,
    )
    assert Notification.objects.filter(user=applicant, kind="carsharing.membership_decided").count() == 1


def test_a_refused_decision_is_reported_and_changes_nothing(client, root):
    applicant = UserFactory(email="ben@example.org")
    membership = services.membership_apply(
        user=applicant, licence_number="B2", licence_expiry=date.today() + timedelta(days=400)
    )
    membership = services.membership_decide(staff=root, membership_id=membership.pk, approve=False)
    response = _act(client, "membership", "approve", [membership.pk])
    assert _messages(response) == [
        f"{membership}: Über diesen Antrag wurde bereits entschieden. (membership_already_decided)"
    ]
    membership.refresh_from_db()
    applicant.refresh_from_db()
    assert (membership.status, applicant.is_member) == (MembershipStatus.REJECTED, False)


def test_reservation_cancel_and_settle_actions_run_the_services(client, root, fleet, carla):
    held = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=aligned(48), end=aligned(50)
    )
    response = _act(client, "reservation", "cancel", [held.pk])
    assert _messages(response) == ["Storniert: 1"]
    held.refresh_from_db()
    assert (held.status, held.fee_cents, held.cancelled_at is not None) == (ReservationStatus.CANCELLED, 0, True)

    # Settling a reservation that was not returned is refused by the transition table.
    other = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][1].pk, start=aligned(48), end=aligned(50)
    )
    response = _act(client, "reservation", "settle", [other.pk])
    assert _messages(response) == [
        f"{other}: Eine Reservierung im Zustand „held“ kann nicht „settled“ werden. (invalid_transition)"
    ]
    other.refresh_from_db()
    assert other.status == ReservationStatus.HELD


def test_base_load_book_ahead_action(client, root, fleet, cost_centre):
    staff = UserFactory(email="bau@rathaus.example.org", is_town_staff=True, cost_centre=cost_centre)
    tomorrow = date.today() + timedelta(days=1)
    block = BaseLoadBlock.objects.create(
        vehicle=fleet["vehicles"][2],
        booked_by=staff,
        weekdays=[tomorrow.isoweekday()],
        start_time="08:00",
        end_time="12:00",
        valid_from=tomorrow,
        valid_until=tomorrow,
        cost_centre=cost_centre,
        purpose="Bauamt",
    )
    response = _act(client, "baseloadblock", "book_ahead", [block.pk])
    assert _messages(response) == ["Gebuchte Tage: 1, Reservierungen: 1, teilweise belegte Tage: 0"]
    booked = Reservation.objects.get(base_load_block=block)
    assert (booked.kind, booked.status, booked.user_id) == (
        ReservationKind.OFFICIAL,
        ReservationStatus.CONFIRMED,
        staff.pk,
    )
    again = _act(client, "baseloadblock", "book_ahead", [block.pk])
    assert _messages(again) == ["Gebuchte Tage: 0, Reservierungen: 0, teilweise belegte Tage: 0"]
    assert Reservation.objects.filter(base_load_block=block).count() == 1


def test_staff_without_the_operator_role_get_no_actions(client, fleet, cost_centre):
    stella = UserFactory(email="s@rathaus.example.org", is_town_staff=True, is_superuser=True, cost_centre=cost_centre)
    client.force_login(stella)
    page = client.get(f"{ADMIN}membership/")
    assert page.status_code == 200
    assert b'value="approve"' not in page.content
    assert Membership.objects.count() == 0
