"""Input and output serializers of the transit and Bürgerbus API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import latitude, longitude
from api.validators import validate_supported_date
from gtfs.domain.times import format_gtfs_time
from gtfs.models import BookingRule, BuergerbusBooking, Feed, FeedKind, FeedVersion, GtfsImport, Route, Service, Stop


class ProblemOutput(serializers.Serializer):
    severity = serializers.ChoiceField(choices=["error", "warning"])
    code = serializers.CharField()
    file = serializers.CharField(allow_null=True)
    row = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class FeedVersionOutput(serializers.ModelSerializer):
    warnings = ProblemOutput(many=True)
    stats = serializers.DictField(child=serializers.IntegerField())
    active = serializers.SerializerMethodField()

    class Meta:
        model = FeedVersion
        fields = [
            "id",
            "feed",
            "source_name",
            "content_sha256",
            "timezone",
            "valid_from",
            "valid_to",
            "warnings",
            "stats",
            "created_at",
            "edited_at",
            "active",
        ]

    def get_active(self, obj: FeedVersion) -> bool:
        return obj.feed.active_version_id == obj.pk


KIND_HELP = "transit or community_bus (the Bürgerbus)"


class FeedOutput(serializers.ModelSerializer):
    active_version = FeedVersionOutput(allow_null=True)
    kind = serializers.CharField(help_text=KIND_HELP)

    class Meta:
        model = Feed
        fields = ["id", "name", "kind", "created_at", "active_version"]


class StopOutput(serializers.ModelSerializer):
    feed = serializers.IntegerField(source="version.feed_id")
    distance_m = serializers.SerializerMethodField()
    stops = serializers.SerializerMethodField(help_text="ids of every feed's stop at this place (this one first)")
    feeds = serializers.SerializerMethodField(help_text="the feeds serving this place")

    class Meta:
        model = Stop
        fields = [
            "id",
            "stop_id",
            "code",
            "name",
            "lat",
            "lon",
            "location_type",
            "parent_station",
            "platform_code",
            "feed",
            "feeds",
            "stops",
            "distance_m",
        ]

    def get_distance_m(self, obj: Stop) -> float | None:
        distance = getattr(obj, "distance_m", None)
        return round(distance, 1) if distance is not None else None

    def get_stops(self, obj: Stop) -> list[int]:
        members = getattr(obj, "place_stops", None) or [obj]
        return [obj.pk] + sorted(stop.pk for stop in members if stop.pk != obj.pk)

    def get_feeds(self, obj: Stop) -> list[int]:
        members = getattr(obj, "place_stops", None) or [obj]
        return sorted({stop.version.feed_id for stop in members})


class BookingRuleOutput(serializers.ModelSerializer):
    prior_notice_last_time = serializers.SerializerMethodField()

    class Meta:
        model = BookingRule
        fields = [
            "id",
            "booking_rule_id",
            "booking_type",
            "prior_notice_duration_min",
            "prior_notice_last_day",
            "prior_notice_last_time",
            "message",
            "phone_number",
            "info_url",
        ]

    def get_prior_notice_last_time(self, obj: BookingRule) -> str | None:
        return format_gtfs_time(obj.prior_notice_last_time) if obj.prior_notice_last_time is not None else None


class RouteOutput(serializers.ModelSerializer):
    feed = serializers.IntegerField(source="version.feed_id")
    booking_rule = BookingRuleOutput(allow_null=True)

    class Meta:
        model = Route
        fields = [
            "id",
            "route_id",
            "short_name",
            "long_name",
            "route_type",
            "color",
            "text_color",
            "feed",
            "booking_rule",
        ]


class CallOutput(serializers.Serializer):
    stop = serializers.IntegerField(source="stop_id", help_text="the stop's id (as in /gtfs/stops/)")
    stop_id = serializers.CharField(source="gtfs_stop_id", help_text="the feed's GTFS stop_id")
    stop_name = serializers.CharField()
    stop_sequence = serializers.IntegerField()
    arrival = serializers.DateTimeField(allow_null=True)
    departure = serializers.DateTimeField(allow_null=True)


class DepartureOutput(serializers.Serializer):
    stop = serializers.IntegerField(source="stop_id", help_text="the stop's id (as in /gtfs/stops/)")
    stop_id = serializers.CharField(source="gtfs_stop_id", help_text="the feed's GTFS stop_id")
    stop_name = serializers.CharField()
    stop_sequence = serializers.IntegerField()
    service_date = serializers.DateField()
    departure = serializers.DateTimeField()
    trip_id = serializers.IntegerField()
    gtfs_trip_id = serializers.CharField()
    headsign = serializers.CharField()
    route_id = serializers.IntegerField()
    route_short_name = serializers.CharField()
    route_long_name = serializers.CharField()
    route_type = serializers.IntegerField()
    feed_id = serializers.IntegerField()
    feed_kind = serializers.CharField()
    bookable = serializers.BooleanField()
    remaining_stops = CallOutput(many=True)


class DeparturesQuery(serializers.Serializer):
    stops = serializers.CharField(help_text="one stop id or several, comma-separated (a group of stops)")
    date = serializers.DateField(
        required=False, help_text="local service date; default today", validators=[validate_supported_date]
    )
    time = serializers.TimeField(required=False, help_text="local start time; default now")
    window = serializers.IntegerField(required=False, min_value=1, max_value=24 * 60, default=60, help_text="minutes")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)

    def validate_stops(self, value: str) -> list[int]:
        try:
            ids = [int(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise serializers.ValidationError(_("Comma-separated stop ids expected.")) from None
        if not ids or len(ids) > 50:
            raise serializers.ValidationError(_("Give 1 to 50 stop ids."))
        return ids


class StopsQuery(serializers.Serializer):
    q = serializers.CharField(
        required=False, max_length=100, help_text="name prefix (any word); without q and lat/lon: every stop"
    )
    lat = latitude(required=False)
    lon = longitude(required=False)
    radius = serializers.FloatField(required=False, min_value=1, max_value=20_000, default=500, help_text="metres")

    def validate(self, attrs):
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError(_("Give both lat and lon."))
        return attrs


class StopTimeOutput(serializers.Serializer):
    stop_sequence = serializers.IntegerField()
    stop = serializers.IntegerField(source="stop_id")
    stop_name = serializers.CharField(source="stop.name")
    arrival_time = serializers.SerializerMethodField()
    departure_time = serializers.SerializerMethodField()
    pickup_type = serializers.IntegerField()
    drop_off_type = serializers.IntegerField()

    def get_arrival_time(self, obj) -> str | None:
        return format_gtfs_time(obj.arrival_time) if obj.arrival_time is not None else None

    def get_departure_time(self, obj) -> str | None:
        return format_gtfs_time(obj.departure_time) if obj.departure_time is not None else None


class ServiceOutput(serializers.ModelSerializer):
    weekdays = serializers.SerializerMethodField()
    added_dates = serializers.SerializerMethodField()
    removed_dates = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = ["service_id", "weekdays", "start_date", "end_date", "added_dates", "removed_dates"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=7)))
    def get_weekdays(self, obj) -> list[int]:
        """ISO weekdays (1 = Monday … 7 = Sunday) on which the service runs."""
        return [number for number, day in enumerate(Service.WEEKDAYS, start=1) if getattr(obj, day)]

    def get_added_dates(self, obj) -> list[str]:
        return [d.date.isoformat() for d in obj.dates.all() if d.exception_type == 1]

    def get_removed_dates(self, obj) -> list[str]:
        return [d.date.isoformat() for d in obj.dates.all() if d.exception_type == 2]


class TripOutput(serializers.Serializer):
    id = serializers.IntegerField()
    trip_id = serializers.CharField()
    headsign = serializers.CharField()
    route = RouteOutput()
    service = ServiceOutput()
    capacity = serializers.IntegerField()
    booking_rule = BookingRuleOutput(allow_null=True)
    stop_times = StopTimeOutput(many=True)


class ImportInput(serializers.Serializer):
    file = serializers.FileField()
    name = serializers.CharField(max_length=100)
    kind = serializers.RegexField(r"^(transit|community_bus)$", default=FeedKind.TRANSIT, help_text=KIND_HELP)


class ImportOutput(serializers.ModelSerializer):
    problems = ProblemOutput(many=True)
    kind = serializers.CharField(help_text=KIND_HELP)

    class Meta:
        model = GtfsImport
        fields = [
            "id",
            "feed_name",
            "kind",
            "original_name",
            "size_bytes",
            "status",
            "message",
            "problems",
            "version",
            "created_at",
            "finished_at",
        ]


# --- Bürgerbus timetable maintenance --------------------------------------------------------


class BBStopInput(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    lat = latitude()
    lon = longitude()
    code = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)


class BBStopPatchInput(BBStopInput):
    name = serializers.CharField(max_length=255, required=False)
    lat = latitude(required=False)
    lon = longitude(required=False)
    code = serializers.CharField(max_length=64, required=False, allow_blank=True)


class BBBookingRuleInput(serializers.Serializer):
    booking_type = serializers.ChoiceField(choices=BookingRule.BookingType.choices)
    prior_notice_duration_min = serializers.IntegerField(
        min_value=0, max_value=60 * 24 * 14, required=False, allow_null=True
    )
    prior_notice_last_day = serializers.IntegerField(min_value=0, max_value=60, required=False, allow_null=True)
    prior_notice_last_time = serializers.RegexField(r"^\d{1,2}:\d{2}(:\d{2})?$", required=False, allow_null=True)
    message = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)
    phone_number = serializers.CharField(required=False, default="", allow_blank=True, max_length=64)
    info_url = serializers.URLField(required=False, default="", allow_blank=True)


class BBLineInput(serializers.Serializer):
    short_name = serializers.CharField(max_length=100)
    long_name = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    color = serializers.RegexField(r"^[0-9A-Fa-f]{6}$", required=False, default="", allow_blank=True)
    booking_rule_id = serializers.IntegerField(required=False, allow_null=True)


class BBLinePatchInput(serializers.Serializer):
    short_name = serializers.CharField(max_length=100, required=False)
    long_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    color = serializers.RegexField(r"^[0-9A-Fa-f]{6}$", required=False, allow_blank=True)
    booking_rule_id = serializers.IntegerField(required=False, allow_null=True)


class BBTripStopInput(serializers.Serializer):
    stop = serializers.IntegerField()
    arrival = serializers.RegexField(r"^\d{1,2}:\d{2}(:\d{2})?$", required=False)
    departure = serializers.RegexField(r"^\d{1,2}:\d{2}(:\d{2})?$", required=False)

    def validate(self, attrs):
        if not attrs.get("arrival") and not attrs.get("departure"):
            raise serializers.ValidationError(_("Give arrival or departure."))
        return attrs


class IsoWeekdaysField(serializers.ListField):
    """ISO weekdays, 1 = Monday … 7 = Sunday, as everywhere in the API; the service layer gets
    the GTFS calendar's day names."""

    child = serializers.IntegerField(min_value=1, max_value=7)

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO weekdays, 1 = Monday … 7 = Sunday")
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[str]:
        return [Service.WEEKDAYS[day - 1] for day in super().to_internal_value(data)]


