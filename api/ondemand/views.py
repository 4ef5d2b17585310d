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

from api.own_bookings import OwnBookingListView
from api.permissions import IsResident, IsTownStaff
from api.privacy.audit import audit_personal_data_views
from api.schema import error_responses
from mobility.errors import NotFound, ValidationFailed
from ondemand import selectors, services

from . import serializers as s


class ZoneListView(APIView):
    """The Rufbus zones of the active feeds (GeoJSON geometries, WGS84)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.OnDemandZoneOutput(many=True)})
    def get(self, request):
        zones = selectors.zone_list()
        return Response(s.OnDemandZoneOutput(zones, many=True).data)


class BookingListView(OwnBookingListView, errors=(400, 403, 409, 422, 503)):
    """A resident's own Rufbus rides; POST books one (door to door inside a zone)."""

    serializer_class = s.OnDemandBookingOutput
    input_serializer = s.OnDemandBookingInput
    own_bookings = selectors.booking_list_for

    def book(self, request, values):
        return services.ondemand_booking_create(
            passenger=request.user,
            pickup=services.Place(values["pickup"]["lat"], values["pickup"]["lon"]),
            dropoff=services.Place(values["dropoff"]["lat"], values["dropoff"]["lon"]),
            earliest_pickup=values["earliest_pickup"],
            seats=values["seats"],
        )


class BookingDetailView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={200: s.OnDemandBookingOutput, **error_responses(403, 404)})
    def get(self, request, pk: int):
        booking = selectors.booking_visible_to(user=request.user, booking_id=pk)
        return Response(s.OnDemandBookingOutput(booking).data)


class BookingCancelView(APIView):
    permission_classes = [IsResident]

    @extend_schema(request=None, responses={200: s.OnDemandBookingOutput, **error_responses(403, 404, 409)})
    def post(self, request, pk: int):
        booking = services.ondemand_booking_cancel(booking_id=pk, user=request.user)
        return Response(s.OnDemandBookingOutput(booking).data)


class RunListView(generics.ListAPIView):
    """The runs of a day (staff, drivers)."""

    permission_classes = [IsTownStaff]
    serializer_class = s.OnDemandRunOutput

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


#: The access log's reason when the request gives none (``?reason=``).
RUN_DEFAULT_REASON = "driver's run"


class RunDetailView(APIView):
    """The driver's run: stops in order with planned times (``?print=1``: a printable page).

    It names the passengers and their exact doors, so every read is written to the access log,
    one entry per passenger shown, with ``?reason=`` or "driver's run".
    """

    permission_classes = [IsTownStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("print", OpenApiTypes.BOOL, required=False),
            OpenApiParameter(
                "reason", OpenApiTypes.STR, required=False, description="Why (access log); default: driver's run"
            ),
        ],
        responses={200: s.OnDemandRunDetailOutput, **error_responses(403, 404)},
    )
    def get(self, request, pk: int, **kwargs):
        run = selectors.run_list().filter(pk=pk).first()
        if run is None:
            raise NotFound("No such run.", code="ondemand_run_not_found")
        stops = selectors.run_stops(run=run)
        printable = request.query_params.get("print") in ("1", "true")
        audit_personal_data_views(
            request,
            selectors.run_passengers(run=run),
            what="Rufbus run: names and doors" + (" (printable)" if printable else ""),
            default_reason=RUN_DEFAULT_REASON,
        )
        if printable:
            return render(request, "ondemand/run_print.html", {"run": run, "stops": stops})
        data = s.OnDemandRunOutput(run).data
        data["stops"] = s.OnDemandRunStopOutput(stops, many=True).data
        return Response(data)


class ZoneCreateView(APIView):
    """The Bürgerbus editor: draw a Rufbus zone with its service times and booking rule (staff)."""

    permission_classes = [IsTownStaff]

    @extend_schema(
        request=s.OnDemandZoneInput, responses={201: s.OnDemandZoneCreatedOutput, **error_responses(400, 403, 404)}
    )
    def post(self, request):
        data = s.OnDemandZoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        created = services.zone_create(
            name=v["name"],
            geometry=v["geometry"],
            line_id=v["line"],
            weekdays=v["weekdays"],
            start_date=v["start_date"],
            end_date=v["end_date"],
            start_time=v["start_time"],
            end_time=v["end_time"],
            booking_rule_id=v.get("booking_rule"),
            capacity=v.get("capacity"),
            user=request.user,
        )
        return Response(s.OnDemandZoneCreatedOutput(created).data, status=status.HTTP_201_CREATED)


class OsmPlaceListView(generics.ListAPIView):
    """Meeting points and stop positions suggested from the OSM extract (``manage.py osm_places``)."""

    permission_classes = [IsTownStaff]
    serializer_class = s.OnDemandOsmPlaceOutput

    def get_queryset(self):
        return selectors.osm_place_list(status=self.request.query_params.get("status") or None)


class OsmPlaceDecisionView(APIView):
    """Staff confirm a suggestion (it becomes a meeting point or a Bürgerbus stop) or reject it."""

    permission_classes = [IsTownStaff]

    @extend_schema(
        request=s.OnDemandOsmPlaceDecisionInput,
        responses={200: s.OnDemandOsmPlaceOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = s.OnDemandOsmPlaceDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        place = services.osm_place_decide(
            suggestion_id=pk,
            user=request.user,
            confirm=data.validated_data["confirm"],
            name=data.validated_data["name"],
        )
        return Response(s.OnDemandOsmPlaceOutput(place).data)
