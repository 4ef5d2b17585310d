"""On-demand (Rufbus) API: residents book and cancel door-to-door rides; staff and the
driver read the run of a day (JSON, or a printable page with ``?print=1``)."""

from __future__ import annotations

from django.shortcuts import render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY_HEADER, idempotent
from api.permissions import IsResident, IsTownStaff
from api.schema import error_responses
from mobility.errors import NotFound, ValidationFailed
from ondemand import selectors, services
from ondemand.models import OnDemandBooking

from . import serializers as s


class ZoneListView(APIView):
    """The Rufbus zones of the active feeds (GeoJSON geometries, WGS84)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.ZoneOutput(many=True)})
    def get(self, request):
        zones = selectors.zone_list()
        return Response(s.ZoneOutput(zones, many=True).data)


class BookingListView(generics.ListAPIView):
    """A resident's own Rufbus rides; POST books one (door to door inside a zone)."""

    permission_classes = [IsResident]
    serializer_class = s.BookingOutput

    def get_queryset(self):
        return selectors.booking_list_for(user=self.request.user)

    @extend_schema(
        request=s.BookingInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.BookingOutput, **error_responses(400, 403, 409, 422, 503)},
    )
    @idempotent
    def post(self, request):
        data = s.BookingInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        booking = services.ondemand_booking_create(
            passenger=request.user,
            pickup=services.Place(v["pickup"]["lat"], v["pickup"]["lon"]),
            dropoff=services.Place(v["dropoff"]["lat"], v["dropoff"]["lon"]),
            earliest_pickup=v["earliest_pickup"],
            seats=v["seats"],
        )
        return Response(s.BookingOutput(booking).data, status=status.HTTP_201_CREATED)


class BookingDetailView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={200: s.BookingOutput, **error_responses(403, 404)})
    def get(self, request, pk: int):
        booking = OnDemandBooking.objects.filter(pk=pk).first()
        user = request.user
        if booking is None or (booking.passenger_id != user.pk and not (user.is_town_staff or user.is_operator)):
            raise NotFound("No such booking.", code="ondemand_booking_not_found")
        return Response(s.BookingOutput(booking).data)


class BookingCancelView(APIView):
    permission_classes = [IsResident]

    @extend_schema(request=None, responses={200: s.BookingOutput, **error_responses(403, 404, 409)})
    def post(self, request, pk: int):
        booking = services.ondemand_booking_cancel(booking_id=pk, user=request.user)
        return Response(s.BookingOutput(booking).data)


class RunListView(generics.ListAPIView):
    """The runs of a day (staff, drivers)."""

    permission_classes = [IsTownStaff]
    serializer_class = s.RunOutput

    @extend_schema(parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=False)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        raw = self.request.query_params.get("date")
        day = None
        if raw:
            from datetime import date

            try:
                day = date.fromisoformat(raw)
            except ValueError as exc:
                raise ValidationFailed("date must be YYYY-MM-DD.", code="invalid_date", fields={"date": [raw]}) from exc
        return selectors.run_list(day=day)


class RunDetailView(APIView):
    """The driver's run: stops in order with planned times (``?print=1``: a printable page)."""

    permission_classes = [IsTownStaff]

    @extend_schema(
        parameters=[OpenApiParameter("print", OpenApiTypes.BOOL, required=False)],
        responses={200: s.RunDetailOutput, **error_responses(403, 404)},
    )
    def get(self, request, pk: int, **kwargs):
        run = selectors.run_list().filter(pk=pk).first()
        if run is None:
            raise NotFound("No such run.", code="ondemand_run_not_found")
        stops = selectors.run_stops(run=run)
        if request.query_params.get("print") in ("1", "true"):
            return render(request, "ondemand/run_print.html", {"run": run, "stops": stops})
        data = s.RunOutput(run).data
        data["stops"] = s.RunStopOutput(stops, many=True).data
        return Response(data)
