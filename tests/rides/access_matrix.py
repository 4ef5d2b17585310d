"""Access rows for the ride-sharing endpoints.

Offers are public to signed-in users (privacy-filtered); requests and bookings only to
their parties (others get 404). Everyone signed in and verified may offer and ask for rides.
"""

from __future__ import annotations

from datetime import timedelta

from rides import services
from rides.models import MeetingPoint
from rides.services import Place
from tests.access import Endpoint, expect
from tests.factories import UserFactory

from .helpers import herrenberg_row, trip


def _graph(ctx):
    herrenberg_row()
    ctx.objects["trip"] = trip()
    MeetingPoint.objects.create(name="Mitfahrbank", lat=ctx.trip.pickup[0], lon=ctx.trip.pickup[1])


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
    from rides.models import NoShowReport

    _alice_rides(ctx)
    dave = ctx.offer.driver
    ctx.objects["report"] = NoShowReport.objects.create(
        booking=ctx.booking, reporter_role="driver", reporter=dave, reported=ctx.alice
    )


def _benches(ctx):
    _graph(ctx)
    ctx.objects["bench"] = MeetingPoint.objects.create(name="Bank Nord", lat=ctx.trip.pickup[0], lon=ctx.trip.pickup[1])
    ctx.objects["village"] = MeetingPoint.objects.create(
        name="Bank Süd", lat=ctx.trip.dropoff[0], lon=ctx.trip.dropoff[1]
    )


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


def _only_own(response, persona, ctx):
    if response.status_code == 200:
        body = response.json()
        assert (len(body["results"]) > 0) == (persona == "owner")


def _offer_privacy(response, persona, ctx):
    if response.status_code == 200:
        body = response.json()
        assert body["origin"]["exact"] is (persona == "owner")
        assert (body["driver"] is None) is (persona != "owner")


ROWS = [
    Endpoint("GET", "ride-meeting-point-list", expect(200, 200, 200, 200, 200), setup=_graph),
    Endpoint("GET", "ride-offer-list", expect(401, 200, 200, 200, 200), setup=_alice_offer, check=_only_own),
    Endpoint("POST", "ride-offer-list", expect(401, 201, 201, 201, 201), setup=_graph, data=_offer_body),
    Endpoint(
        "GET",
        "ride-offer-detail",
        expect(401, 200, 200, 200, 200),
        setup=_alice_offer,
        kwargs=lambda ctx: {"pk": ctx.offer.pk},
        check=_offer_privacy,
    ),
    Endpoint(
        "POST",
        "ride-offer-cancel",
        expect(401, 200, 404, 404, 404),
        setup=_alice_offer,
        kwargs=lambda ctx: {"pk": ctx.offer.pk},
        data=lambda ctx: {"reason": "ill"},
    ),
    Endpoint("GET", "ride-request-list", expect(401, 200, 200, 200, 200), setup=_alice_request, check=_only_own),
    Endpoint("POST", "ride-request-list", expect(401, 201, 201, 201, 201), setup=_graph, data=_request_body),
    Endpoint(
        "GET",
        "ride-request-detail",
        expect(401, 200, 404, 404, 404),
        setup=_alice_request,
        kwargs=lambda ctx: {"pk": ctx.request.pk},
    ),
    Endpoint(
        "GET",
        "ride-request-matches",
        expect(401, 200, 404, 404, 404),
        setup=_alice_request,
        kwargs=lambda ctx: {"pk": ctx.request.pk},
    ),
    Endpoint(
        "POST",
        "ride-request-cancel",
        expect(401, 200, 404, 404, 404),
        setup=_alice_request,
        kwargs=lambda ctx: {"pk": ctx.request.pk},
    ),
    Endpoint("GET", "ride-booking-list", expect(401, 200, 200, 200, 200), setup=_alice_rides, check=_only_own),
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
    Endpoint(
        "GET",
        "ride-booking-detail",
        expect(401, 200, 404, 404, 404),
        setup=_alice_rides,
        kwargs=lambda ctx: {"pk": ctx.booking.pk},
    ),
    Endpoint(
        "POST",
        "ride-booking-accept",
        expect(401, 200, 404, 404, 404),
        setup=_alice_drives,
        kwargs=lambda ctx: {"pk": ctx.booking.pk},
    ),
    Endpoint(
        "POST",
        "ride-booking-decline",
        expect(401, 200, 404, 404, 404),
        setup=_alice_drives,
        kwargs=lambda ctx: {"pk": ctx.booking.pk},
        data=lambda ctx: {"reason": "no room"},
    ),
    Endpoint(
        "POST",
        "ride-booking-cancel",
        expect(401, 200, 404, 404, 404),
        setup=_alice_rides,
        kwargs=lambda ctx: {"pk": ctx.booking.pk},
        data=lambda ctx: {"reason": "plans changed"},
    ),
    # Trust: ratings and no-show reports need a confirmed ride that is over (409 before), the
    # operator handles reports and sees the trust profile.
    Endpoint(
        "POST",
        "ride-booking-rating",
        expect(401, 409, 404, 404, 404),
        setup=_alice_rides,
        kwargs=lambda ctx: {"pk": ctx.booking.pk},
        data=lambda ctx: {"score": 5},
    ),
    Endpoint(
        "POST",
        "ride-booking-no-show",
        expect(401, 409, 404, 404, 404),
        setup=_alice_rides,
        kwargs=lambda ctx: {"pk": ctx.booking.pk},
        data=lambda ctx: {"note": ""},
    ),
    Endpoint("GET", "ride-user-rating", expect(401, 200, 200, 200, 200), kwargs=lambda ctx: {"pk": ctx.alice.pk}),
    Endpoint("GET", "ride-user-trust", expect(401, 403, 403, 403, 200), kwargs=lambda ctx: {"pk": ctx.alice.pk}),
    Endpoint("GET", "ride-no-show-report-list", expect(401, 403, 403, 403, 200), setup=_report),
    Endpoint(
        "POST",
        "ride-no-show-report-decide",
        expect(401, 403, 403, 403, 200),
        setup=_report,
        kwargs=lambda ctx: {"pk": ctx.report.pk},
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
        expect(200, 200, 200, 200, 200),
        setup=_bench_request_for_alice,
        kwargs=lambda ctx: {"token": ctx.bench_request.token},
    ),
    Endpoint(
        "POST",
        "ride-bench-request-accept",
        expect(401, 200, 404, 404, 404),
        setup=_bench_request_for_alice,
        kwargs=lambda ctx: {"pk": ctx.bench_request.pk},
    ),
    Endpoint("GET", "ride-bench-opt-in-list", expect(401, 200, 200, 200, 200), setup=_alice_opt_in, check=_only_own),
    Endpoint(
        "POST",
        "ride-bench-opt-in-list",
        expect(401, 201, 201, 201, 201),
        setup=_benches,
        data=lambda ctx: {"bench": ctx.bench.pk, "destination": ctx.village.pk},
    ),
    Endpoint(
        "DELETE",
        "ride-bench-opt-in-delete",
        expect(401, 204, 404, 404, 404),
        setup=_alice_opt_in,
        kwargs=lambda ctx: {"pk": ctx.opt_in.pk},
    ),
]
