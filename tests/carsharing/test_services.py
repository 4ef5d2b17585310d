from datetime import date, timedelta

import pytest
from django.utils import timezone

from carsharing import selectors, services
from carsharing.models import (
    BaseLoadBlock,
    BaseLoadOccurrence,
    Billing,
    Membership,
    MembershipStatus,
    PaymentKind,
    PaymentRecord,
    Reservation,
    ReservationKind,
    ReservationStatus,
)
from mobility.errors import Conflict, Forbidden, ServiceUnavailable, ValidationFailed
from mobility.notifications.models import Notification
from tests.carsharing.conftest import aligned, make_member

pytestmark = pytest.mark.django_db


def book(user, vehicle, start, hours=2, **kw):
    return services.reservation_create(
        user=user, vehicle_id=vehicle.pk, start=start, end=start + timedelta(hours=hours), **kw
    )


def book_official(user, vehicle, start, hours=1, **kw):
    return book(user, vehicle, start, hours, kind=ReservationKind.OFFICIAL, **kw)


def test_member_reservation_is_held_with_estimate(fleet, carla):
    start = aligned(24)
    r = book(carla, fleet["vehicles"][0], start, hours=2)
    r.refresh_from_db()
    assert r.status == ReservationStatus.HELD
    assert r.kind == ReservationKind.MEMBER
    assert r.billing == Billing.INVOICE  # no Stripe key in tests: the invoice fallback
    assert r.blocked_until == r.end + timedelta(minutes=15)
    assert r.estimate_cents == 800
    assert r.held_until is not None


def test_overlap_and_buffer_are_refused_and_nothing_is_written(fleet, carla, dora):
    car = fleet["vehicles"][0]
    start = aligned(24)
    book(carla, car, start, hours=2)
    for other_start in (start + timedelta(hours=1), start + timedelta(hours=2), start - timedelta(hours=1)):
        with pytest.raises(Conflict) as info:
            book(dora, car, other_start, hours=1)
        assert info.value.code == "vehicle_unavailable"
    # after the 15-minute buffer the car is free again
    book(dora, car, start + timedelta(hours=2, minutes=15), hours=1)
    # and one that ends so that its buffer touches the first start is fine too
    book(dora, car, start - timedelta(hours=1, minutes=15), hours=1)
    assert Reservation.objects.filter(vehicle=car).count() == 3
    assert Reservation.objects.filter(user=dora).count() == 2


def test_other_vehicle_same_slot_is_fine(fleet, carla, dora):
    start = aligned(24)
    book(carla, fleet["vehicles"][0], start)
    book(dora, fleet["vehicles"][1], start)
    assert Reservation.objects.count() == 2


def test_window_rules_give_stable_codes(fleet, carla):
    car = fleet["vehicles"][0]
    start = aligned(24)
    cases = [
        (start + timedelta(minutes=7), start + timedelta(hours=1), "off_grid"),
        (start, start + timedelta(minutes=15), "too_short"),
        (start, start + timedelta(days=8), "too_long"),
        (start + timedelta(days=40), start + timedelta(days=40, hours=1), "beyond_horizon"),
        (aligned(-2), aligned(-1), "start_in_past"),
    ]
    for s, e, code in cases:
        with pytest.raises(ValidationFailed) as info:
            services.reservation_create(user=carla, vehicle_id=car.pk, start=s, end=e)
        assert info.value.code == code
    assert Reservation.objects.count() == 0


def test_only_approved_members_with_valid_licence_book(fleet, bob):
    start = aligned(24)
    with pytest.raises(Forbidden) as info:
        book(bob, fleet["vehicles"][0], start)
    assert info.value.code == "not_a_member"
    expired = make_member("old@example.org", expiry=date.today() - timedelta(days=1))
    with pytest.raises(Forbidden) as info:
        book(expired, fleet["vehicles"][0], start)
    assert info.value.code == "licence_expired"
    assert Reservation.objects.count() == 0


def test_refuse_fallback_without_stripe(fleet, carla, settings):
    settings.PAYMENTS_FALLBACK = "refuse"
    with pytest.raises(ServiceUnavailable) as info:
        book(carla, fleet["vehicles"][0], aligned(24))
    assert info.value.code == "payments_unavailable"
    assert Reservation.objects.count() == 0