class BBTripInput(serializers.Serializer):
    line = serializers.IntegerField()
    headsign = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    weekdays = IsoWeekdaysField(allow_empty=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    added_dates = serializers.ListField(child=serializers.DateField(), required=False, default=list)
    removed_dates = serializers.ListField(child=serializers.DateField(), required=False, default=list)
    capacity = serializers.IntegerField(min_value=1, max_value=100, required=False)
    stops = BBTripStopInput(many=True)


class BBTripPatchInput(serializers.Serializer):
    headsign = serializers.CharField(max_length=255, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, max_value=100, required=False)
    weekdays = IsoWeekdaysField(required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    added_dates = serializers.ListField(child=serializers.DateField(), required=False)
    removed_dates = serializers.ListField(child=serializers.DateField(), required=False)


# --- bookings ----------------------------------------------------------------------------


class BookingInput(serializers.Serializer):
    trip = serializers.IntegerField()
    date = serializers.DateField()
    from_stop = serializers.IntegerField()
    to_stop = serializers.IntegerField()
    seats = serializers.IntegerField(min_value=1, max_value=8, default=1)


class AssistedBookingInput(BookingInput):
    passenger = serializers.IntegerField(
        required=False, allow_null=True, help_text="user id of a resident with an account"
    )
    passenger_name = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    passenger_phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("passenger") and not attrs.get("passenger_name"):
            raise serializers.ValidationError(_("Give passenger (an account) or passenger_name and passenger_phone."))
        return attrs


class BookingOutput(serializers.ModelSerializer):
    route_short_name = serializers.CharField(source="trip.route.short_name")
    from_stop_name = serializers.CharField(source="from_stop.name")
    to_stop_name = serializers.CharField(source="to_stop.name")

    class Meta:
        model = BuergerbusBooking
        fields = [
            "id",
            "trip",
            "route_short_name",
            "service_date",
            "from_stop",
            "from_stop_name",
            "to_stop",
            "to_stop_name",
            "departure_at",
            "seats",
            "assisted",
            "status",
            "created_at",
            "cancelled_at",
        ]


class ManifestPersonOutput(serializers.Serializer):
    booking_id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    seats = serializers.IntegerField()
    assisted = serializers.BooleanField()


class ManifestStopOutput(serializers.Serializer):
    stop_sequence = serializers.IntegerField()
    stop_id = serializers.IntegerField()
    stop_name = serializers.CharField()
    departure = serializers.DateTimeField(allow_null=True)
    boarding = ManifestPersonOutput(many=True)
    alighting = ManifestPersonOutput(many=True)
    onboard_after = serializers.IntegerField()


class ManifestOutput(serializers.Serializer):
    trip_id = serializers.IntegerField()
    route_short_name = serializers.CharField()
    headsign = serializers.CharField()
    service_date = serializers.DateField()
    capacity = serializers.IntegerField()
    seats_booked = serializers.IntegerField()
    stops = ManifestStopOutput(many=True)


class ManifestQuery(serializers.Serializer):
    date = serializers.DateField(validators=[validate_supported_date])


class CreatedIdOutput(serializers.Serializer):
    id = serializers.IntegerField()
