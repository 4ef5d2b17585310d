"""Transit and Bürgerbus API: public timetable reads, operator imports, Bürgerbus
timetable maintenance (staff), seat bookings (residents, staff for assisted bookings)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import IDEMPOTENCY_HEADER, idempotent
from api.own_bookings import OwnBookingListView
from api.permissions import IsOperator, IsResident, IsTownStaff
from api.privacy.audit import audit_personal_data_views
from api.schema import error_responses
from gtfs import conf, selectors, services
from gtfs.domain.names import fold
from gtfs.feed_export import version_export_zip
from gtfs.feed_import import import_upload_create
from mobility.accounts.selectors import active_user
from mobility.errors import NotFound, ValidationFailed

from . import serializers as s


class FeedListView(generics.ListAPIView):
    """Feeds with their active version (validity, warnings, counts). Public."""

    permission_classes = [AllowAny]
    serializer_class = s.FeedOutput

    def get_queryset(self):
        return selectors.feed_list()


class FeedVersionListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = s.FeedVersionOutput

    @extend_schema(responses={200: s.FeedVersionOutput(many=True), **error_responses(404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.feed_versions(feed_id=self.kwargs["pk"]).select_related("feed")


class FeedActivateInput(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True, help_text="A stored version of this feed; null switches it off")


class FeedActivateView(APIView):
    """Operator: roll a feed back (or forward) to a stored version, or switch it off."""

    permission_classes = [IsOperator]

    @extend_schema(request=FeedActivateInput, responses={200: s.FeedOutput, **error_responses(400, 401, 403, 404)})
    def post(self, request, pk: int):
        data = FeedActivateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.feed_activate_version(feed_id=pk, version_id=data.validated_data["version"])
        return Response(s.FeedOutput(selectors.feed_list().get(pk=pk)).data)


class StopListView(generics.ListAPIView):
    """Stops, one entry per place (stops of several feeds sharing a name within 100 m are
    one place; ``stops`` lists their ids). By name prefix (``q``; case-, accent- and
    umlaut-insensitive), near a point (``lat``, ``lon``, ``radius`` in metres; nearest first,
    with ``distance_m``), or without parameters every stop by name. Paginated."""

    permission_classes = [AllowAny]
    serializer_class = s.StopOutput

    @extend_schema(parameters=[s.StopsQuery], responses={200: s.StopOutput(many=True), **error_responses(400)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = s.StopsQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if "lat" in data:
            found = selectors.stops_near(lat=data["lat"], lon=data["lon"], radius_m=data["radius"], limit=200)
            stops = []
            for stop, distance in found:
                stop.distance_m = distance
                stops.append(stop)
            if data.get("q"):
                key = " " + fold(data["q"])
                stops = [stop for stop in stops if key in stop.name_search]
        elif data.get("q"):
            stops = list(selectors.stop_search(query=data["q"]).select_related("version"))
        else:
            stops = list(selectors.stop_list().select_related("version"))
        places = []
        for place in selectors.stop_places(stops):
            stop = place.stops[0]  # the first found (nearest, or first by name) stands for the place
            stop.place_stops = place.stops
            places.append(stop)
        return places


class DeparturesView(APIView):
    """Departures from a stop or a group of stops for a local date and time window.

    Calendar-aware (calendar + calendar_dates), includes trips of the previous service
    day running past midnight; times are in the agency's time zone (Europe/Berlin)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[s.DeparturesQuery], responses={200: s.DepartureOutput(many=True), **error_responses(400, 404)}
    )
    def get(self, request):
        query = s.DeparturesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        tz = ZoneInfo(conf.GTFS_DEFAULT_TIMEZONE)
        now = timezone.now().astimezone(tz)
        day = data.get("date") or now.date()
        start_time = data.get("time") or (now.time() if "date" not in data else datetime.min.time())
        start = datetime.combine(day, start_time.replace(tzinfo=None), tzinfo=tz)
        departures = selectors.departures_from_stops(
            stop_ids=data["stops"], start=start, window_minutes=data["window"], limit=data["limit"]
        )
        return Response(s.DepartureOutput(departures, many=True).data)


class RouteListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = s.RouteOutput

    @extend_schema(parameters=[OpenApiParameter("feed", OpenApiTypes.INT, description="only this feed")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        feed = self.request.query_params.get("feed")
        if feed is not None and not feed.isdigit():
            raise ValidationFailed("feed must be an id.", code="validation_error", fields={"feed": ["not an id"]})
        return selectors.route_list(feed_id=int(feed) if feed else None)


def _trip_data(trip) -> dict:
    return s.TripOutput(
        {
            "id": trip.pk,
            "trip_id": trip.trip_id,
            "headsign": trip.headsign,
            "route": trip.route,
            "service": trip.service,
            "capacity": trip.capacity,
            "booking_rule": trip.booking_rule,
            "stop_times": list(selectors.trip_stop_times(trip=trip)),
        }
    ).data


class TripDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.TripOutput, **error_responses(404)})
    def get(self, request, pk: int):
        return Response(_trip_data(selectors.trip_get(trip_id=pk)))


class BuergerbusExportView(APIView):
    """The Bürgerbus timetable as a GTFS zip (with booking_rules.txt). Public, no personal data."""

    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, **error_responses(404)})
    def get(self, request):
        feed = services.buergerbus_feed()
        if feed is None or feed.active_version is None:
            raise NotFound("No Bürgerbus timetable is published.", code="buergerbus_feed_not_found")
        content = version_export_zip(version=feed.active_version)
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="buergerbus-gtfs.zip"'
        return response