def test_invoice_fallback_confirms_and_records_invoice(fleet, carla):
    r = book(carla, fleet["vehicles"][0], aligned(24))
    r = services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert r.status == ReservationStatus.CONFIRMED
    record = PaymentRecord.objects.get(reservation=r)
    assert (record.kind, record.amount_cents) == ("invoice", 800)
    # confirming twice is harmless
    assert services.reservation_confirm(user=carla, reservation_id=r.pk).status == ReservationStatus.CONFIRMED
    assert PaymentRecord.objects.filter(reservation=r).count() == 1


def test_others_cannot_touch_a_reservation(fleet, carla, dora):
    r = book(carla, fleet["vehicles"][0], aligned(24))
    from mobility.errors import NotFound

    with pytest.raises(NotFound):
        services.reservation_cancel(user=dora, reservation_id=r.pk)
    r.refresh_from_db()
    assert r.status == ReservationStatus.HELD


def test_hold_expires_and_stops_blocking(fleet, carla, dora):
    car = fleet["vehicles"][0]
    start = aligned(24)
    r = book(carla, car, start)
    later = timezone.now() + timedelta(minutes=16)
    assert services.reservations_tick(now=later) == {"expired": 1, "no_show": 0}
    r.refresh_from_db()
    assert r.status == ReservationStatus.EXPIRED
    with pytest.raises(Conflict) as info:
        services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert info.value.code == "invalid_transition"
    book(dora, car, start)


def test_stale_hold_is_expired_lazily_on_booking(fleet, carla, dora):
    car = fleet["vehicles"][0]
    start = aligned(24)
    r = book(carla, car, start)
    Reservation.objects.filter(pk=r.pk).update(held_until=timezone.now() - timedelta(seconds=1))
    book(dora, car, start)
    r.refresh_from_db()
    assert r.status == ReservationStatus.EXPIRED


def test_no_show_after_grace(fleet, carla):
    start = aligned(1)
    r = book(carla, fleet["vehicles"][0], start)
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert services.reservations_tick(now=start + timedelta(minutes=29))["no_show"] == 0
    assert services.reservations_tick(now=start + timedelta(minutes=31))["no_show"] == 1
    r.refresh_from_db()
    assert (r.status, r.fee_cents) == (ReservationStatus.NO_SHOW, 800)


def test_cancellation_fee_follows_policy(fleet, carla):
    early = book(carla, fleet["vehicles"][0], aligned(48))
    services.reservation_confirm(user=carla, reservation_id=early.pk)
    early = services.reservation_cancel(user=carla, reservation_id=early.pk)
    assert (early.status, early.fee_cents) == (ReservationStatus.CANCELLED, 0)
    late = book(carla, fleet["vehicles"][1], aligned(5))
    services.reservation_confirm(user=carla, reservation_id=late.pk)
    late = services.reservation_cancel(user=carla, reservation_id=late.pk)
    assert (late.status, late.fee_cents) == (ReservationStatus.CANCELLED, 400)
    assert (
        PaymentRecord.objects.filter(reservation=late, kind="invoice").values_list("amount_cents", flat=True)[1] == 400
    )
    with pytest.raises(Conflict):
        services.reservation_cancel(user=carla, reservation_id=late.pk)


def test_extend_when_free_and_refused_when_taken(fleet, carla, dora):
    car = fleet["vehicles"][0]
    start = aligned(24)
    r = book(carla, car, start, hours=2)
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    r = services.reservation_extend(user=carla, reservation_id=r.pk, new_end=start + timedelta(hours=3))
    assert r.end == start + timedelta(hours=3)
    assert r.estimate_cents == 1200
    book(dora, car, start + timedelta(hours=4), hours=1)
    with pytest.raises(Conflict) as info:
        services.reservation_extend(user=carla, reservation_id=r.pk, new_end=start + timedelta(hours=4))
    assert info.value.code == "vehicle_unavailable"
    r.refresh_from_db()
    assert r.end == start + timedelta(hours=3)


