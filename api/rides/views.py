"""Ride-sharing endpoints: offers, requests with matches, bookings. One small view per operation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY_HEADER, idempotent
from api.permissions import IsOperator, IsResident
from api.schema import error_responses
from mobility.errors import NotFound
from rides import selectors, services
from rides.models import BookingStatus, ReportStatus
from rides.services import Place

from . import serializers as s


def _place(data: dict) -> Place:
    return Place(
        lat=data.get("lat"),
        lon=data.get("lon"),
        meeting_point_id=data.get("meeting_point"),
        stop_id=data.get("stop"),
    )


def _confirmed_offers(user) -> set[int]:
    return set(user.ride_bookings.filter(status=BookingStatus.CONFIRMED).values_list("offer_id", flat=True).distinct())


def _offer_context(user) -> dict:
    return {"user": user, "confirmed_offers": _confirmed_offers(user)}


class MeetingPointListView(generics.ListAPIView):
    """Public list of the municipality's meeting points (Mitfahrbänke, stops)."""

    permission_classes = [AllowAny]
    serializer_class = s.MeetingPointSerializer

    def get_queryset(self):
        return selectors.meeting_points_active()


class OfferListCreateView(generics.ListAPIView):
    """Your own offers (paginated); POST offers a ride."""

    permission_classes = [IsResident]
    serializer_class = s.OfferSerializer

    def get_queryset(self):
        return selectors.offers_for_user(user=self.request.user).select_related("driver").order_by("-departure", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **_offer_context(self.request.user)}

    @extend_schema(responses={200: s.OfferSerializer(many=True), **error_responses(401, 403)})
    def get(self, request, *args, **kwargs):
        """Your own offers."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.OfferCreateSerializer, responses={201: s.OfferSerializer, **error_responses(400, 401, 403, 422, 503)}
    )
    def post(self, request):
        """Offer a ride; the route is computed now and waiting riders are notified."""
        data = s.OfferCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        offer = services.offer_create(
            driver=request.user,
            origin=_place(v["origin"]),
            destination=_place(v["destination"]),
            departure=v["departure"],
            seats=v["seats"],
            cost_share_cents=v["cost_share_cents"],
            tolls_cents=v["tolls_cents"],
            women_riders_only=v["women_riders_only"],
            max_detour_minutes=v["max_detour_minutes"],
            weekdays=[day - 1 for day in v["weekdays"]],  # ISO 1-7 in the API, 0-6 in the domain
            recurrence_until=v["recurrence_until"],
            recurrence_exceptions=v["recurrence_exceptions"],
        )
        return Response(s.OfferSerializer(offer, context=_offer_context(request.user)).data, status=201)


class OfferDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.OfferSerializer, **error_responses(401, 404)})
    def get(self, request, pk: int):
        """An offer; others see only meeting points or rounded places until a booking is confirmed."""
        offer = selectors.offers_visible_to(user=request.user).filter(pk=pk).first()
        if offer is None:
            raise NotFound("No such offer.", code="offer_not_found")
        return Response(s.OfferSerializer(offer, context=_offer_context(request.user)).data)


class OfferCancelView(APIView):
    permission_classes = [IsResident]

    @extend_schema(
        request=s.ReasonSerializer, responses={200: s.OfferSerializer, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = services.offer_cancel(driver=request.user, offer_id=pk, reason=data.validated_data["reason"])
        return Response(s.OfferSerializer(offer, context=_offer_context(request.user)).data)


class RequestListCreateView(generics.ListAPIView):
    """Your own ride requests (paginated); POST looks for a ride."""

    permission_classes = [IsResident]
    serializer_class = s.RequestSerializer

    def get_queryset(self):
        return selectors.requests_for_user(user=self.request.user).order_by("-earliest_departure", "-id")

    @extend_schema(responses={200: s.RequestSerializer(many=True), **error_responses(401, 403)})
    def get(self, request, *args, **kwargs):
        """Your own ride requests."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.RequestCreateSerializer,
        responses={201: s.RequestWithMatchesSerializer, **error_responses(400, 401, 403, 422, 503)},
    )
    def post(self, request):
        """Look for a ride: the request is stored and the fitting offers come back, ranked."""
        data = s.RequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        ride_request = services.request_create(
            rider=request.user,
            origin=_place(v["origin"]),
            destination=_place(v["destination"]),
            earliest_departure=v["earliest_departure"],
            latest_arrival=v["latest_arrival"],
            seats=v["seats"],
            pickup_mode=v["pickup_mode"],
            max_walk_m=v["max_walk_m"],
            women_drivers_only=v["women_drivers_only"],
        )
        matches = selectors.request_matches(request=ride_request)
        context = {**_offer_context(request.user), "matches": matches}
        return Response(s.RequestWithMatchesSerializer(ride_request, context=context).data, status=201)


