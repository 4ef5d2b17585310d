"""Ride-sharing input and output serializers, with the privacy rules.

Before a booking is confirmed nobody but the owner sees an exact position: others get the
meeting point, or the position rounded to a ~500 m grid (``exact: false``), never the route
polyline, never a name or phone number. After the driver confirms, driver and rider see each
other's exact pickup and contact details.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import latitude, longitude
from rides import conf
from rides.domain.privacy import coarse_position
from rides.domain.recurrence import mask_weekdays
from rides.models import (
    BenchPickupOptIn,
    BenchRequest,
    BenchRequestStatus,
    BookingStatus,
    MeetingPoint,
    MeetingPointKind,
    NoShowReport,
    PickupMode,
    RideBooking,
    RideOffer,
    RideRating,
    RideRequest,
)
from rides.selectors import derived_from_driver, rating_summary


# -- input --------------------------------------------------------------------------------------
class PlaceInputSerializer(serializers.Serializer):
    lat = latitude(required=False)
    lon = longitude(required=False)
    meeting_point = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="A meeting point id instead of coordinates"
    )
    stop = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="A transit stop id from /api/v1/gtfs/stops/"
    )

    def validate(self, attrs):
        if "meeting_point" not in attrs and "stop" not in attrs and ("lat" not in attrs or "lon" not in attrs):
            raise serializers.ValidationError(_("Give lat and lon, a meeting_point or a stop."))
        return attrs


class OfferCreateSerializer(serializers.Serializer):
    origin = PlaceInputSerializer()
    destination = PlaceInputSerializer()
    departure = serializers.DateTimeField()
    seats = serializers.IntegerField(min_value=1, max_value=8)
    cost_share_cents = serializers.IntegerField(
        min_value=0,
        max_value=100_000,
        default=0,
        help_text="What each rider pays per seat; a full car may pay at most the ride's running costs "
        "(route km × RIDES_COST_RATE_CENTS_PER_KM + tolls, PBefG § 1 Abs. 2 Nr. 1): above, 400 cost_share_above_cap",
    )
    tolls_cents = serializers.IntegerField(
        min_value=0, max_value=1_000_000, default=0, help_text="Tolls on the route, added to the running costs"
    )
    women_riders_only = serializers.BooleanField(
        default=False, help_text="Only riders who declare themselves women in their profile may book (403 women_only)"
    )
    max_detour_minutes = serializers.IntegerField(min_value=0, max_value=60, default=15)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        default=list,
        help_text="ISO weekdays, 1 = Monday … 7 = Sunday (as base-load blocks)",
    )
    recurrence_until = serializers.DateField(required=False, allow_null=True, default=None)
    recurrence_exceptions = serializers.ListField(child=serializers.DateField(), default=list, max_length=400)


class RequestCreateSerializer(serializers.Serializer):
    origin = PlaceInputSerializer()
    destination = PlaceInputSerializer()
    earliest_departure = serializers.DateTimeField()
    latest_arrival = serializers.DateTimeField()
    seats = serializers.IntegerField(min_value=1, max_value=8, default=1)
    pickup_mode = serializers.ChoiceField(choices=PickupMode.choices, default=PickupMode.DOOR)
    max_walk_m = serializers.IntegerField(min_value=0, max_value=3000, default=500)
    women_drivers_only = serializers.BooleanField(
        default=False, help_text="Match only drivers who declare themselves women in their profile"
    )


MAX_ID = 2**31 - 1


class BookingCreateSerializer(serializers.Serializer):
    request = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Your ride request")
    offer = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    occurrence_date = serializers.DateField(help_text="The local date of the ride")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


# -- output -------------------------------------------------------------------------------------
class MeetingPointSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=MeetingPointKind.choices)
    code = serializers.CharField(
        allow_null=True, read_only=True, help_text="A Mitfahrbank's short code: its page is /bank/<code>/ (public)"
    )

    class Meta:
        model = MeetingPoint
        fields = ["id", "name", "kind", "lat", "lon", "code"]


class PlaceSerializer(serializers.Serializer):
    """A position as the viewer may see it."""

    lat = serializers.FloatField()
    lon = serializers.FloatField()
    exact = serializers.BooleanField(help_text="false: rounded to about 500 m")
    meeting_point = MeetingPointSerializer(allow_null=True)


class ContactSerializer(serializers.Serializer):
    display_name = serializers.CharField()
    phone = serializers.CharField()


def place(lat: float, lon: float, point: MeetingPoint | None, *, exact: bool) -> dict:
    if point is not None:
        return {"lat": point.lat, "lon": point.lon, "exact": True, "meeting_point": MeetingPointSerializer(point).data}
    if exact:
        return {"lat": lat, "lon": lon, "exact": True, "meeting_point": None}
    c_lat, c_lon = coarse_position(lat, lon, conf.privacy_grid_m())
    return {"lat": c_lat, "lon": c_lon, "exact": False, "meeting_point": None}


def first_name(user) -> str:
    """The first word of the display name: enough to know who asks, not who they are."""
    name = (user.display_name or "").strip()
    return name.split()[0] if name else ""


def contact(user) -> dict:
    return {"display_name": user.display_name, "phone": user.phone}


class OfferSerializer(serializers.ModelSerializer):
    """An offer; ``context["user"]`` and ``context["confirmed_offers"]`` decide what is exact."""

    origin = serializers.SerializerMethodField()
    destination = serializers.SerializerMethodField()
    weekdays = serializers.SerializerMethodField()
    polyline = serializers.SerializerMethodField()
    driver = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()

    class Meta:
        model = RideOffer
        fields = [
            "id",
            "is_mine",
            "driver",
            "origin",
            "destination",
            "departure",
            "seats",
            "cost_share_cents",
            "tolls_cents",
            "running_cost_cents",
            "women_riders_only",
            "max_detour_minutes",
            "weekdays",
            "recurrence_until",
            "recurrence_exceptions",
            "distance_m",
            "duration_s",
            "polyline",
            "status",
            "created_at",
        ]

    def _sees_exact(self, offer: RideOffer) -> bool:
        user = self.context.get("user")
        if user is None:
            return False
        return offer.driver_id == user.pk or offer.pk in self.context.get("confirmed_offers", set())

    @extend_schema_field(PlaceSerializer)
    def get_origin(self, offer: RideOffer) -> dict:
        return place(offer.origin_lat, offer.origin_lon, offer.origin_meeting_point, exact=self._sees_exact(offer))

    @extend_schema_field(PlaceSerializer)
    def get_destination(self, offer: RideOffer) -> dict:
        return place(
            offer.destination_lat, offer.destination_lon, offer.destination_meeting_point, exact=self._sees_exact(offer)
        )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=7)))
    def get_weekdays(self, offer: RideOffer) -> list[int]:
        """ISO weekdays (1 = Monday … 7 = Sunday); the stored mask counts from bit 0 = Monday."""
        return [day + 1 for day in mask_weekdays(offer.recurrence_weekdays)]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_polyline(self, offer: RideOffer) -> str | None:
        return offer.polyline if self._sees_exact(offer) else None

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_driver(self, offer: RideOffer) -> dict | None:
        return contact(offer.driver) if self._sees_exact(offer) else None

    def get_is_mine(self, offer: RideOffer) -> bool:
        user = self.context.get("user")
        return bool(user and offer.driver_id == user.pk)


class RequestSerializer(serializers.ModelSerializer):
    """A request, shown only to its rider (exact)."""

    class Meta:
        model = RideRequest
        fields = [
            "id",
            "origin_lat",
            "origin_lon",
            "destination_lat",
            "destination_lon",
            "earliest_departure",
            "latest_arrival",
            "seats",
            "pickup_mode",
            "max_walk_m",
            "women_drivers_only",
            "status",
            "created_at",
        ]


class MatchSerializer(serializers.Serializer):
    """A fitting ride for the rider's own request (so the pickup place is the rider's own)."""

    offer = serializers.SerializerMethodField()
    occurrence_date = serializers.DateField()
    pickup = serializers.SerializerMethodField()
    dropoff = serializers.SerializerMethodField()
    pickup_time = serializers.DateTimeField()
    dropoff_time = serializers.DateTimeField()
    detour_s = serializers.SerializerMethodField()
    walk_m = serializers.SerializerMethodField()

    @extend_schema_field(OfferSerializer)
    def get_offer(self, item) -> dict:
        return OfferSerializer(item.offer, context=self.context).data

    @extend_schema_field(PlaceSerializer)
    def get_pickup(self, item) -> dict:
        return place(item.pickup_lat, item.pickup_lon, item.pickup_point, exact=item.pickup_exact)

    @extend_schema_field(PlaceSerializer)
    def get_dropoff(self, item) -> dict:
        return place(item.dropoff_lat, item.dropoff_lon, item.dropoff_point, exact=item.dropoff_exact)

    def get_detour_s(self, item) -> float:
        return round(item.match.added_s, 1)

    def get_walk_m(self, item) -> float:
        return round(item.match.walk_m, 1)


class RequestWithMatchesSerializer(RequestSerializer):
    """The created request itself (``id`` at the top) and, beside it, the rides that fit it now."""

    matches = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "matches"]

    @extend_schema_field(MatchSerializer(many=True))
    def get_matches(self, ride_request) -> list[dict]:
        return MatchSerializer(self.context["matches"], many=True, context=self.context).data


class RatingSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)


class BookingSerializer(serializers.ModelSerializer):
    """A booking for one of its two parties; exact places and contacts once confirmed."""

    offer = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    pickup = serializers.SerializerMethodField()
    dropoff = serializers.SerializerMethodField()
    rider = serializers.SerializerMethodField()
    rider_first_name = serializers.SerializerMethodField(
        help_text="who asks for the seat, shown to the driver before deciding (full contact once confirmed)"
    )
    driver = serializers.SerializerMethodField()

    class Meta:
        model = RideBooking
        fields = [
            "id",
            "role",
            "offer",
            "occurrence_date",
            "seats",
            "status",
            "pickup",
            "dropoff",
            "pickup_time",
            "dropoff_time",
            "walk_m",
            "added_s",
            "price_cents",
            "rider",
            "rider_first_name",
            "driver",
            "other_party_rating",
            "cancel_reason",
            "created_at",
        ]

    other_party_rating = serializers.SerializerMethodField(
        help_text="The other side's ratings: the average only over at least RIDES_RATING_MIN_COUNT ratings"
    )

    @extend_schema_field(RatingSummarySerializer)
    def get_other_party_rating(self, booking: RideBooking) -> dict:
        other = booking.offer.driver if self._is_rider(booking) else booking.rider
        summary = rating_summary(user=other)
        return {"count": summary.count, "average": summary.average}

    def _user(self):
        return self.context["user"]

    def _is_rider(self, booking: RideBooking) -> bool:
        return booking.rider_id == self._user().pk

    def _confirmed(self, booking: RideBooking) -> bool:
        return booking.status == BookingStatus.CONFIRMED

    @extend_schema_field(OfferSerializer)
    def get_offer(self, booking: RideBooking) -> dict:
        confirmed = {booking.offer_id} if self._confirmed(booking) else set()
        return OfferSerializer(booking.offer, context={"user": self._user(), "confirmed_offers": confirmed}).data

    @extend_schema_field(serializers.ChoiceField(choices=["rider", "driver"]))
    def get_role(self, booking: RideBooking) -> str:
        return "rider" if self._is_rider(booking) else "driver"

    @extend_schema_field(PlaceSerializer)
    def get_pickup(self, booking: RideBooking) -> dict:
        own = self._is_rider(booking) and not derived_from_driver(
            booking.offer, booking.pickup_node, booking.pickup_meeting_point_id
        )
        exact = own or self._confirmed(booking)
        return place(booking.pickup_lat, booking.pickup_lon, booking.pickup_meeting_point, exact=exact)

    @extend_schema_field(PlaceSerializer)
    def get_dropoff(self, booking: RideBooking) -> dict:
        own = self._is_rider(booking) and not derived_from_driver(
            booking.offer, booking.dropoff_node, booking.dropoff_meeting_point_id
        )
        exact = own or self._confirmed(booking)
        return place(booking.dropoff_lat, booking.dropoff_lon, booking.dropoff_meeting_point, exact=exact)

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_rider(self, booking: RideBooking) -> dict | None:
        if self._is_rider(booking) or self._confirmed(booking):
            return contact(booking.rider)
        return None

    def get_rider_first_name(self, booking: RideBooking) -> str:
        return first_name(booking.rider)

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_driver(self, booking: RideBooking) -> dict | None:
        if not self._is_rider(booking) or self._confirmed(booking):
            return contact(booking.offer.driver)
        return None


# -- trust ------------------------------------------------------------------------------------
class RatingInput(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = RideRating
        fields = ["id", "booking", "rater_role", "score", "text", "created_at"]


class NoShowInput(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class NoShowReportSerializer(serializers.ModelSerializer):
    """A report for the operator: who reported whom on which ride, and the note."""

    occurrence_date = serializers.DateField(source="booking.occurrence_date")
    offer = serializers.IntegerField(source="booking.offer_id")

    class Meta:
        model = NoShowReport
        fields = [
            "id",
            "booking",
            "offer",
            "occurrence_date",
            "reporter_role",
            "reporter",
            "reported",
            "note",
            "status",
            "handled_by",
            "handled_at",
            "created_at",
        ]


class ReportDecisionInput(serializers.Serializer):
    upheld = serializers.BooleanField()


class TrustProfileSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    is_active = serializers.BooleanField()
    ratings_count = serializers.IntegerField()
    rating_average = serializers.FloatField(allow_null=True)
    no_show_reports_open = serializers.IntegerField()
    no_show_reports_upheld = serializers.IntegerField()
    late_cancellations = serializers.IntegerField()


# -- the Mitfahrbank --------------------------------------------------------------------------
class BenchRequestInput(serializers.Serializer):
    destination = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Another bench's meeting point id")
    women_drivers_only = serializers.BooleanField(
        default=False,
        help_text="Tell only drivers who declare themselves women (honoured for a signed-in requester only)",
    )


class BenchRequestSerializer(serializers.ModelSerializer):
    """A request at a bench, as the person waiting and the notified drivers see it."""

    bench = serializers.SerializerMethodField()
    destination = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    driver_name = serializers.SerializerMethodField()

    class Meta:
        model = BenchRequest
        fields = ["id", "bench", "destination", "status", "driver_name", "pickup_eta", "created_at", "expires_at"]

    @extend_schema_field(serializers.CharField())
    def get_bench(self, item) -> str:
        return item.bench.name

    @extend_schema_field(serializers.CharField())
    def get_destination(self, item) -> str:
        return item.destination.name

    @extend_schema_field(serializers.ChoiceField(choices=BenchRequestStatus.choices))
    def get_status(self, item) -> str:
        from rides.services import bench_request_status

        return bench_request_status(item)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_driver_name(self, item) -> str | None:
        return item.accepted_by.display_name if item.accepted_by_id and item.accepted_by else None


class BenchRequestCreatedSerializer(BenchRequestSerializer):
    """The created request with its secret ``token``: the only way to see or cancel it later."""

    class Meta(BenchRequestSerializer.Meta):
        fields = [*BenchRequestSerializer.Meta.fields, "token"]


class BenchAcceptInput(serializers.Serializer):
    eta_minutes = serializers.IntegerField(min_value=0, max_value=120, default=10)


class BenchOptInInput(serializers.Serializer):
    bench = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The bench's meeting point id")
    destination = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None, help_text="Empty: any village"
    )


class BenchOptInSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchPickupOptIn
        fields = ["id", "bench", "destination", "created_at"]
