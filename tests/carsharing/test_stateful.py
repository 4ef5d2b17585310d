"""Random sequences of bookings, cancellations, extensions, check-ins and -outs, passing time and
vehicles going out of service; after every step: no overlaps, only valid status changes, never
more captured than authorised."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from carsharing import services
from carsharing.domain import policy
from carsharing.domain.policy import ceil_to_grid
from carsharing.models import BLOCKING_STATUSES, PaymentKind, PaymentRecord, Reservation, Vehicle
from mobility.errors import DomainError
from tests.carsharing.conftest import make_member, save_card


def _reachable() -> dict[str, set[str]]:
    closure = {state: set(targets) for state, targets in policy.TRANSITIONS.items()}
    changed = True
    while changed:
        changed = False
        for targets in closure.values():
            extra = set().union(*(closure[t] for t in targets)) - targets if targets else set()
            if extra:
                targets |= extra
                changed = True
    return closure


REACHABLE = _reachable()


class CarSharingMachine(RuleBasedStateMachine):
    reached: Counter = Counter()  # statuses and payment kinds seen at the end of each run
    members: list = []
    staff = None
    vehicles: list = []

    def __init__(self):
        super().__init__()
        PaymentRecord.objects.all().delete()
        Reservation.objects.all().delete()
        Vehicle.objects.update(in_service=True)
        self.clock = ceil_to_grid(timezone.now(), 15)
        self.seen: dict[int, str] = {}

    def _ids(self):
        return sorted(self.seen)

    def _try(self, fn, **kwargs):
        try:
            return fn(now=self.clock, **kwargs)
        except DomainError as exc:
            self.reached["error:" + exc.code] += 1
            return None

    @rule(
        who=st.integers(0, 2),
        car=st.integers(0, 1),
        offset=st.integers(0, 24),
        slots=st.integers(1, 16),
        confirm=st.booleans(),
    )
    def create(self, who, car, offset, slots, confirm):
        start = self.clock + timedelta(minutes=15 * offset)
        r = self._try(
            services.reservation_create,
            user=self.members[who],
            vehicle_id=self.vehicles[car].pk,
            start=start,
            end=start + timedelta(minutes=15 * slots),
        )
        if r is not None:
            self.seen[r.pk] = r.status
            if confirm:
                self.only_valid_transitions()
                self._try(services.reservation_confirm, user=r.user, reservation_id=r.pk)

    @rule(car=st.integers(0, 1), offset=st.integers(0, 40), slots=st.integers(2, 16))
    def official(self, car, offset, slots):
        start = self.clock + timedelta(minutes=15 * offset)
        r = self._try(
            services.reservation_create,
            user=self.staff,
            vehicle_id=self.vehicles[car].pk,
            start=start,
            end=start + timedelta(minutes=15 * slots),
            kind="official",
            purpose="Dienstfahrt",
        )
        if r is not None:
            self.seen[r.pk] = r.status

    def _pick(self, index, *statuses):
        """Mostly a reservation in one of ``statuses`` (so the rule has something to do), else any."""
        qs = Reservation.objects.filter(pk__in=self._ids()).order_by("pk")
        wanted = list(qs.filter(status__in=statuses)) if statuses and index % 5 else []
        pool = wanted or list(qs)
        return pool[index % len(pool)] if pool else None

    @rule(index=st.integers(0, 50))
    def confirm(self, index):
        r = self._pick(index, "held")
        if r is not None:
            self._try(services.reservation_confirm, user=r.user, reservation_id=r.pk)

    @rule(index=st.integers(0, 50))
    def cancel(self, index):
        r = self._pick(index, "held", "confirmed")
        if r is not None:
            self._try(services.reservation_cancel, user=r.user, reservation_id=r.pk)

    @rule(index=st.integers(0, 50), slots=st.integers(1, 8))
    def extend(self, index, slots):
        r = self._pick(index, "confirmed", "active")
        if r is not None:
            self._try(
                services.reservation_extend,
                user=r.user,
                reservation_id=r.pk,
                new_end=r.end + timedelta(minutes=15 * slots),
            )

    @rule(index=st.integers(0, 50))
    def check_in(self, index):
        r = self._pick(index, "confirmed")
        if r is not None:
            self._try(services.reservation_check_in, user=r.user, reservation_id=r.pk, odometer_km=100)

    @rule(index=st.integers(0, 50), km=st.integers(0, 300))
    def check_out(self, index, km):
        r = self._pick(index, "active")
        if r is not None:
            self._try(
                services.reservation_check_out,
                user=r.user,
                reservation_id=r.pk,
                odometer_km=100 + km,
                energy_level_pct=50,
            )

    @rule(minutes=st.sampled_from([5, 15, 40, 120, 600]))
    def time_passes(self, minutes):
        self.clock += timedelta(minutes=minutes)
        services.reservations_tick(now=self.clock)

    @rule(index=st.integers(0, 50))
    def until_a_start(self, index):
        """Time passes until a confirmed reservation begins (so check-ins happen)."""
        r = self._pick(index, "confirmed")
        if r is not None and r.status == "confirmed" and r.start > self.clock:
            self.clock = r.start
            services.reservations_tick(now=self.clock)

    @rule(index=st.integers(0, 50), km=st.integers(0, 300), late=st.sampled_from([-30, 0, 0, 45]))
    def a_whole_trip(self, index, km, late):
        """Time passes until a confirmed reservation begins; its member drives and returns."""
        upcoming = list(
            Reservation.objects.filter(pk__in=self._ids(), status="confirmed", start__gte=self.clock).order_by("pk")
        )
        if not upcoming:
            return
        r = upcoming[index % len(upcoming)]
        self.clock = r.start
        services.reservations_tick(now=self.clock)
        if self._try(services.reservation_check_in, user=r.user, reservation_id=r.pk, odometer_km=100) is None:
            return
        self.no_overlaps()
        self.only_valid_transitions()
        self.clock = max(self.clock + timedelta(minutes=15), r.end + timedelta(minutes=late))
        self._try(
            services.reservation_check_out, user=r.user, reservation_id=r.pk, odometer_km=100 + km, energy_level_pct=50
        )

    @rule(car=st.integers(0, 1), back_at_once=st.booleans())
    def out_of_service(self, car, back_at_once):
        """A vehicle breaks down: its upcoming bookings are pre-empted; maybe it is fixed at once."""
        services.vehicle_update(vehicle_id=self.vehicles[car].pk, in_service=False, now=self.clock)
        if back_at_once:
            self.only_valid_transitions()
            services.vehicle_update(vehicle_id=self.vehicles[car].pk, in_service=True, now=self.clock)

    @rule(car=st.integers(0, 1))
    def back_in_service(self, car):
        services.vehicle_update(vehicle_id=self.vehicles[car].pk, in_service=True, now=self.clock)

    @invariant()
    def no_overlaps(self):
        rows = list(
            Reservation.objects.filter(status__in=BLOCKING_STATUSES).values_list("vehicle_id", "start", "blocked_until")
        )
        rows.sort()
        for (v1, _s1, e1), (v2, s2, _e2) in zip(rows, rows[1:], strict=False):
            assert v1 != v2 or s2 >= e1, "two blocking reservations overlap"

    @invariant()
    def only_valid_transitions(self):
        for pk, status in Reservation.objects.filter(pk__in=self._ids()).values_list("pk", "status"):
            before = self.seen[pk]
            assert status == before or status in REACHABLE[before], f"{before} -> {status}"
            self.seen[pk] = status
            self.reached[status] += 1
        self.reached.update(f"{k}:{s}" for k, s in PaymentRecord.objects.values_list("kind", "status"))

    @invariant()
    def never_more_captured_than_authorised(self):
        for auth in PaymentRecord.objects.filter(kind=PaymentKind.AUTHORISE):
            captured = (
                PaymentRecord.objects.filter(kind=PaymentKind.CAPTURE, stripe_payment_intent=auth.stripe_payment_intent)
                .exclude(status="failed")
                .aggregate(total=Sum("amount_cents"))["total"]
                or 0
            )
            assert captured <= auth.amount_cents
            assert auth.captured_cents <= auth.amount_cents


RUN = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    database=None,
    derandomize=True,  # the same sequences every run: a failure is reproducible, coverage is stable
    suppress_health_check=list(HealthCheck),
)


def _prepare(fleet, stella, card: bool):
    CarSharingMachine.members = [make_member(f"s{i}@example.org") for i in range(3)]
    CarSharingMachine.staff = stella
    CarSharingMachine.vehicles = fleet["vehicles"][:2]
    if card:
        for member in CarSharingMachine.members:
            save_card(member)


@pytest.mark.django_db
def test_random_sequences_with_invoice_billing(fleet, stella):
    _prepare(fleet, stella, card=False)
    CarSharingMachine.reached.clear()
    run_state_machine_as_test(CarSharingMachine, settings=RUN)
    print(dict(CarSharingMachine.reached))
    # The sequences reach most of the life cycle (which exact ones depends on the clock's phase).
    statuses = {s for s in CarSharingMachine.reached if s in policy.TRANSITIONS}
    # (a seventh, cancelled or no_show, is reached on some clock phases only: not asserted)
    assert {"held", "confirmed", "active", "settled", "preempted", "expired"} <= statuses, statuses


@pytest.mark.django_db
def test_random_sequences_with_card_payments(stripe_on, fleet, stella):
    _prepare(fleet, stella, card=True)
    CarSharingMachine.reached.clear()
    run_state_machine_as_test(CarSharingMachine, settings=settings(RUN, max_examples=30))
    print(dict(CarSharingMachine.reached))
    for kind in ("authorise:succeeded", "capture:succeeded", "release:succeeded", "charge:succeeded"):
        assert CarSharingMachine.reached[kind] > 0, kind