def _own_request(user, pk: int):
    ride_request = selectors.requests_for_user(user=user).filter(pk=pk).select_related("graph").first()
    if ride_request is None:
        raise NotFound("No such request.", code="request_not_found")
    return ride_request


class RequestDetailView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={200: s.RequestSerializer, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        return Response(s.RequestSerializer(_own_request(request.user, pk)).data)


class RequestMatchesView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={200: s.MatchSerializer(many=True), **error_responses(401, 403, 404, 503)})
    def get(self, request, pk: int):
        """The rides that fit this request now, best first."""
        matches = selectors.request_matches(request=_own_request(request.user, pk))
        return Response(s.MatchSerializer(matches, many=True, context=_offer_context(request.user)).data)


class RequestCancelView(APIView):
    permission_classes = [IsResident]

    @extend_schema(request=None, responses={200: s.RequestSerializer, **error_responses(401, 403, 404, 409)})
    def post(self, request, pk: int):
        return Response(s.RequestSerializer(services.request_cancel(rider=request.user, request_id=pk)).data)


class BookingListCreateView(generics.ListAPIView):
    """Bookings where you are the rider or the driver (paginated); POST asks for seats."""

    permission_classes = [IsResident]
    serializer_class = s.BookingSerializer

    def get_queryset(self):
        return selectors.bookings_for_user(user=self.request.user).order_by("-occurrence_date", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user": self.request.user}

    @extend_schema(responses={200: s.BookingSerializer(many=True), **error_responses(401, 403)})
    def get(self, request, *args, **kwargs):
        """Bookings where you are the rider or the driver."""
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.BookingCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.BookingSerializer, **error_responses(400, 401, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request):
        """Ask for seats on a ride that fits your request; the seats are held until the driver answers."""
        data = s.BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        booking = services.booking_create(
            rider=request.user, request_id=v["request"], offer_id=v["offer"], occurrence_date=v["occurrence_date"]
        )
        return Response(
            s.BookingSerializer(booking, context={"user": request.user}).data, status=status.HTTP_201_CREATED
        )


class BookingDetailView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={200: s.BookingSerializer, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        booking = selectors.bookings_for_user(user=request.user).filter(pk=pk).first()
        if booking is None:
            raise NotFound("No such booking.", code="booking_not_found")
        return Response(s.BookingSerializer(booking, context={"user": request.user}).data)


class BookingAcceptView(APIView):
    permission_classes = [IsResident]

    @extend_schema(request=None, responses={200: s.BookingSerializer, **error_responses(401, 403, 404, 409)})
    def post(self, request, pk: int):
        """The driver confirms a requested booking."""
        booking = services.booking_accept(driver=request.user, booking_id=pk)
        return Response(s.BookingSerializer(booking, context={"user": request.user}).data)


class BookingDeclineView(APIView):
    permission_classes = [IsResident]

    @extend_schema(
        request=s.ReasonSerializer, responses={200: s.BookingSerializer, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        """The driver declines a requested booking."""
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_decline(driver=request.user, booking_id=pk, reason=data.validated_data["reason"])
        return Response(s.BookingSerializer(booking, context={"user": request.user}).data)


class BookingCancelView(APIView):
    permission_classes = [IsResident]

    @extend_schema(
        request=s.RequiredReasonSerializer,
        responses={200: s.BookingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        """Rider or driver cancels, with a reason."""
        data = s.RequiredReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_cancel(user=request.user, booking_id=pk, reason=data.validated_data["reason"])
        return Response(s.BookingSerializer(booking, context={"user": request.user}).data)


# -- trust --------------------------------------------------------------------------------------
class BookingRatingView(APIView):
    permission_classes = [IsResident]

    @extend_schema(
        request=s.RatingInput, responses={201: s.RatingSerializer, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        """After the ride, rate the other side once (1–5, optional text; others see only averages)."""
        data = s.RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.rating_create(user=request.user, booking_id=pk, **data.validated_data)
        return Response(s.RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class BookingNoShowView(APIView):
    permission_classes = [IsResident]

    @extend_schema(
        request=s.NoShowInput, responses={201: s.NoShowReportSerializer, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        """Report that the other side did not turn up (after the pickup time); the operator decides."""
        data = s.NoShowInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.no_show_report(user=request.user, booking_id=pk, note=data.validated_data["note"])
        return Response(s.NoShowReportSerializer(report).data, status=status.HTTP_201_CREATED)


class UserRatingView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={200: s.RatingSummarySerializer, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        """A person's ratings as others see them: the count, and the average from 3 ratings on."""
        from mobility.accounts.selectors import active_user

        user = active_user(user_id=pk)
        summary = selectors.rating_summary(user=user)
        return Response({"count": summary.count, "average": summary.average})


class NoShowReportListView(generics.ListAPIView):
    """Operator: no-show reports, newest first (``?status=open|upheld|dismissed``)."""

    permission_classes = [IsOperator]
    serializer_class = s.NoShowReportSerializer

    def get_queryset(self):
        wanted = self.request.query_params.get("status")
        return selectors.no_show_reports(status=wanted if wanted in ReportStatus.values else None)

    @extend_schema(responses={200: s.NoShowReportSerializer(many=True), **error_responses(401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NoShowReportDecideView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(
        request=s.ReportDecisionInput,
        responses={200: s.NoShowReportSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        """Operator: uphold or dismiss a no-show report."""
        data = s.ReportDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.no_show_report_decide(operator=request.user, report_id=pk, **data.validated_data)
        return Response(s.NoShowReportSerializer(report).data)


class UserTrustView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(responses={200: s.TrustProfileSerializer, **error_responses(401, 403, 404)})
    def get(self, request, pk: int):
        """Operator: a person's ratings, no-show reports and late cancellations (access is logged)."""
        from mobility.accounts.selectors import user_get
        from mobility.privacy.services import personal_data_access_record

        user = user_get(user_id=pk)
        personal_data_access_record(
            actor=request.user,
            subject=user,
            what="ride-sharing trust profile",
            reason=request.query_params.get("reason", ""),
            path=request.path,
        )
        return Response(selectors.trust_profile(user=user))


# -- the Mitfahrbank ----------------------------------------------------------------------------
class BenchRequestCreateView(APIView):
    """Someone at a bench asks for a lift; no account needed (the bench's QR code leads here)."""

    permission_classes = [AllowAny]

    def get_throttles(self):
        from api.throttles import BenchThrottle

        return [BenchThrottle()]

    @extend_schema(
        request=s.BenchRequestInput,
        responses={201: s.BenchRequestCreatedSerializer, **error_responses(400, 404, 409, 429)},
    )
    def post(self, request, code: str):
        data = s.BenchRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.bench_request_create(
            code=code,
            destination_id=data.validated_data["destination"],
            requester=request.user,
            women_drivers_only=data.validated_data["women_drivers_only"],
        )
        return Response(s.BenchRequestCreatedSerializer(item).data, status=status.HTTP_201_CREATED)


class BenchRequestStatusView(APIView):
    """The person's own request, by its secret token: waiting, accepted (who, when), expired."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.BenchRequestSerializer, **error_responses(404)})
    def get(self, request, token: str):
        item = selectors.bench_request_by_token(token=token)
        return Response(s.BenchRequestSerializer(item).data)


class BenchRequestAcceptView(APIView):
    permission_classes = [IsResident]

    @extend_schema(
        request=s.BenchAcceptInput, responses={200: s.BenchRequestSerializer, **error_responses(400, 401, 404, 409)}
    )
    def post(self, request, pk: int):
        """A driver who was told takes the person waiting; the first one wins (409 afterwards)."""
        data = s.BenchAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.bench_request_accept(driver=request.user, request_id=pk, **data.validated_data)
        return Response(s.BenchRequestSerializer(item).data)


class BenchOptInListCreateView(generics.ListAPIView):
    """Your spontaneous-pickup opt-ins; POST one for a bench (and a destination, or any)."""

    permission_classes = [IsResident]
    serializer_class = s.BenchOptInSerializer

    def get_queryset(self):
        return selectors.bench_opt_ins_of(driver=self.request.user)

    @extend_schema(responses={200: s.BenchOptInSerializer(many=True), **error_responses(401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.BenchOptInInput, responses={201: s.BenchOptInSerializer, **error_responses(400, 401, 404)})
    def post(self, request):
        data = s.BenchOptInInput(data=request.data)
        data.is_valid(raise_exception=True)
        opt_in = services.bench_opt_in(
            driver=request.user,
            bench_id=data.validated_data["bench"],
            destination_id=data.validated_data["destination"],
        )
        return Response(s.BenchOptInSerializer(opt_in).data, status=status.HTTP_201_CREATED)


class BenchOptInDeleteView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, pk: int):
        services.bench_opt_out(driver=request.user, opt_in_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