def test_check_in_out_with_km_and_late_fee(fleet, carla):
    car = fleet["vehicles"][0]
    start = aligned(1)
    r = book(carla, car, start, hours=1)
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    with pytest.raises(Conflict) as info:
        services.reservation_check_in(user=carla, reservation_id=r.pk, now=start - timedelta(hours=1))
    assert info.value.code == "too_early"
    services.reservation_check_in(user=carla, reservation_id=r.pk, odometer_km=1000, now=start)
    with pytest.raises(ValidationFailed) as info:
        services.reservation_check_out(
            user=carla, reservation_id=r.pk, odometer_km=900, energy_level_pct=50, now=start + timedelta(hours=1)
        )
    assert info.value.code == "odometer_invalid"
    r = services.reservation_check_out(
        user=carla, reservation_id=r.pk, odometer_km=1080, energy_level_pct=70, now=start + timedelta(minutes=90)
    )
    # 1 h booked = 400, 30 km beyond the 50 included = 600, late 30 min = 1000 + 200
    assert (r.status, r.fee_cents, r.actual_cents) == (ReservationStatus.SETTLED, 1200, 400 + 600 + 1200)
    car.refresh_from_db()
    assert car.odometer_km == 1080
    assert PaymentRecord.objects.filter(reservation=r, kind="invoice").last().amount_cents == 2200


def test_early_return_frees_the_rest(fleet, carla, dora):
    car = fleet["vehicles"][0]
    start = aligned(1)
    r = book(carla, car, start, hours=4)
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    services.reservation_check_in(user=carla, reservation_id=r.pk, now=start)
    r = services.reservation_check_out(
        user=carla, reservation_id=r.pk, odometer_km=10, energy_level_pct=80, now=start + timedelta(minutes=50)
    )
    assert r.end == start + timedelta(hours=1)
    assert r.actual_cents == 1600  # the booked four hours are paid
    book(dora, car, start + timedelta(hours=1, minutes=15), hours=1, now=start + timedelta(minutes=55))


def test_damage_report_waits_for_operator(fleet, carla):
    start = aligned(1)
    r = book(carla, fleet["vehicles"][0], start, hours=1)
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    services.reservation_check_in(user=carla, reservation_id=r.pk, now=start)
    r = services.reservation_check_out(
        user=carla, reservation_id=r.pk, odometer_km=5, energy_level_pct=40, damage_report="Scratch", now=start
    )
    assert r.status == ReservationStatus.RETURNED
    r = services.reservation_settle(reservation_id=r.pk, extra_cents=5000)
    assert (r.status, r.actual_cents) == (ReservationStatus.SETTLED, 5400)


def test_out_of_service_preempts_and_tells_members(fleet, carla):
    car = fleet["vehicles"][0]
    r = book(carla, car, aligned(24))
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    services.vehicle_update(vehicle_id=car.pk, in_service=False)
    r.refresh_from_db()
    assert (r.status, r.actual_cents) == (ReservationStatus.PREEMPTED, 0)
    assert Notification.objects.filter(user=carla, kind="carsharing.reservation_preempted").count() == 1
    with pytest.raises(Conflict) as info:
        book(carla, car, aligned(48))
    assert info.value.code == "vehicle_out_of_service"


def test_official_trip_confirmed_with_cost_centre(fleet, stella):
    start = aligned(24 * 60)  # beyond the member horizon, fine for official trips
    r = book_official(stella, fleet["vehicles"][0], start, hours=3, purpose="Bauamt Ortstermin")
    assert (r.status, r.billing, r.cost_centre.code) == (ReservationStatus.CONFIRMED, Billing.COST_CENTRE, "KST-1000")


def test_official_trip_never_displaces_member(fleet, carla, stella):
    car = fleet["vehicles"][0]
    start = aligned(24)
    book(carla, car, start)
    with pytest.raises(Conflict) as info:
        book_official(stella, car, start, hours=1, purpose="x")
    assert info.value.code == "member_reservation_conflict"
    assert Reservation.objects.filter(kind=ReservationKind.OFFICIAL).count() == 0


def test_official_trip_needs_staff_cost_centre_and_purpose(fleet, carla, otto):
    start = aligned(24)
    with pytest.raises(Forbidden):
        book_official(carla, fleet["vehicles"][0], start, hours=1)
    with pytest.raises(ValidationFailed) as info:
        book_official(otto, fleet["vehicles"][0], start, hours=1, purpose="x")
    assert info.value.code == "cost_centre_required"


