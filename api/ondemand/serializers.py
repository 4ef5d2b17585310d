"""On-demand (Rufbus) API: input and output shapes."""

from __future__ import annotations

from rest_framework import serializers

from ondemand.models import OnDemandBooking, OnDemandRun


class PointInput(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)


class BookingInput(serializers.Serializer):
    pickup = PointInput()
    dropoff = PointInput()
    earliest_pickup = serializers.DateTimeField(
        help_text="the pickup window opens; it lasts ONDEMAND_PICKUP_WINDOW_MIN"
    )
    seats = serializers.IntegerField(min_value=1, max_value=8, default=1)


class BookingOutput(serializers.ModelSerializer):
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


class RunStopOutput(serializers.Serializer):
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


class RunOutput(serializers.ModelSerializer):
    zone = serializers.CharField(source="flex_stop_time.location.name")
    line = serializers.CharField(source="flex_stop_time.trip.route.short_name")

    class Meta:
        model = OnDemandRun
        fields = ["id", "zone", "line", "service_date", "capacity", "start_at", "end_at", "depot_lat", "depot_lon"]


class RunDetailOutput(RunOutput):
    stops = RunStopOutput(many=True)

    class Meta(RunOutput.Meta):
        fields = [*RunOutput.Meta.fields, "stops"]


class ZoneOutput(serializers.Serializer):
    id = serializers.IntegerField()
    location_id = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()
    geometry = serializers.JSONField()
