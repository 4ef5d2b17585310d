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
