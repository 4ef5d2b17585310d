"""The ``ride_bench_requests`` retention rule: 30 days after a Mitfahrbank request was made, the
drivers, the arrival time and the person's token are removed and the times rounded to the hour;
bench, destination, day and status stay for the statistics. Time travel, boundary to the second."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from mobility.errors import NotFound
from mobility.privacy.retention import retention_rules, run_retention
from rides import selectors, services
from rides.models import BenchRequest, MeetingPoint, MeetingPointKind
from rides.privacy import RETIRED_TOKEN_PREFIX
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
# Summer time throughout: 30 days later is 30 × 24 h later on the wall clock too.
MADE = datetime(2026, 6, 10, 7, 42, 17, 123456, tzinfo=BERLIN)


def _outcome(**kwargs) -> int:
    (outcome,) = [o for o in run_retention(**kwargs) if o.category == "ride_bench_requests"]
    return outcome.affected


@pytest.fixture
def taken():
    """A request made at MADE at Lindenau's bench, two drivers told, Olga takes it 3 minutes later."""
    lindenau = MeetingPoint.objects.create(
        name="Bank Lindenau", lat=50.15, lon=9.90, kind=MeetingPointKind.MITFAHRBANK, code="lnd234"
    )
    buchwald = MeetingPoint.objects.create(
        name="Bank Buchwald", lat=50.17, lon=9.95, kind=MeetingPointKind.MITFAHRBANK, code="bch234"
    )
    olga, paul = UserFactory(display_name="Olga"), UserFactory(display_name="Paul")
    for driver in (olga, paul):
        services.bench_opt_in(driver=driver, bench_id=lindenau.pk, destination_id=buchwald.pk)
    with time_machine.travel(MADE, tick=False):
        item = services.bench_request_create(code="lnd234", destination_id=buchwald.pk)
    with time_machine.travel(MADE + timedelta(minutes=3), tick=False):
        services.bench_request_accept(driver=olga, request_id=item.pk, eta_minutes=7)
    item.refresh_from_db()
    assert item.created_at == MADE and sorted(item.notified_drivers) == sorted([olga.pk, paul.pk])
    assert item.accepted_by_id == olga.pk and item.pickup_eta == MADE + timedelta(minutes=10)
    return item


def test_the_rule_is_registered_with_30_days_and_can_be_set(settings):
    (rule,) = [r for r in retention_rules() if r.category == "ride_bench_requests"]
    assert rule.default_days == 30
    settings.PRIVACY_RETENTION_DAYS = {"ride_bench_requests": 7}
    (outcome,) = [o for o in run_retention(dry_run=True) if o.category == "ride_bench_requests"]
    assert outcome.days == 7


def test_kept_until_30_days_after_the_request_then_drivers_token_and_minutes_are_gone(taken):
    token = taken.token
    before = BenchRequest.objects.values().get(pk=taken.pk)
    # Day 30, to the microsecond: the cutoff equals the request's time, so it is kept as it is.
    with time_machine.travel(MADE + timedelta(days=30), tick=False):
        assert _outcome() == 0
    assert BenchRequest.objects.values().get(pk=taken.pk) == before
    assert selectors.bench_request_by_token(token=token).pk == taken.pk

    # One second later a dry run counts it and changes nothing.
    with time_machine.travel(MADE + timedelta(days=30, seconds=1), tick=False):
        assert _outcome(dry_run=True) == 1
        out = StringIO()
        call_command("privacy_retention", "--dry-run", stdout=out)
        assert "ride_bench_requests" in out.getvalue()
    assert BenchRequest.objects.values().get(pk=taken.pk) == before

    with time_machine.travel(MADE + timedelta(days=30, seconds=1), tick=False):
        assert _outcome() == 1
    item = BenchRequest.objects.get(pk=taken.pk)
    assert item.notified_drivers == [] and item.accepted_by_id is None and item.accepted_offer_id is None
    assert item.pickup_eta is None
    assert item.token.startswith(RETIRED_TOKEN_PREFIX) and len(item.token) == 43 and token not in item.token
    hour = datetime(2026, 6, 10, 7, 0, tzinfo=BERLIN)
    assert (item.created_at, item.accepted_at) == (hour, hour)
    assert item.expires_at == datetime(2026, 6, 10, 8, 0, tzinfo=BERLIN)  # 08:12 → 08:00, the same day
    # What the statistics read stays: bench, destination, status, the local day.
    assert (item.bench_id, item.destination_id, item.status) == (
        before["bench_id"],
        before["destination_id"],
        "accepted",
    )
    # The person's old link opens nothing any more.
    with pytest.raises(NotFound):
        selectors.bench_request_by_token(token=token)
    # Applied once: a later run finds nothing left to do.
    with time_machine.travel(MADE + timedelta(days=90), tick=False):
        assert _outcome() == 0
    assert BenchRequest.objects.get(pk=taken.pk).token == item.token


def test_a_younger_request_is_left_alone(taken):
    later = BenchRequest.objects.create(
        bench=taken.bench,
        destination=taken.destination,
        token="x" * 43,
        notified_drivers=[taken.accepted_by_id],
        expires_at=MADE + timedelta(days=1, minutes=30),
    )
    BenchRequest.objects.filter(pk=later.pk).update(created_at=MADE + timedelta(days=1))
    with time_machine.travel(MADE + timedelta(days=30, seconds=1), tick=False):
        assert _outcome() == 1
    later.refresh_from_db()
    assert later.token == "x" * 43 and later.notified_drivers == [taken.accepted_by_id]
    with time_machine.travel(MADE + timedelta(days=31, seconds=1), tick=False):
        assert _outcome() == 1
    later.refresh_from_db()
    assert later.token.startswith(RETIRED_TOKEN_PREFIX) and later.notified_drivers == []
