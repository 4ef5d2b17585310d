"""The API's rate limits (``api.throttles``) count with a sliding-window counter: the limit
holds within a window, refused requests count nothing, the previous window weighs in, the
``Retry-After`` is when one more request would pass, and on Redis it costs one round trip."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.utils import timezone
from redis.client import Pipeline, Redis

from api.throttles import SearchRateThrottle

# a valid search (car-sharing only: nothing to plan here) tomorrow morning
SEARCH = "/api/v1/journeys/?from=49.4,8.6&to=49.5,8.7&modes=carsharing&depart_at=" + quote(
    (timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0).isoformat()
)


@pytest.fixture(params=["redis", "locmem"])
def counting_cache(request, settings):
    """The project's Redis cache (CI and production) and Django's local memory (``make run``)."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("no Redis configured")
        settings.CACHES = {
            "default": {
                "BACKEND": "mobility.cache.ResilientRedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": "throttle-window-test",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
            }
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # the throttles' cache is Django's ``cache`` proxy: it follows the overridden setting
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 6000.0}  # the start of a 60 s window
    monkeypatch.setattr(SearchRateThrottle, "timer", lambda self: now["t"])
    return now


@pytest.mark.django_db
def test_limit_holds_and_refused_requests_count_nothing(counting_cache, clock, api_client, settings):
    settings.SEARCH_THROTTLE_RATE = "3/min"
    codes = [api_client.get(SEARCH).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    clock["t"] += 59.0  # same window, nothing before it: still full
    refused = api_client.get(SEARCH)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    # the next window holds 3 from this one: 3·(1 − t/60) + 1 ≤ 3 → t ≥ 20; 1 s + 20 s from now
    # (DRF rounds the wait up, the API's error handler adds a second: see api/errors.py)
    assert int(refused["Retry-After"]) == 21 + 1
    clock["t"] += 1.0 + 19.5
    assert api_client.get(SEARCH).status_code == 429  # 3·(1 − 19.5/60) + 1 = 3.025 > 3
    clock["t"] += 0.5
    assert api_client.get(SEARCH).status_code == 200  # exactly 3.0: allowed
    # had the refused requests been counted, this window would hold 1 + 1 + 1 = 3 already
    assert api_client.get(SEARCH).status_code == 429


@pytest.mark.django_db
def test_each_client_is_counted_on_its_own(counting_cache, clock, api_client, settings):
    settings.SEARCH_THROTTLE_RATE = "1/min"
    assert api_client.get(SEARCH, REMOTE_ADDR="10.0.0.1").status_code == 200
    assert api_client.get(SEARCH, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api_client.get(SEARCH, REMOTE_ADDR="10.0.0.2").status_code == 200


@pytest.mark.django_db
def test_one_round_trip_to_redis_per_allowed_request(counting_cache, clock, api_client, settings, monkeypatch):
    if counting_cache != "redis":
        pytest.skip("round trips are a Redis matter")
    settings.SEARCH_THROTTLE_RATE = "100/min"
    calls = {"pipelines": 0, "commands": []}
    execute = Pipeline.execute
    command = Redis.execute_command

    def counted_execute(self, *args, **kwargs):
        calls["pipelines"] += 1
        return execute(self, *args, **kwargs)

    def counted_command(self, *args, **kwargs):
        calls["commands"].append(args[0])
        return command(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", counted_execute)
    monkeypatch.setattr(Redis, "execute_command", counted_command)
    throttle = SearchRateThrottle()
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    request = Request(APIRequestFactory().get(SEARCH, REMOTE_ADDR="10.0.0.3"))
    assert throttle.allow_request(request, None)
    assert calls == {"pipelines": 1, "commands": []}
    assert cache.get(f"{throttle.key}:w100") == 1  # 6000 s / 60 s: window 100 holds one hit


@pytest.mark.django_db
def test_a_refused_request_leaves_its_counter_expiring(counting_cache, clock, api_client, settings):
    if counting_cache != "redis":
        pytest.skip("expiry is read from Redis")
    settings.SEARCH_THROTTLE_RATE = "1/min"
    assert [api_client.get(SEARCH).status_code for _ in range(2)] == [200, 429]
    client = cache._cache.get_client(write=True)
    keys = list(client.keys("*throttle_search*:w100"))
    assert len(keys) == 1
    assert int(client.get(keys[0])) == 1  # the refused request was taken back
    assert 0 < client.ttl(keys[0]) <= 121
