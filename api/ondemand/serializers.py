"""On-demand (Rufbus) API: input and output shapes."""

from __future__ import annotations

from rest_framework import serializers

from api.fields import latitude, longitude
from api.gtfs.serializers import IsoWeekdaysField
from ondemand.models import OnDemandBooking, OnDemandRun


class OnDemandPointInput(serializers.Serializer):
    lat = latitude()
    lon = longitude()


class OnDemandBookingInput(serializers.Serializer):
    pickup = OnDemandPointInput()
    dropoff = OnDemandPointInput()
    earliest_pickup = serializers.DateTimeField(
        help_text="the pickup window opens; it lasts ONDEMAND_PICKUP_WINDOW_MIN"
    )
    seats = serializers.IntegerField(min_value=1, max_value=8, default=1)


class OnDemandBookingOutput(serializers.ModelSerializer):
    class Meta:
        model = OnDemandBooking
        fields = [
            "id",
            "run",
            "seats",
            "pickup_lat",
            "pickup_lon",
            "dropoff_lat",
            "dropoff_lon",
            "earliest_pickup_at",
            "latest_pickup_at",
            "pickup_at",
            "dropoff_at",
            "max_ride_s",
            "status",
            "created_at",
            "cancelled_at",
        ]


class OnDemandRunStopOutput(serializers.Serializer):
    order = serializers.IntegerField()
    at = serializers.DateTimeField()
    pickup = serializers.BooleanField()
    booking_id = serializers.IntegerField()
    passenger = serializers.CharField()
    seats = serializers.IntegerField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    window_from = serializers.DateTimeField(allow_null=True)
    window_to = serializers.DateTimeField(allow_null=True)


class OnDemandRunOutput(serializers.ModelSerializer):
    zone = serializers.CharField(source="flex_stop_time.location.name")
    line = serializers.CharField(source="flex_stop_time.trip.route.short_name")

    class Meta:
        model = OnDemandRun
        fields = ["id", "zone", "line", "service_date", "capacity", "start_at", "end_at", "depot_lat", "depot_lon"]


class OnDemandRunDetailOutput(OnDemandRunOutput):
    stops = OnDemandRunStopOutput(many=True)

    class Meta(OnDemandRunOutput.Meta):
        fields = [*OnDemandRunOutput.Meta.fields, "stops"]


class OnDemandZoneOutput(serializers.Serializer):
    id = serializers.IntegerField()
    location_id = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    geometry = serializers.JSONField()


class OnDemandZoneInput(serializers.Serializer):
    """A Rufbus zone drawn in the Bürgerbus editor."""

    name = serializers.CharField(max_length=255)
    geometry = serializers.JSONField(help_text="a GeoJSON Polygon or MultiPolygon (WGS84 lon, lat)")
    line = serializers.IntegerField(help_text="the Bürgerbus line (/gtfs/buergerbus/lines/) the zone belongs to")
    weekdays = IsoWeekdaysField(allow_empty=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    start_time = serializers.RegexField(r"^\d{1,2}:\d{2}(:\d{2})?$", help_text="the service window opens (HH:MM)")
    end_time = serializers.RegexField(r"^\d{1,2}:\d{2}(:\d{2})?$", help_text="the service window closes (HH:MM)")
    booking_rule = serializers.IntegerField(required=False, allow_null=True, help_text="default: the line's rule")
    capacity = serializers.IntegerField(min_value=1, max_value=100, required=False)


class OnDemandZoneCreatedOutput(serializers.Serializer):
    id = serializers.IntegerField(source="location.id")
    location_id = serializers.CharField(source="location.location_id")
    name = serializers.CharField(source="location.name")
    geometry = serializers.JSONField(source="location.geometry")
    stop_ids = serializers.ListField(child=serializers.CharField(), source="location.stop_ids")
    trip = serializers.IntegerField(source="trip_id")
    start_window = serializers.IntegerField(help_text="seconds after service-day noon-12h")
    end_window = serializers.IntegerField()
    booking_rule = serializers.IntegerField(source="pickup_booking_rule_id", allow_null=True)


class OnDemandOsmPlaceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    osm_type = serializers.CharField()
    osm_id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    status = serializers.CharField()
    meeting_point = serializers.IntegerField(source="meeting_point_id", allow_null=True)
    stop = serializers.IntegerField(source="stop_id", allow_null=True)


class OnDemandOsmPlaceDecisionInput(serializers.Serializer):
    confirm = serializers.BooleanField()
    name = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
