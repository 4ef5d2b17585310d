"""Ride-sharing: road graphs, meeting points, offers, requests and seat bookings.

The database is the source of truth; the matcher's in-memory index (``rides.matching_index``)
is rebuilt from these rows. Coordinates are WGS84 degrees, durations seconds, distances
metres, money euro cents. Exact coordinates of offers, requests and bookings are private:
the API shows them to others only rounded or as a meeting point (``rides.privacy``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q


class RoadGraph(models.Model):
    """An imported road graph; its arrays live in ``path`` (a directory of ``.npy`` files)."""

    name = models.SlugField(max_length=80, unique=True)
    path = models.CharField(max_length=500)
    source_file = models.CharField(max_length=500, blank=True)
    node_count = models.PositiveIntegerField()
    edge_count = models.PositiveIntegerField()
    bbox = models.JSONField(help_text="[min_lon, min_lat, max_lon, max_lat]")
    active = models.BooleanField(default=True, help_text="The active graph is used for new offers and requests")
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MeetingPointKind(models.TextChoices):
    MITFAHRBANK = "mitfahrbank", "Mitfahrbank"
    STOP = "stop", "Bus stop"
    PARKING = "parking", "Park and ride"


#: Letters of a bench's short code: no 0/o, 1/l/i that people mistype from a sign.
BENCH_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_bench_code() -> str:
    import secrets

    return "".join(secrets.choice(BENCH_CODE_ALPHABET) for _ in range(6))


class MeetingPoint(models.Model):
    """A public place curated by the municipality where riders wait (e.g. a Mitfahrbank).

    A Mitfahrbank has a short ``code``: its sign's QR code and short URL ``/bank/<code>/``.
    """

    name = models.CharField(max_length=120)
    lat = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lon = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    kind = models.CharField(max_length=20, choices=MeetingPointKind.choices, default=MeetingPointKind.MITFAHRBANK)
    active = models.BooleanField(default=True)
    code = models.CharField(
        max_length=12, unique=True, null=True, blank=True, help_text="Short code of a Mitfahrbank: /bank/<code>/"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.kind == MeetingPointKind.MITFAHRBANK and not self.code:
            self.code = new_bench_code()
        super().save(*args, **kwargs)


class OfferStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


class RideOffer(models.Model):
    """A driver's ride, once or recurring on weekdays (bit 0 = Monday) until an end date."""

    driver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ride_offers")
    graph = models.ForeignKey(RoadGraph, on_delete=models.PROTECT, related_name="offers")
    origin_lat = models.FloatField()
    origin_lon = models.FloatField()
    origin_meeting_point = models.ForeignKey(
        MeetingPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    destination_lat = models.FloatField()
    destination_lon = models.FloatField()
    destination_meeting_point = models.ForeignKey(
        MeetingPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin_node = models.PositiveIntegerField()
    destination_node = models.PositiveIntegerField()
    departure = models.DateTimeField(help_text="First departure; recurring rides repeat its local time of day")
    seats = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(8)])
    cost_share_cents = models.PositiveIntegerField(default=0, help_text="What a rider pays per seat")
    tolls_cents = models.PositiveIntegerField(default=0, help_text="Tolls on the route, stated by the driver")
    running_cost_cents = models.PositiveIntegerField(
        default=0,
        help_text="The ride's running costs (route distance × RIDES_COST_RATE_CENTS_PER_KM + tolls) when offered: "
        "the most all riders of one ride pay together (PBefG § 1 Abs. 2 Nr. 1)",
    )
    max_detour_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(0), MaxValueValidator(60)]
    )
    recurrence_weekdays = models.PositiveSmallIntegerField(
        default=0, help_text="Bit mask, bit 0 = Monday … bit 6 = Sunday; 0 = a single ride"
    )
    recurrence_until = models.DateField(null=True, blank=True)
    recurrence_exceptions = models.JSONField(default=list, blank=True, help_text="ISO dates without a ride")
    distance_m = models.FloatField()
    duration_s = models.FloatField()
    polyline = models.TextField(help_text="Google encoded polyline of the driver's own route")
    women_riders_only = models.BooleanField(
        default=False, help_text="Only riders who declare themselves women in their profile may book"
    )
    status = models.CharField(max_length=12, choices=OfferStatus.choices, default=OfferStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["departure", "id"]
        indexes = [models.Index(fields=["status", "departure"])]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1) & Q(seats__lte=8), name="ride_offer_seats_range"),
            models.CheckConstraint(condition=Q(max_detour_minutes__lte=60), name="ride_offer_detour_range"),
            models.CheckConstraint(condition=Q(recurrence_weekdays__lte=127), name="ride_offer_weekdays_mask"),
        ]

    def __str__(self) -> str:
        return f"offer #{self.pk} by {self.driver}"


class PickupMode(models.TextChoices):
    DOOR = "door", "At the door"
    MEETING_POINT = "meeting_point", "At a meeting point"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"


class RideRequest(models.Model):
    """A rider looking for a ride within a time window."""

    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ride_requests")
    graph = models.ForeignKey(RoadGraph, on_delete=models.PROTECT, related_name="requests")
    origin_lat = models.FloatField()
    origin_lon = models.FloatField()
    destination_lat = models.FloatField()
    destination_lon = models.FloatField()
    earliest_departure = models.DateTimeField()
    latest_arrival = models.DateTimeField()
    seats = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(8)])
    pickup_mode = models.CharField(max_length=20, choices=PickupMode.choices, default=PickupMode.DOOR)
    max_walk_m = models.PositiveIntegerField(default=500, validators=[MaxValueValidator(3000)])
    women_drivers_only = models.BooleanField(
        default=False, help_text="Match only drivers who declare themselves women in their profile"
    )
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["earliest_departure", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_arrival__gt=F("earliest_departure")), name="ride_request_window_order"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1) & Q(seats__lte=8), name="ride_request_seats_range"),
        ]

    def __str__(self) -> str:
        return f"request #{self.pk} by {self.rider}"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


