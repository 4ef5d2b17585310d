"""Access rows for the car-sharing endpoints.

``setup`` makes alice an approved member and gives the fleet; reservations belong to alice.
Fleet reads, prices and the webhook are public; reservations of others are 404; staff-only
and operator-only endpoints are 403 for residents.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from tests.access import (
    OPERATOR_CREATES,
    OPERATOR_ONLY,
    OWNER_ONLY,
    OWNER_OR_OPERATOR,
    PUBLIC,
    RESIDENTS_CREATE,
    SIGNED_IN,
    STAFF_CREATES,
    STAFF_ONLY,
    Endpoint,
    expect,
    lists_only,
    pk_of,
)


def _aligned(hours: float):
    from carsharing.domain.policy import ceil_to_grid

    return ceil_to_grid(timezone.now(), 15) + timedelta(minutes=int(hours * 60) // 15 * 15)


def fleet(ctx) -> None:
    from tests.factories import StationFactory, TariffFactory, VehicleFactory

    station = StationFactory(name="Rathaus", lat=51.0, lon=12.0)
    vtype = TariffFactory(vehicle_type__name="E-Kleinwagen", included_km=0).vehicle_type
    ctx.objects.update(
        station=station, vtype=vtype, car=VehicleFactory(plate="LD-E 1", vehicle_type=vtype, station=station)
    )


def member(ctx) -> None:
    from tests.factories import MembershipFactory

    fleet(ctx)
    MembershipFactory(user=ctx.alice, licence_number="B072", licence_expiry=date.today() + timedelta(days=900))


def applied(ctx) -> None:
    from carsharing.models import MembershipStatus
    from tests.factories import MembershipFactory

    ctx.objects["membership"] = MembershipFactory(
        user=ctx.alice,
        licence_number="B072",
        licence_expiry=date.today() + timedelta(days=900),
        status=MembershipStatus.APPLIED,
        checked_at=None,
        decided_at=None,
    )


def reservation(ctx, *, hours: float = 24, confirm: bool = False, check_in: bool = False, check_out: bool = False):
    from carsharing import services

    member(ctx)
    start = _aligned(hours)
    r = services.reservation_create(user=ctx.alice, vehicle_id=ctx.car.pk, start=start, end=start + timedelta(hours=1))
    if confirm or check_in or check_out:
        services.reservation_confirm(user=ctx.alice, reservation_id=r.pk)
    if check_in or check_out:
        services.reservation_check_in(user=ctx.alice, reservation_id=r.pk, odometer_km=10)
    if check_out:
        services.reservation_check_out(
            user=ctx.alice, reservation_id=r.pk, odometer_km=20, energy_level_pct=50, damage_report="Dent"
        )
    ctx.objects["reservation"] = r


def _settle(ctx) -> None:
    from carsharing import services

    services.reservation_settle(reservation_id=ctx.reservation.pk)


def official(ctx) -> None:
    from carsharing import services
    from carsharing.models import ReservationKind

    fleet(ctx)
    start = _aligned(72)
    ctx.objects["official"] = services.reservation_create(
        user=ctx.stella,
        vehicle_id=ctx.car.pk,
        start=start,
        end=start + timedelta(hours=4),
        kind=ReservationKind.OFFICIAL,
        purpose="x",
    )


def _window(hours: float = 24, length: float = 1) -> dict:
    start = _aligned(hours)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=length)).isoformat()}


RESERVATION = pk_of("reservation")

ROWS = [
    Endpoint("GET", "carsharing-stations", PUBLIC, setup=fleet),
    Endpoint(
        "POST", "carsharing-stations", OPERATOR_CREATES, data=lambda ctx: {"name": "Dorf", "lat": 51.1, "lon": 12.1}
    ),
    Endpoint("GET", "carsharing-vehicle-types", PUBLIC, setup=fleet),
    Endpoint(
        "POST",
        "carsharing-vehicle-types",
        OPERATOR_CREATES,
        data=lambda ctx: {"name": "Transporter", "seats": 3, "propulsion": "combustion", "range_km": 600},
    ),
    Endpoint("GET", "carsharing-vehicles", PUBLIC, setup=fleet),
    Endpoint(
        "POST",
        "carsharing-vehicles",
        OPERATOR_CREATES,
        setup=fleet,
        data=lambda ctx: {"plate": "LD-E 9", "vehicle_type": ctx.vtype.pk, "station": ctx.station.pk},
    ),
    Endpoint("GET", "carsharing-vehicle-detail", PUBLIC, setup=fleet, kwargs=pk_of("car")),
    Endpoint(
        "PATCH",
        "carsharing-vehicle-detail",
        OPERATOR_ONLY,
        setup=fleet,
        kwargs=pk_of("car"),
        data=lambda ctx: {"in_service": False},
    ),
    Endpoint("GET", "carsharing-vehicle-search", SIGNED_IN, setup=fleet, query=lambda ctx: _window()),
    Endpoint(
        "GET",
        "carsharing-vehicle-availability",
        SIGNED_IN,
        setup=fleet,
        kwargs=pk_of("car"),
        query=lambda ctx: _window(0, 24),
    ),
    Endpoint(
        "POST",
        "carsharing-vehicle-defects",
        expect(401, 201, 403, 201, 201),
        setup=lambda ctx: reservation(ctx, hours=0, check_in=True),
        kwargs=pk_of("car"),
        data=lambda ctx: {"description": "Warnleuchte Bremse", "blocks_use": False},
    ),
    Endpoint("GET", "carsharing-defects", OPERATOR_ONLY),
    Endpoint("GET", "carsharing-tariffs", PUBLIC, setup=fleet),
    Endpoint(
        "POST",
        "carsharing-tariffs",
        OPERATOR_CREATES,
        setup=fleet,
        data=lambda ctx: {
            "vehicle_type": ctx.vtype.pk,
            "per_hour_cents": 500,
            "daily_cap_cents": 5000,
            "per_km_cents": 25,
        },
    ),
    Endpoint("POST", "carsharing-quote", PUBLIC, setup=fleet, data=lambda ctx: {"vehicle": ctx.car.pk, **_window()}),
    Endpoint("GET", "carsharing-my-membership", OWNER_ONLY, setup=applied),
    Endpoint(
        "POST",
        "carsharing-my-membership",
        RESIDENTS_CREATE,
        data=lambda ctx: {"licence_number": "B072RRE2I55", "licence_expiry": str(date.today() + timedelta(days=400))},
    ),
    Endpoint("GET", "carsharing-memberships", STAFF_ONLY, setup=applied),
    Endpoint(
        "POST",
        "carsharing-membership-decision",
        STAFF_ONLY,
        setup=applied,
        kwargs=pk_of("membership"),
        data=lambda ctx: {"approve": True},
    ),
    Endpoint("GET", "carsharing-licence-checks-due", STAFF_ONLY, setup=member),
    Endpoint(
        "POST",
        "carsharing-licence-recheck",
        {**STAFF_ONLY, "staff": 201, "operator": 201},
        setup=lambda ctx: (member(ctx), ctx.objects.update(membership=ctx.alice.carsharing_membership)),
        kwargs=pk_of("membership"),
        data=lambda ctx: {"licence_expiry": (date.today() + timedelta(days=900)).isoformat()},
    ),
    Endpoint(
        "GET",
        "carsharing-reservations",
        SIGNED_IN,
        setup=reservation,
        check=lists_only("reservation", "owner", "operator"),
    ),
    Endpoint(
        "POST",
        "carsharing-reservations",
        expect(401, 201, 403, 403, 403),
        setup=member,
        data=lambda ctx: {"vehicle": ctx.car.pk, **_window()},
    ),
    Endpoint("GET", "carsharing-reservation-detail", OWNER_OR_OPERATOR, setup=reservation, kwargs=RESERVATION),
    Endpoint("POST", "carsharing-reservation-confirm", OWNER_OR_OPERATOR, setup=reservation, kwargs=RESERVATION),
    Endpoint("POST", "carsharing-reservation-cancel", OWNER_OR_OPERATOR, setup=reservation, kwargs=RESERVATION),
    Endpoint(
        "POST",
        "carsharing-reservation-extend",
        OWNER_OR_OPERATOR,
        setup=lambda ctx: reservation(ctx, confirm=True),
        kwargs=RESERVATION,
        data=lambda ctx: {"end": (ctx.reservation.end + timedelta(hours=1)).isoformat()},
    ),
    Endpoint(
        "POST",
        "carsharing-reservation-check-in",
        OWNER_OR_OPERATOR,
        setup=lambda ctx: reservation(ctx, hours=0, confirm=True),
        kwargs=RESERVATION,
        data=lambda ctx: {"odometer_km": 10},
    ),
    Endpoint(
        "POST",
        "carsharing-reservation-check-out",
        OWNER_OR_OPERATOR,
        setup=lambda ctx: reservation(ctx, hours=0, check_in=True),
        kwargs=RESERVATION,
        data=lambda ctx: {"odometer_km": 30, "energy_level_pct": 60},
    ),
    Endpoint(
        "POST",
        "carsharing-reservation-settle",
        OPERATOR_ONLY,
        setup=lambda ctx: reservation(ctx, hours=0, check_out=True),
        kwargs=RESERVATION,
        data=lambda ctx: {"extra_cents": 0},
    ),
    Endpoint(
        "POST",
        "carsharing-reservation-refund",
        OPERATOR_ONLY,
        setup=lambda ctx: reservation(ctx, hours=0, check_out=True) or _settle(ctx),
        kwargs=RESERVATION,
        data=lambda ctx: {"amount_cents": 100, "reason": "Kulanz"},
    ),
    Endpoint(
        "POST",
        "carsharing-reservation-release",
        STAFF_ONLY,
        setup=official,
        kwargs=pk_of("official"),
        data=lambda ctx: {
            "start": ctx.official.start.isoformat(),
            "end": (ctx.official.start + timedelta(hours=1)).isoformat(),
        },
    ),
    Endpoint(
        "POST",
        "carsharing-official-trips",
        STAFF_CREATES,
        setup=fleet,
        data=lambda ctx: {"vehicle": ctx.car.pk, **_window(48), "purpose": "Ortstermin", "cost_centre": "KST-1000"},
    ),
    Endpoint("GET", "carsharing-base-load-blocks", STAFF_ONLY),
    Endpoint(
        "POST",
        "carsharing-base-load-blocks",
        OPERATOR_CREATES,
        setup=fleet,
        data=lambda ctx: {
            "vehicle": ctx.car.pk,
            "weekdays": [1, 3],
            "start_time": "08:00",
            "end_time": "10:00",
            "valid_from": str(date.today()),
            "cost_centre": "KST-1000",
            "purpose": "Grundlast",
        },
    ),
    Endpoint("GET", "carsharing-utilisation", STAFF_ONLY, setup=fleet, query=lambda ctx: {"month": "2026-03"}),
    # Card setup needs Stripe; the test settings have none, so a member gets 503 (after the permission check).
    Endpoint("POST", "carsharing-card-setup", expect(401, 503, 403, 403, 403), setup=member),
    Endpoint(
        "POST",
        "carsharing-card",
        expect(401, 404, 403, 403, 403),
        setup=member,
        data=lambda ctx: {"setup_intent": "seti_123"},
    ),
    # The signature is the authentication; without a configured webhook secret it is 503 for everyone.
    Endpoint("POST", "carsharing-stripe-webhook", expect(503, 503, 503, 503, 503), data=lambda ctx: {"id": "evt_1"}),
]
