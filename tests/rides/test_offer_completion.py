"""Offers whose last ride is over become completed (periodic task)."""

from datetime import timedelta

from rides import services
from rides.models import OfferStatus, RideOffer
from rides.services import Place
from tests.factories import UserFactory

from .helpers import trip


def _offer(t, **kwargs):
    return services.offer_create(
        driver=UserFactory(),
        origin=Place(*t.origin),
        destination=Place(*t.destination),
        departure=t.departure,
        seats=2,
        **kwargs,
    )


def test_single_and_ended_recurring_offers_complete(graph_row):
    t = trip()
    single = _offer(t)
    weekly = _offer(t, weekdays=[0, 1, 2, 3, 4], recurrence_until=t.departure.date() + timedelta(days=14))
    assert services.offers_complete_past(now=t.departure + timedelta(hours=1)) == 0
    assert services.offers_complete_past(now=t.departure + timedelta(hours=13)) == 1
    assert RideOffer.objects.get(pk=single.pk).status == OfferStatus.COMPLETED
    assert RideOffer.objects.get(pk=weekly.pk).status == OfferStatus.ACTIVE
    later = t.departure + timedelta(days=16)
    assert services.offers_complete_past(now=later) == 1
    statuses = dict(RideOffer.objects.values_list("pk", "status"))
    assert statuses == {single.pk: "completed", weekly.pk: "completed"}