def _block(fleet, stella, **kw):
    from datetime import time

    return services.base_load_block_create(
        operator=stella,
        vehicle_id=fleet["vehicles"][0].pk,
        weekdays=[1, 2, 3, 4, 5],
        start_time=time(8, 0),
        end_time=time(12, 0),
        valid_from=date.today(),
        valid_until=None,
        cost_centre=stella.cost_centre,
        purpose="Rathaus Dienstfahrten",
        **kw,
    )


def test_base_load_materialises_idempotently(fleet, stella):
    block = _block(fleet, stella)
    first = services.base_load_materialise(weeks=2)
    assert first["reservations"] == first["days"] > 0
    assert services.base_load_materialise(weeks=2) == {"days": 0, "reservations": 0, "days_partly_taken": 0}
    rows = Reservation.objects.filter(base_load_block=block)
    assert rows.count() == first["reservations"]
    for r in rows:
        local_start = timezone.localtime(r.start)
        assert local_start.isoweekday() <= 5
        assert local_start.hour >= 8 and timezone.localtime(r.end).hour == 12
        assert (r.kind, r.status, r.billing) == (
            ReservationKind.OFFICIAL,
            ReservationStatus.CONFIRMED,
            Billing.COST_CENTRE,
        )
    assert BaseLoadOccurrence.objects.filter(block=block).count() == first["days"]


def test_base_load_books_around_member_reservations(fleet, stella, carla):
    car = fleet["vehicles"][0]
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Berlin")
    day = timezone.localtime(timezone.now()).date() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    from datetime import datetime

    member_start = datetime.combine(day, datetime.min.time()).replace(hour=9, tzinfo=tz)
    book(carla, car, member_start, hours=1)
    block = _block(fleet, stella)
    result = services.base_load_materialise(weeks=1, block_ids=[block.pk])
    pieces = list(Reservation.objects.filter(base_load_block=block, start__date=day).order_by("start"))
    assert [
        (timezone.localtime(p.start).time().isoformat(), timezone.localtime(p.end).time().isoformat()) for p in pieces
    ] == [
        ("08:00:00", "08:45:00"),
        ("10:15:00", "12:00:00"),
    ]
    assert result["days_partly_taken"] == 1


def test_release_lets_members_book(fleet, stella, carla):
    car = fleet["vehicles"][0]
    start = aligned(72)
    official = book_official(stella, car, start, hours=4, purpose="Base load")
    with pytest.raises(Conflict):
        book(carla, car, start + timedelta(hours=1), hours=1)
    released = services.reservation_release(
        user=stella, reservation_id=official.pk, start=start + timedelta(hours=1), end=start + timedelta(hours=3)
    )
    assert (released.status, released.released) == (ReservationStatus.RELEASED, True)
    official.refresh_from_db()
    assert official.end == start + timedelta(hours=1)
    tail = Reservation.objects.get(
        kind=ReservationKind.OFFICIAL, status=ReservationStatus.CONFIRMED, start=start + timedelta(hours=3)
    )
    assert tail.end == start + timedelta(hours=4)
    member = book(carla, car, start + timedelta(hours=1, minutes=15), hours=1, now=timezone.now())
    assert member.status == ReservationStatus.HELD


def test_release_needs_notice(fleet, stella):
    start = aligned(10)
    official = book_official(stella, fleet["vehicles"][0], start, hours=2, purpose="x")
    with pytest.raises(Conflict) as info:
        services.reservation_release(
            user=stella, reservation_id=official.pk, start=start, end=start + timedelta(hours=2)
        )
    assert info.value.code == "release_too_late"
    official.refresh_from_db()
    assert official.status == ReservationStatus.CONFIRMED


def test_utilisation_report(fleet, stella, carla):
    car = fleet["vehicles"][0]
    now = timezone.now()
    start = aligned(1)
    r = book(carla, car, start, hours=2)
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    book_official(stella, car, start + timedelta(hours=3), hours=3, purpose="x")
    local = timezone.localtime(start)
    report = {row["plate"]: row for row in selectors.utilisation_month(year=local.year, month=local.month)}
    row = report[car.plate]
    end_local = timezone.localtime(start + timedelta(hours=6))
    if end_local.month == local.month:  # the test may run at the turn of a month
        assert (row["hours_member"], row["hours_official"]) == (2.0, 3.0)
        assert row["hours_idle"] == pytest.approx(row["hours_total"] - 5.0)
    assert report[fleet["vehicles"][1].plate]["share_idle"] == 1.0
    assert now