class ImportListView(generics.ListAPIView):
    """Operators upload a GTFS zip (multipart); it is imported in the background."""

    permission_classes = [IsOperator]
    serializer_class = s.ImportOutput
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.gtfs_imports()

    @extend_schema(request=s.ImportInput, responses={202: s.ImportOutput, **error_responses(400, 403, 413)})
    def post(self, request):
        data = s.ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = import_upload_create(
            uploaded_file=data.validated_data["file"],
            name=data.validated_data["name"],
            kind=data.validated_data["kind"],
            user=request.user,
        )
        record.refresh_from_db()
        return Response(s.ImportOutput(record).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(responses={200: s.ImportOutput, **error_responses(403, 404)})
    def get(self, request, pk: int):
        record = selectors.import_get(import_id=pk)
        return Response(s.ImportOutput(record).data)


# --- Bürgerbus timetable (staff) ------------------------------------------------------------


class BBStopCreateView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(request=s.BBStopInput, responses={201: s.StopOutput, **error_responses(400, 403)})
    def post(self, request):
        data = s.BBStopInput(data=request.data)
        data.is_valid(raise_exception=True)
        stop = services.bb_stop_create(**data.validated_data, user=request.user)
        return Response(s.StopOutput(stop).data, status=status.HTTP_201_CREATED)


class BBStopDetailView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(request=s.BBStopPatchInput, responses={200: s.StopOutput, **error_responses(400, 403, 404)})
    def patch(self, request, pk: int):
        data = s.BBStopPatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        stop = services.bb_stop_update(stop_id=pk, user=request.user, **data.validated_data)
        return Response(s.StopOutput(stop).data)

    @extend_schema(request=None, responses={204: None, **error_responses(403, 404, 409)})
    def delete(self, request, pk: int):
        services.bb_stop_delete(stop_id=pk, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BBBookingRuleCreateView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(request=s.BBBookingRuleInput, responses={201: s.BookingRuleOutput, **error_responses(400, 403)})
    def post(self, request):
        data = s.BBBookingRuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.bb_booking_rule_create(**data.validated_data, user=request.user)
        return Response(s.BookingRuleOutput(rule).data, status=status.HTTP_201_CREATED)


class BBLineCreateView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(request=s.BBLineInput, responses={201: s.RouteOutput, **error_responses(400, 403, 404)})
    def post(self, request):
        data = s.BBLineInput(data=request.data)
        data.is_valid(raise_exception=True)
        route = services.bb_line_create(**data.validated_data, user=request.user)
        return Response(s.RouteOutput(route).data, status=status.HTTP_201_CREATED)


class BBLineDetailView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(request=s.BBLinePatchInput, responses={200: s.RouteOutput, **error_responses(400, 403, 404)})
    def patch(self, request, pk: int):
        data = s.BBLinePatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        route = services.bb_line_update(line_id=pk, user=request.user, **data.validated_data)
        return Response(s.RouteOutput(route).data)

    @extend_schema(request=None, responses={204: None, **error_responses(403, 404, 409)})
    def delete(self, request, pk: int):
        services.bb_line_delete(line_id=pk, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BBTripCreateView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(request=s.BBTripInput, responses={201: s.TripOutput, **error_responses(400, 403, 404)})
    def post(self, request):
        data = s.BBTripInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        trip = services.bb_trip_create(line_id=values.pop("line"), **values, user=request.user)
        return Response(_trip_data(selectors.trip_get(trip_id=trip.pk)), status=status.HTTP_201_CREATED)


class BBTripDetailView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(request=s.BBTripPatchInput, responses={200: s.TripOutput, **error_responses(400, 403, 404, 409)})
    def patch(self, request, pk: int):
        data = s.BBTripPatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        trip = services.bb_trip_update(trip_id=pk, user=request.user, **data.validated_data)
        return Response(_trip_data(selectors.trip_get(trip_id=trip.pk)))

    @extend_schema(request=None, responses={204: None, **error_responses(403, 404, 409)})
    def delete(self, request, pk: int):
        services.bb_trip_delete(trip_id=pk, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BBTripManifestView(APIView):
    """The driver's manifest: who boards and alights where (names, phones). Staff only."""

    permission_classes = [IsTownStaff]

    @extend_schema(parameters=[s.ManifestQuery], responses={200: s.ManifestOutput, **error_responses(400, 403, 404)})
    def get(self, request, pk: int):
        query = s.ManifestQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data["date"]
        manifest = selectors.trip_manifest(trip_id=pk, service_date=day)
        passengers = selectors.manifest_passengers(trip_id=pk, service_date=day)
        audit_personal_data_views(request, passengers, what="Bürgerbus manifest", default_reason="driver's manifest")
        return Response(s.ManifestOutput(manifest).data)


# --- bookings ---------------------------------------------------------------------------


class BookingListView(OwnBookingListView, errors=(400, 403, 404, 409, 422)):
    """A resident's own Bürgerbus bookings; POST books seats."""

    serializer_class = s.BookingOutput
    input_serializer = s.BookingInput
    own_bookings = selectors.booking_list_for

    def book(self, request, values):
        return services.bb_booking_create(
            trip_id=values["trip"],
            service_date=values["date"],
            from_stop_id=values["from_stop"],
            to_stop_id=values["to_stop"],
            seats=values["seats"],
            passenger=request.user,
            booked_by=request.user,
        )


class AssistedBookingView(APIView):
    """Staff book for a resident who phoned (recorded as assisted)."""

    permission_classes = [IsTownStaff]

    @extend_schema(
        request=s.AssistedBookingInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.BookingOutput, **error_responses(400, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request):
        data = s.AssistedBookingInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        passenger = active_user(user_id=v["passenger"]) if v.get("passenger") else None
        booking = services.bb_booking_create(
            trip_id=v["trip"],
            service_date=v["date"],
            from_stop_id=v["from_stop"],
            to_stop_id=v["to_stop"],
            seats=v["seats"],
            passenger=passenger,
            booked_by=request.user,
            assisted=True,
            passenger_name="" if passenger else v["passenger_name"],
            passenger_phone="" if passenger else v["passenger_phone"],
        )
        return Response(s.BookingOutput(booking).data, status=status.HTTP_201_CREATED)


class BookingDetailView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={200: s.BookingOutput, **error_responses(403, 404)})
    def get(self, request, pk: int):
        booking = selectors.booking_visible_to(user=request.user, booking_id=pk)
        return Response(s.BookingOutput(booking).data)


class BookingCancelView(APIView):
    permission_classes = [IsResident]

    @extend_schema(request=None, responses={200: s.BookingOutput, **error_responses(403, 404, 409)})
    def post(self, request, pk: int):
        booking = services.bb_booking_cancel(booking_id=pk, user=request.user)
        return Response(s.BookingOutput(booking).data)
