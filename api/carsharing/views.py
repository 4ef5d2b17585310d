"""Car-sharing endpoints: fleet, availability and quotes, memberships, reservations and their
life cycle, official trips and base load, utilisation, card setup and the Stripe webhook."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY_HEADER, idempotent
from api.permissions import IsMember, IsOperator, IsResident, IsTownStaff
from api.privacy.audit import audit_personal_data_views
from api.schema import error_responses
from carsharing import selectors, services
from carsharing.models import ReservationKind
from mobility.errors import NotFound, ValidationFailed

from . import serializers as s


def _read_only_or_operator(view, request):
    return [AllowAny()] if request.method == "GET" else [IsOperator()]


# --- fleet -----------------------------------------------------------------------------------------


class StationListView(APIView):
    def get_permissions(self):
        return _read_only_or_operator(self, self.request)

    @extend_schema(responses={200: s.StationOutput(many=True)})
    def get(self, request):
        return Response(s.StationOutput(selectors.stations(), many=True).data)

    @extend_schema(request=s.StationInput, responses={201: s.StationOutput, **error_responses(400, 401, 403)})
    def post(self, request):
        data = s.StationInput(data=request.data)
        data.is_valid(raise_exception=True)
        station = services.station_create(**data.validated_data)
        return Response(s.StationOutput(station).data, status=status.HTTP_201_CREATED)


class VehicleTypeListView(APIView):
    def get_permissions(self):
        return _read_only_or_operator(self, self.request)

    @extend_schema(responses={200: s.VehicleTypeOutput(many=True)})
    def get(self, request):
        return Response(s.VehicleTypeOutput(selectors.vehicle_types(), many=True).data)

    @extend_schema(
        request=s.VehicleTypeInput, responses={201: s.VehicleTypeOutput, **error_responses(400, 401, 403, 409)}
    )
    def post(self, request):
        data = s.VehicleTypeInput(data=request.data)
        data.is_valid(raise_exception=True)
        vehicle_type = services.vehicle_type_create(**data.validated_data)
        return Response(s.VehicleTypeOutput(vehicle_type).data, status=status.HTTP_201_CREATED)


class VehicleListView(APIView):
    def get_permissions(self):
        return _read_only_or_operator(self, self.request)

    @extend_schema(responses={200: s.VehicleOutput(many=True)})
    def get(self, request):
        return Response(s.VehicleOutput(selectors.vehicles(), many=True).data)

    @extend_schema(request=s.VehicleInput, responses={201: s.VehicleOutput, **error_responses(400, 401, 403, 409)})
    def post(self, request):
        data = s.VehicleInput(data=request.data)
        data.is_valid(raise_exception=True)
        vehicle = services.vehicle_create(**data.validated_data)
        return Response(s.VehicleOutput(vehicle).data, status=status.HTTP_201_CREATED)


class VehicleDetailView(APIView):
    def get_permissions(self):
        return _read_only_or_operator(self, self.request)

    @extend_schema(responses={200: s.VehicleOutput, **error_responses(404)})
    def get(self, request, pk: int):
        return Response(s.VehicleOutput(selectors.vehicle_get(vehicle_id=pk)).data)

    @extend_schema(
        request=s.VehicleUpdateInput, responses={200: s.VehicleOutput, **error_responses(400, 401, 403, 404)}
    )
    def patch(self, request, pk: int):
        data = s.VehicleUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        vehicle = services.vehicle_update(vehicle_id=pk, **data.validated_data)
        return Response(s.VehicleOutput(vehicle).data)


class VehicleDefectView(APIView):
    permission_classes = [IsResident]

    @extend_schema(
        request=s.DefectInput,
        responses={201: s.DefectOutput, **error_responses(400, 401, 403, 404)},
        description="Report a defect; a blocking one takes the vehicle out of service and cancels its bookings.",
    )
    def post(self, request, pk: int):
        data = s.DefectInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.vehicle_defect_report(user=request.user, vehicle_id=pk, **data.validated_data)
        return Response(s.DefectOutput(report).data, status=status.HTTP_201_CREATED)


class DefectListView(generics.ListAPIView):
    permission_classes = [IsOperator]
    serializer_class = s.DefectOutput

    def get_queryset(self):
        return selectors.defect_reports()


class TariffListView(APIView):
    def get_permissions(self):
        return _read_only_or_operator(self, self.request)

    @extend_schema(responses={200: s.TariffOutput(many=True)})
    def get(self, request):
        return Response(s.TariffOutput(selectors.tariffs(), many=True).data)

    @extend_schema(
        request=s.TariffInput,
        responses={201: s.TariffOutput, **error_responses(400, 401, 403)},
        description="Create or replace the tariff of a vehicle type.",
    )
    def post(self, request):
        data = s.TariffInput(data=request.data)
        data.is_valid(raise_exception=True)
        tariff = services.tariff_set(**data.validated_data)
        return Response(s.TariffOutput(tariff).data, status=status.HTTP_201_CREATED)


# --- availability and quotes -------------------------------------------------------------------------


class VehicleAvailabilityView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[s.WindowQuery], responses={200: s.AvailabilityOutput, **error_responses(400, 401, 404)})
    def get(self, request, pk: int):
        query = s.WindowQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        vehicle = selectors.vehicle_get(vehicle_id=pk)
        start, end = query.validated_data["start"], query.validated_data["end"]
        result = selectors.vehicle_availability(vehicle=vehicle, start=start, end=end, now=timezone.now())
        body = {
            "vehicle": vehicle.pk,
            "start": start,
            "end": end,
            "busy": [{"start": a, "end": b} for a, b in result.busy],
            "free": [{"start": a, "end": b} for a, b in result.free],
        }
        return Response(s.AvailabilityOutput(body).data)


class VehicleSearchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[s.SearchQuery], responses={200: s.SearchResultOutput(many=True), **error_responses(400, 401)}
    )
    def get(self, request):
        query = s.SearchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        if (v.get("lat") is None) != (v.get("lon") is None):
            raise ValidationFailed("Give both lat and lon, or neither.", code="incomplete_position")
        found = selectors.vehicles_free_near(
            start=v["start"],
            end=v["end"],
            lat=v.get("lat"),
            lon=v.get("lon"),
            radius_km=v["radius_km"],
            now=timezone.now(),
        )
        body = [{"vehicle": vehicle, "distance_km": distance} for vehicle, distance in found]
        return Response(s.SearchResultOutput(body, many=True).data)


class QuoteView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=s.QuoteInput, responses={200: s.QuoteOutput, **error_responses(400, 404, 422)})
    def post(self, request):
        data = s.QuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        vehicle = selectors.vehicle_get(vehicle_id=v["vehicle"])
        # Staff plan official trips (their horizon); everyone else gets a member's quote.
        staff = request.user.is_authenticated and request.user.is_town_staff
        kind = ReservationKind.OFFICIAL if staff else ReservationKind.MEMBER
        price = services.quote(vehicle=vehicle, start=v["start"], end=v["end"], km=v["km"], kind=kind)
        body = {
            "vehicle": vehicle.pk,
            "minutes": int((v["end"] - v["start"]).total_seconds() // 60),
            "km": v["km"],
            "time_cents": price.time_cents,
            "distance_cents": price.distance_cents,
            "total_cents": price.total_cents,
            "vat_cents": price.vat_cents,
            "vat_rate_bp": price.vat_rate_bp,
        }
        return Response(s.QuoteOutput(body).data)


# --- memberships -------------------------------------------------------------------------------------


class MyMembershipView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={200: s.MembershipOutput, **error_responses(401, 403, 404)})
    def get(self, request):
        membership = selectors.membership_of(user=request.user)
        if membership is None:
            raise NotFound("You have not applied yet.", code="membership_not_found")
        return Response(s.MembershipOutput(membership).data)

    @extend_schema(
        request=s.MembershipApplyInput, responses={201: s.MembershipOutput, **error_responses(400, 401, 403, 409)}
    )
    def post(self, request):
        data = s.MembershipApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_apply(user=request.user, **data.validated_data)
        return Response(s.MembershipOutput(membership).data, status=status.HTTP_201_CREATED)


class MembershipListView(generics.ListAPIView):
    """Applications and memberships with the member's name (every view is written to the access
    log); ``licence_also_on`` flags a licence number another approved membership holds."""

    permission_classes = [IsTownStaff]
    serializer_class = s.MembershipOutput

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "approved_licences": selectors.approved_licences()}

    def get_queryset(self):
        return selectors.memberships(status=self.request.query_params.get("status"))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        shown = page if page is not None else queryset
        audit_personal_data_views(
            self.request, [m.user for m in shown], what="membership licence", default_reason="membership check"
        )
        return page


class MembershipDecisionView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(
        request=s.MembershipDecisionInput,
        responses={200: s.MembershipOutput, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = s.MembershipDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_decide(staff=request.user, membership_id=pk, **data.validated_data)
        return Response(
            s.MembershipOutput(membership, context={"approved_licences": selectors.approved_licences()}).data
        )


# --- reservations --------------------------------------------------------------------------------------


def _reservation_body(reservation):
    return s.ReservationOutput(selectors.reservation_with_payments(reservation_id=reservation.pk)).data


class ReservationListView(generics.ListAPIView):
    """Member reservations are created here (held until confirmed); lists show your own."""

    serializer_class = s.ReservationOutput

    def get_permissions(self):
        return [IsResident()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_queryset(self):
        qs = selectors.reservations_for(user=self.request.user).select_related("user").prefetch_related("payments")
        wanted = self.request.query_params.get("status")
        return qs.filter(status=wanted) if wanted else qs

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        shown = page if page is not None else queryset
        others = [r.user for r in shown if r.user_id != self.request.user.pk]
        audit_personal_data_views(self.request, others, what="car-sharing reservation", default_reason="fleet overview")
        return page

    @extend_schema(
        request=s.ReservationCreateInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.ReservationOutput, **error_responses(400, 401, 403, 404, 409, 422, 503)},
    )
    @idempotent
    def post(self, request):
        data = s.ReservationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        reservation = services.reservation_create(
            user=request.user, vehicle_id=v["vehicle"], start=v["start"], end=v["end"], kind=ReservationKind.MEMBER
        )
        return Response(_reservation_body(reservation), status=status.HTTP_201_CREATED)


class OfficialTripView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(
        request=s.OfficialTripInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.ReservationOutput, **error_responses(400, 401, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request):
        data = s.OfficialTripInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        cost_centre = selectors.active_cost_centre(code=v["cost_centre"]) if v.get("cost_centre") else None
        reservation = services.reservation_create(
            user=request.user,
            vehicle_id=v["vehicle"],
            start=v["start"],
            end=v["end"],
            kind=ReservationKind.OFFICIAL,
            purpose=v["purpose"],
            cost_centre=cost_centre,
        )
        return Response(_reservation_body(reservation), status=status.HTTP_201_CREATED)


class ReservationDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.ReservationOutput, **error_responses(401, 404)})
    def get(self, request, pk: int):
        reservation = selectors.reservations_for(user=request.user).select_related("user").filter(pk=pk).first()
        if reservation is None:
            raise NotFound("No such reservation.", code="reservation_not_found")
        if reservation.user_id != request.user.pk:
            audit_personal_data_views(
                request, [reservation.user], what="car-sharing reservation", default_reason="reservation support"
            )
        return Response(_reservation_body(reservation))


class _ReservationAction(APIView):
    permission_classes = [IsAuthenticated]
    input_serializer: type | None = None

    def act(self, request, pk: int, data: dict):
        raise NotImplementedError

    def post(self, request, pk: int):
        data: dict = {}
        if self.input_serializer is not None:
            ser = self.input_serializer(data=request.data)
            ser.is_valid(raise_exception=True)
            data = ser.validated_data
        reservation = self.act(request, pk, data)
        return Response(_reservation_body(reservation))


_ACTION_ERRORS = error_responses(400, 401, 402, 403, 404, 409, 422, 503)


class ReservationConfirmView(_ReservationAction):
    @extend_schema(request=None, responses={200: s.ReservationOutput, **_ACTION_ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        return services.reservation_confirm(user=request.user, reservation_id=pk)


class ReservationCancelView(_ReservationAction):
    @extend_schema(request=None, responses={200: s.ReservationOutput, **_ACTION_ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        return services.reservation_cancel(user=request.user, reservation_id=pk)


class ReservationExtendView(_ReservationAction):
    input_serializer = s.ExtendInput

    @extend_schema(request=s.ExtendInput, responses={200: s.ReservationOutput, **_ACTION_ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        return services.reservation_extend(user=request.user, reservation_id=pk, new_end=data["end"])


class ReservationCheckInView(_ReservationAction):
    input_serializer = s.CheckInInput

    @extend_schema(request=s.CheckInInput, responses={200: s.ReservationOutput, **_ACTION_ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        return services.reservation_check_in(user=request.user, reservation_id=pk, odometer_km=data.get("odometer_km"))


class ReservationCheckOutView(_ReservationAction):
    input_serializer = s.CheckOutInput

    @extend_schema(request=s.CheckOutInput, responses={200: s.ReservationOutput, **_ACTION_ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        return services.reservation_check_out(user=request.user, reservation_id=pk, **data)


class ReservationSettleView(_ReservationAction):
    permission_classes = [IsOperator]
    input_serializer = s.SettleInput

    @extend_schema(request=s.SettleInput, responses={200: s.ReservationOutput, **_ACTION_ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        return services.reservation_settle(reservation_id=pk, **data)


class ReservationRefundView(_ReservationAction):
    permission_classes = [IsOperator]
    input_serializer = s.RefundInput

    @extend_schema(request=s.RefundInput, responses={200: s.ReservationOutput, **_ACTION_ERRORS})
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        return services.reservation_refund(reservation_id=pk, **data)


class ReservationReleaseView(_ReservationAction):
    permission_classes = [IsTownStaff]
    input_serializer = s.ReleaseInput

    @extend_schema(
        request=s.ReleaseInput,
        responses={200: s.ReservationOutput, **_ACTION_ERRORS},
        description="Give back part of an official (base-load) reservation; returns the released part.",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        return services.reservation_release(user=request.user, reservation_id=pk, start=data["start"], end=data["end"])


# --- base load and reports -------------------------------------------------------------------------------


class BaseLoadBlockListView(APIView):
    """Staff read the blocks of their cost centre; operators read all and define new ones."""

    def get_permissions(self):
        return [IsOperator()] if self.request.method == "POST" else [IsTownStaff()]

    @extend_schema(responses={200: s.BaseLoadBlockOutput(many=True), **error_responses(401, 403)})
    def get(self, request):
        blocks = selectors.base_load_blocks_for(user=request.user)
        return Response(s.BaseLoadBlockOutput(blocks, many=True).data)

    @extend_schema(
        request=s.BaseLoadBlockInput,
        responses={201: s.BaseLoadBlockOutput, **error_responses(400, 401, 403, 404)},
        description="Define a recurring block and book it ahead at once (the daily job keeps booking ahead).",
    )
    def post(self, request):
        data = s.BaseLoadBlockInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        block = services.base_load_block_add(
            operator=request.user,
            cost_centre_code=fields.pop("cost_centre"),
            vehicle_id=fields.pop("vehicle"),
            **fields,
        )
        return Response(s.BaseLoadBlockOutput(block).data, status=status.HTTP_201_CREATED)


class UtilisationView(APIView):
    """The month's use per vehicle: operators see all official trips, staff their cost centre's
    (``hours_official``) beside the others' (``hours_official_other``). Read-only."""

    permission_classes = [IsTownStaff]

    @extend_schema(
        parameters=[s.UtilisationQuery],
        responses={200: s.UtilisationRowOutput(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        query = s.UtilisationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        year, month = (int(part) for part in query.validated_data["month"].split("-"))
        rows = selectors.utilisation_month(
            year=year, month=month, cost_centre_id=selectors.visible_cost_centre_id(user=request.user)
        )
        return Response(s.UtilisationRowOutput(rows, many=True).data)


# --- card payments --------------------------------------------------------------------------------------


class CardSetupView(APIView):
    permission_classes = [IsMember]

    @extend_schema(request=None, responses={201: s.CardSetupOutput, **error_responses(401, 403, 503)})
    def post(self, request):
        return Response(services.payment_setup_start(user=request.user), status=status.HTTP_201_CREATED)


class CardView(APIView):
    permission_classes = [IsMember]

    @extend_schema(
        request=s.CardSaveInput, responses={200: s.CardOutput, **error_responses(400, 401, 403, 404, 409, 503)}
    )
    def post(self, request):
        data = s.CardSaveInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.payment_method_save(user=request.user, setup_intent_id=data.validated_data["setup_intent"])
        return Response(s.CardOutput(customer).data)


class StripeWebhookView(APIView):
    """Stripe calls this; the signature is the authentication."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=None, responses={200: s.WebhookOutput, **error_responses(400, 503)})
    def post(self, request):
        first = services.webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
        return Response({"received": True, "duplicate": not first})