def test_membership_apply_and_decide(bob, stella):
    with pytest.raises(ValidationFailed) as info:
        services.membership_apply(user=bob, licence_number="X1234", licence_expiry=date.today() - timedelta(days=1))
    assert info.value.code == "licence_expired"
    m = services.membership_apply(user=bob, licence_number="X1234", licence_expiry=date.today() + timedelta(days=400))
    assert m.status == MembershipStatus.APPLIED
    m = services.membership_decide(staff=stella, membership_id=m.pk, approve=True)
    bob.refresh_from_db()
    assert (m.status, m.checked_by, bob.is_member) == (MembershipStatus.APPROVED, stella, True)
    with pytest.raises(Conflict):
        services.membership_decide(staff=stella, membership_id=m.pk, approve=False)
    with pytest.raises(Conflict):
        services.membership_apply(user=bob, licence_number="X1234", licence_expiry=date.today() + timedelta(days=400))
    assert Membership.objects.count() == 1


def test_payment_kinds_for_invoice_members(fleet, carla):
    r = book(carla, fleet["vehicles"][0], aligned(24))
    services.reservation_confirm(user=carla, reservation_id=r.pk)
    assert set(PaymentRecord.objects.values_list("kind", flat=True)) == {PaymentKind.INVOICE}
    assert BaseLoadBlock.objects.count() == 0


def test_blocking_defect_cancels_upcoming_bookings(fleet, carla, dora):
    car = fleet["vehicles"][0]
    start = aligned(1)
    mine = book(carla, car, start, hours=1)
    services.reservation_confirm(user=carla, reservation_id=mine.pk)
    services.reservation_check_in(user=carla, reservation_id=mine.pk, now=start)
    later = book(dora, car, start + timedelta(hours=3), hours=2)
    services.reservation_confirm(user=dora, reservation_id=later.pk)
    with pytest.raises(Forbidden) as info:
        services.vehicle_defect_report(user=dora, vehicle_id=car.pk, description="x", blocks_use=True, now=start)
    assert info.value.code == "no_recent_use"
    report = services.vehicle_defect_report(
        user=carla, vehicle_id=car.pk, description="Bremse schleift", blocks_use=True, now=start
    )
    assert report.preempted == 1
    later.refresh_from_db()
    mine.refresh_from_db()
    car.refresh_from_db()
    assert (later.status, mine.status, car.in_service) == (ReservationStatus.PREEMPTED, ReservationStatus.ACTIVE, False)
    assert Notification.objects.filter(user=dora, kind="carsharing.reservation_preempted").count() == 1
    with pytest.raises(Forbidden):  # carla never used the second car
        services.vehicle_defect_report(
            user=carla, vehicle_id=fleet["vehicles"][1].pk, description="x", blocks_use=False
        )


def test_minor_defect_keeps_the_vehicle_running(fleet, stella, carla):
    car = fleet["vehicles"][1]
    r = book(carla, car, aligned(24))
    report = services.vehicle_defect_report(user=stella, vehicle_id=car.pk, description="Kratzer", blocks_use=False)
    car.refresh_from_db()
    r.refresh_from_db()
    assert (report.preempted, car.in_service, r.status) == (0, True, ReservationStatus.HELD)


def test_defect_reports_are_exported_and_erased(fleet, stella):
    from carsharing import privacy

    services.vehicle_defect_report(
        user=stella, vehicle_id=fleet["vehicles"][0].pk, description="Sitz kaputt", blocks_use=False
    )
    exported = privacy.export_personal_data(stella)["defect_reports"]
    assert [d["description"] for d in exported] == ["Sitz kaputt"]
    assert privacy.erase_personal_data(stella)["defect_reports_erased"] == 1
    assert privacy.export_personal_data(stella)["defect_reports"][0]["description"] == "[erased]"
