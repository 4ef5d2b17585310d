"""Access rows for the ride-sharing endpoints.

Offers are public to signed-in users (privacy-filtered); requests and bookings only to
their parties (others get 404). Everyone signed in and verified may offer and ask for rides.
"""

from __future__ import annotations

from datetime import timedelta

from rides import services
from rides.services import Place
from tests.access import (
    OPERATOR_ONLY,
    OWNER_ONLY,
    PUBLIC,
    RESIDENTS_CREATE,
    SIGNED_IN,
    Endpoint,
    expect,
    lists_only,
    pk_of,
)
from tests.factories import MeetingPointFactory, NoShowReportFactory, UserFactory

from .helpers import herrenberg_row, trip


def _graph(ctx):
    herrenberg_row()
    ctx.objects["trip"] = trip()
    MeetingPointFactory(name="Mitfahrbank", lat=ctx.trip.pickup[0], lon=ctx.trip.pickup[1])


def _offer(ctx, driver):
    t = ctx.trip
    return services.offer_create(
        driver=driver,
        origin=Place(*t.origin),
        destination=Place(*t.destination),
        departure=t.departure,
        seats=2,
    )


def _request(ctx, rider):
    t = ctx.trip
    return services.request_create(
        rider=rider,
        origin=Place(*t.pickup),
        destination=Place(*t.dropoff),
        earliest_departure=t.departure - timedelta(minutes=30),
        latest_arrival=t.departure + timedelta(hours=2),
    )


def _alice_offer(ctx):
    _graph(ctx)
    ctx.objects["offer"] = _offer(ctx, ctx.alice)


def _alice_request(ctx):
    _graph(ctx)
    ctx.objects["offer"] = _offer(ctx, UserFactory(display_name="Dave"))
    ctx.objects["request"] = _request(ctx, ctx.alice)


def _alice_rides(ctx):
    """Alice rides with Dave (Alice owns the booking as rider)."""
    _alice_request(ctx)
    ctx.objects["booking"] = services.booking_create(
        rider=ctx.alice, request_id=ctx.request.pk, offer_id=ctx.offer.pk, occurrence_date=ctx.trip.departure.date()
    )


def _alice_drives(ctx):
    """Dave rides with Alice (Alice owns the booking's offer as driver)."""
    _alice_offer(ctx)
    dave = UserFactory(display_name="Dave")
    request = _request(ctx, dave)
    ctx.objects["booking"] = services.booking_create(
        rider=dave, request_id=request.pk, offer_id=ctx.offer.pk, occurrence_date=ctx.trip.departure.date()
    )


def _report(ctx):
    """Dave reported Alice as a no-show (written directly: the ride is over only in the future)."""
    _alice_rides(ctx)
    ctx.objects["report"] = NoShowReportFactory(booking=ctx.booking)


def _benches(ctx):
    _graph(ctx)
    ctx.objects["bench"] = MeetingPointFactory(name="Bank Nord", lat=ctx.trip.pickup[0], lon=ctx.trip.pickup[1])
    ctx.objects["village"] = MeetingPointFactory(name="Bank Süd", lat=ctx.trip.dropoff[0], lon=ctx.trip.dropoff[1])


def _bench_request_for_alice(ctx):
    """Someone waits at the bench; Alice (opted in) was told."""
    _benches(ctx)
    services.bench_opt_in(driver=ctx.alice, bench_id=ctx.bench.pk)
    ctx.objects["bench_request"] = services.bench_request_create(code=ctx.bench.code, destination_id=ctx.village.pk)


def _alice_opt_in(ctx):
    _benches(ctx)
    ctx.objects["opt_in"] = services.bench_opt_in(driver=ctx.alice, bench_id=ctx.bench.pk)


def _offer_body(ctx):
    return ctx.trip.offer_body()


def _request_body(ctx):
    return ctx.trip.request_body()


def _offer_privacy(response, persona, ctx):
    if response.status_code == 200:
        body = response.json()
        assert body["origin"]["exact"] is (persona == "owner")
        assert (body["driver"] is None) is (persona != "owner")


