"""Staff views of other people's personal data in the apps are written to the audit log."""

from datetime import date, timedelta

import pytest

from carsharing import services as carsharing_services
from mobility.privacy.models import PersonalDataAccess


@pytest.mark.django_db
def test_staff_listing_memberships_is_audited_per_person(client_for, stella, alice, bob):
    for person, number in ((alice, "B072RRE2I55"), (bob, "F123XYZ9876")):
        carsharing_services.membership_apply(
            user=person, licence_number=number, licence_expiry=date.today() + timedelta(days=400)
        )
    response = client_for(stella).get("/api/v1/carsharing/memberships/?reason=weekly licence check")
    assert response.status_code == 200
    entries = PersonalDataAccess.objects.order_by("subject_ref")
    assert [(e.actor, e.actor_role, e.subject_ref, e.what, e.reason) for e in entries] == [
        (stella, "staff", alice.pk, "membership licence", "weekly licence check"),
        (stella, "staff", bob.pk, "membership licence", "weekly licence check"),
    ]
    # A resident is refused and nothing is logged for them.
    assert client_for(alice).get("/api/v1/carsharing/memberships/").status_code == 403
    assert PersonalDataAccess.objects.count() == 2


@pytest.mark.django_db
def test_operator_views_of_member_reservations_are_audited(client_for, otto, alice, member):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from carsharing.models import Reservation, Station, Vehicle, VehicleType

    station = Station.objects.create(name="Rathaus", lat=50.15, lon=9.9, address="Hauptstraße 1")
    vtype = VehicleType.objects.create(name="Kombi", seats=5, propulsion="combustion", range_km=700)
    car = Vehicle.objects.create(plate="LD-X 1", vehicle_type=vtype, station=station)
    start = datetime(2030, 5, 6, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    mine = Reservation.objects.create(
        vehicle=car,
        user=member,
        kind="member",
        status="confirmed",
        start=start,
        end=start.replace(hour=11),
        blocked_until=start.replace(hour=11, minute=15),
    )
    operator = client_for(otto)
    assert operator.get(f"/api/v1/carsharing/reservations/{mine.pk}/?reason=complaint 4711").status_code == 200
    assert operator.get("/api/v1/carsharing/reservations/").status_code == 200
    rows = list(PersonalDataAccess.objects.order_by("id").values_list("actor", "subject_ref", "what", "reason"))
    assert rows == [
        (otto.pk, member.pk, "car-sharing reservation", "complaint 4711"),
        (otto.pk, member.pk, "car-sharing reservation", "fleet overview"),
    ]
    # The member looking at their own reservation is not an access to someone else's data.
    assert client_for(member).get(f"/api/v1/carsharing/reservations/{mine.pk}/").status_code == 200
    assert PersonalDataAccess.objects.count() == 2


@pytest.mark.django_db
def test_admin_change_pages_with_personal_data_are_audited(client, alice, stella):
    from django.contrib.auth import get_user_model

    from tests.factories import UserFactory

    admin_operator = UserFactory(email="root@rathaus.example.org", is_operator=True, is_superuser=True)
    client.force_login(admin_operator)
    membership = carsharing_services.membership_apply(
        user=alice, licence_number="B072RRE2I55", licence_expiry=date.today() + timedelta(days=400)
    )
    assert client.get(f"/admin/accounts/user/{alice.pk}/change/?reason=ticket 12").status_code == 200
    assert client.get(f"/admin/carsharing/membership/{membership.pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/user/{admin_operator.pk}/change/").status_code == 200  # own: not logged
    rows = list(PersonalDataAccess.objects.order_by("id").values_list("actor", "subject_ref", "what", "reason"))
    assert rows == [
        (admin_operator.pk, alice.pk, "admin: profile", "ticket 12"),
        (admin_operator.pk, alice.pk, "admin: membership licence", "administration"),
    ]
    # The audit log in the admin: the operator reads it, staff do not even see it.
    assert client.get("/admin/privacy/personaldataaccess/").status_code == 200
    client.force_login(stella)
    assert client.get("/admin/privacy/personaldataaccess/").status_code == 403
    assert get_user_model().objects.filter(pk=alice.pk).exists()
