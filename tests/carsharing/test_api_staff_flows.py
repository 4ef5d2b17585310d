"""Staff and members as they meet the API: read-only base load and utilisation for the staff
member's cost centre, membership list with names (audited), duplicate licences flagged."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from carsharing import services
from carsharing.models import Membership, ReservationKind, ReservationStatus
from mobility.privacy.models import PersonalDataAccess
from tests.factories import CostCentreFactory, ReservationFactory, UserFactory

from .conftest import make_member

BASE = "/api/v1/carsharing/"


def _block(otto, car, cost_centre, purpose):
    return services.base_load_block_create(
        operator=otto,
        vehicle_id=car.pk,
        weekdays=[1, 2],
        start_time=time(8, 0),
        end_time=time(10, 0),
        valid_from=timezone.localdate(),
        valid_until=None,
        cost_centre=cost_centre,
        purpose=purpose,
    )


def test_staff_read_their_cost_centres_base_load_and_only_operators_change_it(client_for, fleet, stella, otto):
    other = CostCentreFactory(code="KST-2000", name="Bauamt")
    car = fleet["vehicles"][0]
    mine = _block(otto, car, stella.cost_centre, "Hauptamt")
    theirs = _block(otto, fleet["vehicles"][1], other, "Bauamt")
    staff = client_for(stella)
    listed = staff.get(BASE + "base-load-blocks/")
    assert listed.status_code == 200
    assert [(b["id"], b["cost_centre"], b["weekdays"]) for b in listed.json()] == [(mine.pk, "KST-1000", [1, 2])]
    assert [b["id"] for b in client_for(otto).get(BASE + "base-load-blocks/").json()] == [mine.pk, theirs.pk]
    body = {
        "vehicle": car.pk,
        "weekdays": [3],
        "start_time": "08:00",
        "end_time": "10:00",
        "valid_from": str(date.today()),
        "cost_centre": "KST-1000",
        "purpose": "mehr",
    }
    refused = staff.post(BASE + "base-load-blocks/", body, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert sorted(b.pk for b in type(mine).objects.all()) == sorted([mine.pk, theirs.pk])  # nothing added
    # Staff without a cost centre see no blocks.
    loose = UserFactory(email="neu@rathaus.example.org", is_town_staff=True)
    assert client_for(loose).get(BASE + "base-load-blocks/").json() == []


def _trip(car, user, cost_centre, start, hours, kind=ReservationKind.OFFICIAL):
    end = start + timedelta(hours=hours)
    return ReservationFactory(
        vehicle=car,
        user=user,
        kind=kind,
        status=ReservationStatus.SETTLED,
        cost_centre=cost_centre,
        start=start,
        end=end,
        blocked_until=end + timedelta(minutes=15),
    )


def test_staff_see_utilisation_with_their_cost_centres_hours(client_for, fleet, stella, otto, carla):
    other = CostCentreFactory(code="KST-2000", name="Bauamt")
    colleague = UserFactory(email="bau@rathaus.example.org", is_town_staff=True, cost_centre=other)
    car = fleet["vehicles"][0]
    tz = timezone.get_current_timezone()
    start = datetime(2026, 3, 10, 8, 0, tzinfo=tz)
    _trip(car, stella, stella.cost_centre, start, 3)
    _trip(car, colleague, other, start + timedelta(days=1), 2)
    _trip(car, carla, None, start + timedelta(days=2), 4, kind=ReservationKind.MEMBER)
    rows = client_for(stella).get(BASE + "reports/utilisation/", {"month": "2026-03"})
    assert rows.status_code == 200
    row = next(r for r in rows.json() if r["vehicle"] == car.pk)
    assert (row["hours_official"], row["hours_official_other"], row["hours_member"]) == (3.0, 2.0, 4.0)
    assert row["hours_idle"] == row["hours_total"] - 9.0
    operator_row = next(
        r
        for r in client_for(otto).get(BASE + "reports/utilisation/", {"month": "2026-03"}).json()
        if r["vehicle"] == car.pk
    )
    assert (operator_row["hours_official"], operator_row["hours_official_other"]) == (5.0, 0.0)
    assert client_for(carla).get(BASE + "reports/utilisation/", {"month": "2026-03"}).status_code == 403


def test_membership_list_shows_names_and_flags_a_licence_already_approved(client_for, alice, stella):
    carla = make_member()  # approved, licence B072RRE2I55
    applied = client_for(alice).post(
        BASE + "membership/",
        {"licence_number": "b072 rre2i55", "licence_expiry": str(date.today() + timedelta(days=500))},
        format="json",
    )
    assert applied.status_code == 201
    own = applied.json()
    assert own["licence_also_on"] == []  # the applicant is not told about others' licences
    logged = PersonalDataAccess.objects.count()
    listed = client_for(stella).get(BASE + "memberships/", {"status": "applied"})
    assert listed.status_code == 200
    [entry] = listed.json()["results"]
    assert (entry["name"], entry["email"]) == ("Alice", "alice@example.org")
    assert entry["licence_also_on"] == [Membership.objects.get(user=carla).pk]
    # The view of Alice's licence is in the access log.
    access = PersonalDataAccess.objects.order_by("-id").first()
    assert PersonalDataAccess.objects.count() == logged + 1
    assert (access.actor, access.subject, access.what) == (stella, alice, "membership licence")
    decided = client_for(stella).post(BASE + f"memberships/{entry['id']}/decision/", {"approve": False}, format="json")
    assert decided.status_code == 200
    assert decided.json()["status"] == "rejected"
    assert decided.json()["licence_also_on"] == [Membership.objects.get(user=carla).pk]