ROWS = [
    Endpoint("GET", "ride-meeting-point-list", PUBLIC, setup=_graph),
    Endpoint("GET", "ride-offer-list", SIGNED_IN, setup=_alice_offer, check=lists_only("offer")),
    Endpoint("POST", "ride-offer-list", RESIDENTS_CREATE, setup=_graph, data=_offer_body),
    Endpoint("GET", "ride-offer-detail", SIGNED_IN, setup=_alice_offer, kwargs=pk_of("offer"), check=_offer_privacy),
    Endpoint(
        "POST",
        "ride-offer-cancel",
        OWNER_ONLY,
        setup=_alice_offer,
        kwargs=pk_of("offer"),
        data=lambda ctx: {"reason": "ill"},
    ),
    Endpoint("GET", "ride-request-list", SIGNED_IN, setup=_alice_request, check=lists_only("request")),
    Endpoint("POST", "ride-request-list", RESIDENTS_CREATE, setup=_graph, data=_request_body),
    Endpoint("GET", "ride-request-detail", OWNER_ONLY, setup=_alice_request, kwargs=pk_of("request")),
    Endpoint("GET", "ride-request-matches", OWNER_ONLY, setup=_alice_request, kwargs=pk_of("request")),
    Endpoint("POST", "ride-request-cancel", OWNER_ONLY, setup=_alice_request, kwargs=pk_of("request")),
    Endpoint("GET", "ride-booking-list", SIGNED_IN, setup=_alice_rides, check=lists_only("booking")),
    Endpoint(
        "POST",
        "ride-booking-list",
        expect(401, 201, 404, 404, 404),
        setup=_alice_request,
        data=lambda ctx: {
            "request": ctx.request.pk,
            "offer": ctx.offer.pk,
            "occurrence_date": ctx.trip.departure.date().isoformat(),
        },
    ),
    Endpoint("GET", "ride-booking-detail", OWNER_ONLY, setup=_alice_rides, kwargs=pk_of("booking")),
    Endpoint("POST", "ride-booking-accept", OWNER_ONLY, setup=_alice_drives, kwargs=pk_of("booking")),
    Endpoint(
        "POST",
        "ride-booking-decline",
        OWNER_ONLY,
        setup=_alice_drives,
        kwargs=pk_of("booking"),
        data=lambda ctx: {"reason": "no room"},
    ),
    Endpoint(
        "POST",
        "ride-booking-cancel",
        OWNER_ONLY,
        setup=_alice_rides,
        kwargs=pk_of("booking"),
        data=lambda ctx: {"reason": "plans changed"},
    ),
    # Trust: ratings and no-show reports need a confirmed ride that is over (409 before), the
    # operator handles reports and sees the trust profile.
    Endpoint(
        "POST",
        "ride-booking-rating",
        expect(401, 409, 404, 404, 404),
        setup=_alice_rides,
        kwargs=pk_of("booking"),
        data=lambda ctx: {"score": 5},
    ),
    Endpoint(
        "POST",
        "ride-booking-no-show",
        expect(401, 409, 404, 404, 404),
        setup=_alice_rides,
        kwargs=pk_of("booking"),
        data=lambda ctx: {"note": ""},
    ),
    Endpoint("GET", "ride-user-rating", SIGNED_IN, kwargs=pk_of("alice")),
    Endpoint("GET", "ride-user-trust", OPERATOR_ONLY, kwargs=pk_of("alice")),
    Endpoint("GET", "ride-no-show-report-list", OPERATOR_ONLY, setup=_report),
    Endpoint(
        "POST",
        "ride-no-show-report-decide",
        OPERATOR_ONLY,
        setup=_report,
        kwargs=pk_of("report"),
        data=lambda ctx: {"upheld": False},
    ),
    # The Mitfahrbank: anyone at the bench may ask and follow their request by its token;
    # only a told driver may accept; opt-ins are the driver's own.
    Endpoint(
        "POST",
        "ride-bench-request-create",
        expect(201, 201, 201, 201, 201),
        setup=_benches,
        kwargs=lambda ctx: {"code": ctx.bench.code},
        data=lambda ctx: {"destination": ctx.village.pk},
    ),
    Endpoint(
        "GET",
        "ride-bench-request-status",
        PUBLIC,
        setup=_bench_request_for_alice,
        kwargs=lambda ctx: {"token": ctx.bench_request.token},
    ),
    Endpoint(
        "POST",
        "ride-bench-request-accept",
        OWNER_ONLY,
        setup=_bench_request_for_alice,
        kwargs=pk_of("bench_request"),
    ),
    Endpoint("GET", "ride-bench-opt-in-list", SIGNED_IN, setup=_alice_opt_in, check=lists_only("opt_in")),
    Endpoint(
        "POST",
        "ride-bench-opt-in-list",
        RESIDENTS_CREATE,
        setup=_benches,
        data=lambda ctx: {"bench": ctx.bench.pk, "destination": ctx.village.pk},
    ),
    Endpoint(
        "DELETE",
        "ride-bench-opt-in-delete",
        expect(401, 204, 404, 404, 404),
        setup=_alice_opt_in,
        kwargs=pk_of("opt_in"),
    ),
]
