"""``GET /api/v1/journeys/``: one search over buses, the Bürgerbus, ride-sharing and car-sharing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import error_responses
from api.throttles import SearchRateThrottle
from journeys import conf
from journeys.one_search import MODES, Point, SearchQuery, journeys_search
from journeys.places import PlaceAmbiguous, resolve_place
from mobility.errors import ValidationFailed


class PlaceField(serializers.CharField):
    """``lat,lon``, ``stop:<id>``, ``meeting_point:<id>``, a GTFS stop code or stop_id, or a
    stop, village or meeting-point name (see ``journeys.places``)."""

    def to_internal_value(self, data) -> Point:
        text = super().to_internal_value(data)
        try:
            place = resolve_place(text)
        except PlaceAmbiguous as error:
            # Which parameter was ambiguous, and the places it could mean (each with its ref).
            raise PlaceAmbiguous(
                error.message, fields={self.field_name: [error.message], "candidates": error.fields["candidates"]}
            ) from None
        except ValidationFailed as error:
            raise serializers.ValidationError(error.message) from None
        return Point(place.lat, place.lon, place.name)


# Timetables, offers and cars are planned a few months ahead; searches far off are mistakes.
SEARCH_RANGE = timedelta(days=366)


class JourneyQueryInput(serializers.Serializer):
    from_ = PlaceField()
    to = PlaceField()
    depart_at = serializers.DateTimeField(required=False)
    arrive_by = serializers.DateTimeField(required=False)
    max_walk_m = serializers.FloatField(required=False, min_value=0)
    max_transfers = serializers.IntegerField(required=False, min_value=0, max_value=4, default=4)
    seats = serializers.IntegerField(required=False, min_value=1, max_value=8, default=1)
    modes = serializers.CharField(required=False, default="transit,ride,carsharing")
    rental_hours = serializers.FloatField(required=False, min_value=0.25, max_value=72, default=2.0)
    pickup = serializers.ChoiceField(choices=["door", "meeting_point"], required=False, default="door")
    window_min = serializers.IntegerField(required=False, min_value=0, max_value=240, default=0)
    max_duration_min = serializers.IntegerField(required=False, min_value=1)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        if "depart_at" in attrs and "arrive_by" in attrs:
            raise serializers.ValidationError(_("Give depart_at or arrive_by, not both."))
        if "arrive_by" not in attrs:
            attrs.setdefault("depart_at", timezone.now())  # leave now
        if attrs.get("window_min") and "depart_at" not in attrs:
            raise serializers.ValidationError({"window_min": ["Only with depart_at."]})
        field = "depart_at" if "depart_at" in attrs else "arrive_by"
        if abs(attrs[field] - timezone.now()) > SEARCH_RANGE:
            raise serializers.ValidationError({field: [f"Search within {SEARCH_RANGE.days} days of today."]})
        modes = {m.strip() for m in attrs["modes"].split(",") if m.strip()}
        unknown = modes - MODES
        if unknown or not modes:
            raise serializers.ValidationError({"modes": [f"Choose from {', '.join(sorted(MODES))}."]})
        attrs["modes"] = frozenset(modes)
        limit = conf.JOURNEYS_MAX_WALK_LIMIT_M
        walk = attrs.get("max_walk_m", conf.JOURNEYS_MAX_WALK_M)
        if walk > limit:
            raise serializers.ValidationError({"max_walk_m": [f"At most {limit:.0f} m."]})
        attrs["max_walk_m"] = walk
        longest = attrs.get("max_duration_min", conf.JOURNEYS_MAX_DURATION_MIN)
        if longest > conf.JOURNEYS_MAX_DURATION_LIMIT_MIN:
            raise serializers.ValidationError(
                {"max_duration_min": [f"At most {conf.JOURNEYS_MAX_DURATION_LIMIT_MIN} minutes."]}
            )
        attrs["max_duration_min"] = longest
        return attrs


PLACE_HELP = (
    "lat,lon; stop:<id> (ids from /gtfs/stops/); meeting_point:<id>; a GTFS stop code or stop_id; "
    "or a stop, village or meeting-point name (ambiguous names answer 400 place_ambiguous with candidates)"
)


def _query_parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter("from", str, required=True, description=PLACE_HELP),
        OpenApiParameter("to", str, required=True, description=PLACE_HELP),
        OpenApiParameter("depart_at", OpenApiTypes.DATETIME, description="Leave at or after (ISO 8601); default now"),
        OpenApiParameter("arrive_by", OpenApiTypes.DATETIME, description="Arrive at or before (ISO 8601)"),
        OpenApiParameter("max_walk_m", float, description="Longest walk to, from or between stops (metres)"),
        OpenApiParameter("max_transfers", int, description="0 to 4 (default 4)"),
        OpenApiParameter("seats", int, description="Seats needed (Bürgerbus, carpool)"),
        OpenApiParameter("modes", str, description="Comma-separated: transit, ride, carsharing"),
        OpenApiParameter("rental_hours", float, description="Car-sharing rental length (default 2)"),
        OpenApiParameter("pickup", str, enum=["door", "meeting_point"], description="Carpool pickup"),
        OpenApiParameter("window_min", int, description="With depart_at: all good transit departures in this window"),
        OpenApiParameter(
            "max_duration_min",
            int,
            description="Longest transit journey shown, minutes (default JOURNEYS_MAX_DURATION_MIN = 360); "
            "the answer's limits.longer_than_max_duration says how many were left out",
        ),
    ]


class JourneySearchView(APIView):
    """Every way from A to B: transit (with the Bürgerbus), carpools, carpool + bus, car-sharing.

    Public: a search shows no personal data (carpool places are meeting points or the
    searcher's own positions). Booking needs an account; each option lists its requests.
    """

    permission_classes = [AllowAny]
    throttle_classes = [SearchRateThrottle]

    @extend_schema(parameters=_query_parameters(), responses={200: OpenApiTypes.OBJECT, **error_responses(400, 429)})
    def get(self, request):
        data = JourneyQueryInput(data=request.query_params)
        if not data.is_valid():
            raise ValidationFailed("The search is not valid.", code="validation_error", fields=data.errors)
        values = data.validated_data
        query = SearchQuery(
            origin=values["from"],
            destination=values["to"],
            depart_at=values.get("depart_at"),
            arrive_by=values.get("arrive_by"),
            max_walk_m=values["max_walk_m"],
            max_transfers=values["max_transfers"],
            seats=values["seats"],
            modes=values["modes"],
            rental_hours=values["rental_hours"],
            pickup_mode=values["pickup"],
            window_min=values["window_min"],
            max_duration_min=values["max_duration_min"],
        )
        return Response(journeys_search(query=query, user=request.user))