#: Bookings that hold seats: a request holds its seats until the driver answers.
SEAT_HOLDING = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


class RideBooking(models.Model):
    """A rider's seats on one occurrence of an offer, with the promised pickup and drop-off."""

    offer = models.ForeignKey(RideOffer, on_delete=models.CASCADE, related_name="bookings")
    occurrence_date = models.DateField(help_text="Local date of the ride (recurring offers)")
    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ride_bookings")
    request = models.ForeignKey(RideRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings")
    seats = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(8)])
    pickup_lat = models.FloatField()
    pickup_lon = models.FloatField()
    pickup_node = models.PositiveIntegerField()
    pickup_meeting_point = models.ForeignKey(
        MeetingPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dropoff_lat = models.FloatField()
    dropoff_lon = models.FloatField()
    dropoff_node = models.PositiveIntegerField()
    dropoff_meeting_point = models.ForeignKey(
        MeetingPoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pickup_time = models.DateTimeField()
    dropoff_time = models.DateTimeField()
    walk_m = models.FloatField(default=0)
    added_s = models.FloatField(help_text="Extra driving seconds this rider caused when booked")
    price_cents = models.PositiveIntegerField(default=0, help_text="This rider's share: cost share × seats")
    status = models.CharField(max_length=12, choices=BookingStatus.choices, default=BookingStatus.REQUESTED)
    cancel_reason = models.CharField(max_length=300, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    late_cancellation = models.BooleanField(
        default=False, help_text="Cancelled by the rider within RIDES_LATE_CANCEL_HOURS of the pickup, once confirmed"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pickup_time", "id"]
        indexes = [models.Index(fields=["offer", "occurrence_date", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1) & Q(seats__lte=8), name="ride_booking_seats_range"),
            models.CheckConstraint(condition=Q(dropoff_time__gte=F("pickup_time")), name="ride_booking_time_order"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="ride_booking_cancel_has_reason"
            ),
            # One live booking per rider and ride occurrence.
            models.UniqueConstraint(
                fields=["offer", "occurrence_date", "rider"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="ride_booking_one_live_per_rider",
            ),
        ]

    def __str__(self) -> str:
        return f"booking #{self.pk} ({self.status})"


class PartyRole(models.TextChoices):
    RIDER = "rider", "Rider"
    DRIVER = "driver", "Driver"


class RideRating(models.Model):
    """One side's rating of the other after a ride: 1–5 and an optional short text.

    Others see a person's ratings only as an average over at least ``RIDES_RATING_MIN_COUNT``
    ratings (``rides.selectors.rating_summary``); the texts are read by the operator only.
    """

    booking = models.ForeignKey(RideBooking, on_delete=models.CASCADE, related_name="ratings")
    rater_role = models.CharField(max_length=8, choices=PartyRole.choices, help_text="Who rated: rider or driver")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ride_ratings_given"
    )
    ratee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ride_ratings_received")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="ride_rating_score_range"),
            models.UniqueConstraint(fields=["booking", "rater_role"], name="ride_rating_one_per_side"),
        ]

    def __str__(self) -> str:
        return f"rating {self.score} on booking #{self.booking_id} by the {self.rater_role}"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    UPHELD = "upheld", "Upheld"


class NoShowReport(models.Model):
    """A rider or driver reports that the other side did not turn up for a confirmed ride."""

    booking = models.ForeignKey(RideBooking, on_delete=models.CASCADE, related_name="no_show_reports")
    reporter_role = models.CharField(max_length=8, choices=PartyRole.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="no_show_reports")
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["booking", "reporter_role"], name="no_show_one_per_side")]

    def __str__(self) -> str:
        return f"no-show report on booking #{self.booking_id} by the {self.reporter_role}"


class BenchRequestStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    ACCEPTED = "accepted", "Accepted"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class BenchRequest(models.Model):
    """Someone at a Mitfahrbank asks for a lift to another village, without an account.

    Holds no personal data: the bench, the destination, times, and a random ``token`` that
    only the person's browser knows (their status page). Waiting requests lapse at
    ``expires_at``.
    """

    bench = models.ForeignKey(MeetingPoint, on_delete=models.CASCADE, related_name="bench_requests")
    destination = models.ForeignKey(MeetingPoint, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=43, unique=True)
    status = models.CharField(max_length=10, choices=BenchRequestStatus.choices, default=BenchRequestStatus.WAITING)
    notified_drivers = models.JSONField(default=list, blank=True, help_text="User ids told about this request")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_offer = models.ForeignKey(RideOffer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pickup_eta = models.DateTimeField(null=True, blank=True, help_text="When the accepting driver expects to be there")
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(bench=F("destination")), name="bench_request_elsewhere"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False),
                name="bench_request_accepted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"bench request #{self.pk} at {self.bench_id} ({self.status})"


class BenchPickupOptIn(models.Model):
    """A driver who wants to hear about people waiting at a bench (for one destination, or any)."""

    driver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bench_opt_ins")
    bench = models.ForeignKey(MeetingPoint, on_delete=models.CASCADE, related_name="opt_ins")
    destination = models.ForeignKey(
        MeetingPoint, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Empty: any"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bench", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["driver", "bench", "destination"],
                name="bench_opt_in_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.driver_id} picks up at {self.bench_id}"
