"""Issue 10, point 6 for ride-sharing: with Redis down an offer is still published (the
matching-index version lives in the cache, which degrades) and riders' searches answer."""

import pytest

from rides.models import RideOffer
from tests.conftest import _free_port


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    settings.CACHES = {"default": {"BACKEND": "mobility.cache.ResilientRedisCache", "LOCATION": url}}
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
    }


@pytest.mark.django_db(transaction=True)
def test_offer_and_request_work_without_redis(redis_down, client_for, alice, bob, herrenberg_trip):
    offer = client_for(alice).post("/api/v1/rides/offers/", herrenberg_trip.offer_body(), format="json")
    assert offer.status_code == 201, offer.content
    assert RideOffer.objects.filter(pk=offer.json()["id"], driver=alice).exists()
    request = client_for(bob).post("/api/v1/rides/requests/", herrenberg_trip.request_body(), format="json")
    assert request.status_code == 201, request.content
    assert [m["offer"]["id"] for m in request.json()["matches"]] == [offer.json()["id"]]
    again = client_for(bob).get(f"/api/v1/rides/requests/{request.json()['id']}/matches/")
    assert again.status_code == 200
    assert [m["offer"]["id"] for m in again.json()] == [offer.json()["id"]]
