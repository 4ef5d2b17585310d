from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from carsharing import demo
from carsharing.models import BaseLoadBlock, Reservation, ReservationKind, ReservationStatus, Station, Tariff, Vehicle
from mobility.demo.accounts import create_demo_accounts
from mobility.demo.region import build_region_files
from tests.carsharing.conftest import aligned

pytestmark = pytest.mark.django_db


def test_demo_loads_and_reloads(tmp_path):
    create_demo_accounts()
    files = build_region_files(tmp_path)
    now = timezone.now()
    out = StringIO()
    demo.load(files, out, now=now)
    first = sorted(Reservation.objects.values_list("vehicle__plate", "kind", "status", "start"))
    assert (Station.objects.count(), Vehicle.objects.count(), Tariff.objects.count()) == (3, 4, 3)
    assert BaseLoadBlock.objects.count() == 1
    assert Reservation.objects.filter(kind=ReservationKind.OFFICIAL, base_load_block__isnull=False).count() >= 15
    assert Reservation.objects.filter(kind=ReservationKind.MEMBER, status=ReservationStatus.CONFIRMED).count() == 1
    assert Reservation.objects.filter(kind=ReservationKind.MEMBER, status=ReservationStatus.SETTLED).count() == 1
    assert "carsharing:" in out.getvalue()
    demo.load(files, StringIO(), now=now)
    assert sorted(Reservation.objects.values_list("vehicle__plate", "kind", "status", "start")) == first


def test_tick_command(fleet, carla):
    from carsharing import services

    start = aligned(24)
    r = services.reservation_create(
        user=carla, vehicle_id=fleet["vehicles"][0].pk, start=start, end=start + timedelta(hours=1)
    )
    out = StringIO()
    call_command("carsharing_tick", now=(timezone.now() + timedelta(minutes=20)).isoformat(), stdout=out)
    assert out.getvalue().strip() == "expired 1, no-shows 0"
    r.refresh_from_db()
    assert r.status == ReservationStatus.EXPIRED
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("carsharing_tick", now="yesterday")


def test_base_load_command_is_idempotent(fleet, stella):
    from datetime import date, time

    from carsharing import services

    services.base_load_block_create(
        operator=stella,
        vehicle_id=fleet["vehicles"][0].pk,
        weekdays=[2, 4],
        start_time=time(7, 30),
        end_time=time(9, 0),
        valid_from=date.today(),
        valid_until=None,
        cost_centre=stella.cost_centre,
        purpose="Grundlast",
    )
    out = StringIO()
    call_command("carsharing_base_load", weeks=3, verbosity=0, stdout=out)
    count = Reservation.objects.count()
    assert count >= 5
    call_command("carsharing_base_load", weeks=3, verbosity=0, stdout=StringIO())
    assert Reservation.objects.count() == count
