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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class RoadGraph(models.Model):
    """An imported road graph; its arrays live in ``path`` (a directory of ``.npy`` files)."""

    name = models.SlugField(max_length=80, unique=True, verbose_name=_("name"))
    path = models.CharField(max_length=500, verbose_name=_("path"))
    source_file = models.CharField(max_length=500, blank=True, verbose_name=_("source file"))
    node_count = models.PositiveIntegerField(verbose_name=_("node count"))
    edge_count = models.PositiveIntegerField(verbose_name=_("edge count"))
    bbox = models.JSONField(help_text=_("[min_lon, min_lat, max_lon, max_lat]"), verbose_name=_("bounding box"))
    active = models.BooleanField(
        default=True, help_text=_("The active graph is used for new offers and requests"), verbose_name=_("active")
    )
    imported_at = models.DateTimeField(auto_now=True, verbose_name=_("imported at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("road graph")
        verbose_name_plural = _("road graphs")

    def __str__(self) -> str:
        return self.name


class MeetingPointKind(models.TextChoices):
    MITFAHRBANK = "mitfahrbank", _("Mitfahrbank")
    STOP = "stop", _("Bus stop")
    PARKING = "parking", _("Park and ride")


#: Letters of a bench's short code: no 0/o, 1/l/i that people mistype from a sign.
BENCH_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_bench_code() -> str:
    import secrets

    return "".join(secrets.choice(BENCH_CODE_ALPHABET) for _ in range(6))


class MeetingPoint(models.Model):
    """A public place curated by the municipality where riders wait (e.g. a Mitfahrbank).

    A Mitfahrbank has a short ``code``: its sign's QR code and short URL ``/bank/<code>/``.
    """

    name = models.CharField(max_length=120, verbose_name=_("name"))
    lat = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)], verbose_name=_("latitude"))
    lon = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)], verbose_name=_("longitude"))
    kind = models.CharField(
        max_length=20, choices=MeetingPointKind.choices, default=MeetingPointKind.MITFAHRBANK, verbose_name=_("kind")
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    code = models.CharField(
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Short code of a Mitfahrbank: /bank/<code>/"),
        verbose_name=_("code"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting point")
        verbose_name_plural = _("meeting points")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.kind == MeetingPointKind.MITFAHRBANK and not self.code:
            self.code = new_bench_code()
        super().save(*args, **kwargs)


class OfferStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


class RideOffer(models.Model):
    """A driver's ride, once or recurring on weekdays (bit 0 = Monday) until an end date."""

    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ride_offers", verbose_name=_("driver")
    )
    graph = models.ForeignKey(RoadGraph, on_delete=models.PROTECT, related_name="offers", verbose_name=_("graph"))
    origin_lat = models.FloatField(verbose_name=_("origin latitude"))
    origin_lon = models.FloatField(verbose_name=_("origin longitude"))
    origin_meeting_point = models.ForeignKey(
        MeetingPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("origin meeting point"),
    )
    destination_lat = models.FloatField(verbose_name=_("destination latitude"))
    destination_lon = models.FloatField(verbose_name=_("destination longitude"))
    destination_meeting_point = models.ForeignKey(
        MeetingPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("destination meeting point"),
    )
    origin_node = models.PositiveIntegerField(verbose_name=_("origin node"))
    destination_node = models.PositiveIntegerField(verbose_name=_("destination node"))
    departure = models.DateTimeField(
        help_text=_("First departure; recurring rides repeat its local time of day"), verbose_name=_("departure")
    )
    seats = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(8)], verbose_name=_("seats")
    )
    cost_share_cents = models.PositiveIntegerField(
        default=0, help_text=_("What a rider pays per seat"), verbose_name=_("cost share (cents)")
    )
    tolls_cents = models.PositiveIntegerField(
        default=0, help_text=_("Tolls on the route, stated by the driver"), verbose_name=_("tolls (cents)")
    )
    running_cost_cents = models.PositiveIntegerField(
        default=0,
        help_text=_(
            "The ride's running costs (route distance × RIDES_COST_RATE_CENTS_PER_KM + tolls) when offered: "
            "the most all riders of one ride pay together (PBefG § 1 Abs. 2 Nr. 1)"
        ),
        verbose_name=_("running costs (cents)"),
    )
    max_detour_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(0), MaxValueValidator(60)], verbose_name=_("max detour minutes")
    )
    recurrence_weekdays = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("Bit mask, bit 0 = Monday … bit 6 = Sunday; 0 = a single ride"),
        verbose_name=_("recurrence weekdays"),
    )
    recurrence_until = models.DateField(null=True, blank=True, verbose_name=_("recurrence until"))
    recurrence_exceptions = models.JSONField(
        default=list, blank=True, help_text=_("ISO dates without a ride"), verbose_name=_("recurrence exceptions")
    )
    distance_m = models.FloatField(verbose_name=_("distance (m)"))
    duration_s = models.FloatField(verbose_name=_("duration (s)"))
    polyline = models.TextField(
        help_text=_("Google encoded polyline of the driver's own route"), verbose_name=_("polyline")
    )
    women_riders_only = models.BooleanField(
        default=False,
        help_text=_("Only riders who declare themselves women in their profile may book"),
        verbose_name=_("women riders only"),
    )
    status = models.CharField(
        max_length=12, choices=OfferStatus.choices, default=OfferStatus.ACTIVE, verbose_name=_("status")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["departure", "id"]
        indexes = [models.Index(fields=["status", "departure"])]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1) & Q(seats__lte=8), name="ride_offer_seats_range"),
            models.CheckConstraint(condition=Q(max_detour_minutes__lte=60), name="ride_offer_detour_range"),
            models.CheckConstraint(condition=Q(recurrence_weekdays__lte=127), name="ride_offer_weekdays_mask"),
        ]
        verbose_name = _("ride offer")
        verbose_name_plural = _("ride offers")

    def __str__(self) -> str:
        return gettext("Offer #%(id)s by %(driver)s") % {"id": self.pk, "driver": self.driver}


class PickupMode(models.TextChoices):
    DOOR = "door", _("At the door")
    MEETING_POINT = "meeting_point", _("At a meeting point")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")


class RideRequest(models.Model):
    """A rider looking for a ride within a time window."""

    rider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ride_requests", verbose_name=_("rider")
    )
    graph = models.ForeignKey(RoadGraph, on_delete=models.PROTECT, related_name="requests", verbose_name=_("graph"))
    origin_lat = models.FloatField(verbose_name=_("origin latitude"))
    origin_lon = models.FloatField(verbose_name=_("origin longitude"))
    destination_lat = models.FloatField(verbose_name=_("destination latitude"))
    destination_lon = models.FloatField(verbose_name=_("destination longitude"))
    earliest_departure = models.DateTimeField(verbose_name=_("earliest departure"))
    latest_arrival = models.DateTimeField(verbose_name=_("latest arrival"))
    seats = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(8)], verbose_name=_("seats")
    )
    pickup_mode = models.CharField(
        max_length=20, choices=PickupMode.choices, default=PickupMode.DOOR, verbose_name=_("pickup mode")
    )
    max_walk_m = models.PositiveIntegerField(
        default=500, validators=[MaxValueValidator(3000)], verbose_name=_("longest walk (m)")
    )
    women_drivers_only = models.BooleanField(
        default=False,
        help_text=_("Match only drivers who declare themselves women in their profile"),
        verbose_name=_("women drivers only"),
    )
    status = models.CharField(
        max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN, verbose_name=_("status")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["earliest_departure", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_arrival__gt=F("earliest_departure")), name="ride_request_window_order"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1) & Q(seats__lte=8), name="ride_request_seats_range"),
        ]
        verbose_name = _("ride request")
        verbose_name_plural = _("ride requests")

    def __str__(self) -> str:
        return gettext("Request #%(id)s by %(rider)s") % {"id": self.pk, "rider": self.rider}


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


#: Bookings that hold seats: a request holds its seats until the driver answers.
SEAT_HOLDING = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


class RideBooking(models.Model):
    """A rider's seats on one occurrence of an offer, with the promised pickup and drop-off."""

    offer = models.ForeignKey(RideOffer, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("offer"))
    occurrence_date = models.DateField(
        help_text=_("Local date of the ride (recurring offers)"), verbose_name=_("occurrence date")
    )
    rider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ride_bookings", verbose_name=_("rider")
    )
    request = models.ForeignKey(
        RideRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
        verbose_name=_("request"),
    )
    seats = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(8)], verbose_name=_("seats")
    )
    pickup_lat = models.FloatField(verbose_name=_("pickup latitude"))
    pickup_lon = models.FloatField(verbose_name=_("pickup longitude"))
    pickup_node = models.PositiveIntegerField(verbose_name=_("pickup node"))
    pickup_meeting_point = models.ForeignKey(
        MeetingPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pickup meeting point"),
    )
    dropoff_lat = models.FloatField(verbose_name=_("drop-off latitude"))
    dropoff_lon = models.FloatField(verbose_name=_("drop-off longitude"))
    dropoff_node = models.PositiveIntegerField(verbose_name=_("drop-off node"))
    dropoff_meeting_point = models.ForeignKey(
        MeetingPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("drop-off meeting point"),
    )
    pickup_time = models.DateTimeField(verbose_name=_("pickup time"))
    dropoff_time = models.DateTimeField(verbose_name=_("drop-off time"))
    walk_m = models.FloatField(default=0, verbose_name=_("walk (m)"))
    added_s = models.FloatField(
        help_text=_("Extra driving seconds this rider caused when booked"), verbose_name=_("added seconds")
    )
    price_cents = models.PositiveIntegerField(
        default=0, help_text=_("This rider's share: cost share × seats"), verbose_name=_("price (cents)")
    )
    status = models.CharField(
        max_length=12, choices=BookingStatus.choices, default=BookingStatus.REQUESTED, verbose_name=_("status")
    )
    cancel_reason = models.CharField(max_length=300, blank=True, verbose_name=_("cancel reason"))
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    late_cancellation = models.BooleanField(
        default=False,
        help_text=_("Cancelled by the rider within RIDES_LATE_CANCEL_HOURS of the pickup, once confirmed"),
        verbose_name=_("late cancellation"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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
        verbose_name = _("ride booking")
        verbose_name_plural = _("ride bookings")

    def __str__(self) -> str:
        return gettext("Booking #%(id)s (%(status)s)") % {"id": self.pk, "status": self.get_status_display()}


class PartyRole(models.TextChoices):
    RIDER = "rider", _("Rider")
    DRIVER = "driver", _("Driver")


class RideRating(models.Model):
    """One side's rating of the other after a ride: 1–5 and an optional short text.

    Others see a person's ratings only as an average over at least ``RIDES_RATING_MIN_COUNT``
    ratings (``rides.selectors.rating_summary``); the texts are read by the operator only.
    """

    booking = models.ForeignKey(
        RideBooking, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("booking")
    )
    rater_role = models.CharField(
        max_length=8, choices=PartyRole.choices, help_text=_("Who rated: rider or driver"), verbose_name=_("rater role")
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ride_ratings_given",
        verbose_name=_("rater"),
    )
    ratee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ride_ratings_received",
        verbose_name=_("ratee"),
    )
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], verbose_name=_("score")
    )
    text = models.CharField(max_length=300, blank=True, verbose_name=_("text"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="ride_rating_score_range"),
            models.UniqueConstraint(fields=["booking", "rater_role"], name="ride_rating_one_per_side"),
        ]
        verbose_name = _("ride rating")
        verbose_name_plural = _("ride ratings")

    def __str__(self) -> str:
        return f"rating {self.score} on booking #{self.booking_id} by the {self.rater_role}"


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Dismissed")
    UPHELD = "upheld", _("Upheld")


class NoShowReport(models.Model):
    """A rider or driver reports that the other side did not turn up for a confirmed ride."""

    booking = models.ForeignKey(
        RideBooking, on_delete=models.CASCADE, related_name="no_show_reports", verbose_name=_("booking")
    )
    reporter_role = models.CharField(max_length=8, choices=PartyRole.choices, verbose_name=_("reporter role"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reporter"),
    )
    reported = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="no_show_reports", verbose_name=_("reported")
    )
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN, verbose_name=_("status")
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("handled at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["booking", "reporter_role"], name="no_show_one_per_side")]
        verbose_name = _("no-show report")
        verbose_name_plural = _("no-show reports")

    def __str__(self) -> str:
        return f"no-show report on booking #{self.booking_id} by the {self.reporter_role}"


class BenchRequestStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class BenchRequest(models.Model):
    """Someone at a Mitfahrbank asks for a lift to another village, without an account.

    Holds no personal data: the bench, the destination, times, and a random ``token`` that
    only the person's browser knows (their status page). Waiting requests lapse at
    ``expires_at``.
    """

    bench = models.ForeignKey(
        MeetingPoint, on_delete=models.CASCADE, related_name="bench_requests", verbose_name=_("bench")
    )
    destination = models.ForeignKey(
        MeetingPoint, on_delete=models.CASCADE, related_name="+", verbose_name=_("destination")
    )
    token = models.CharField(max_length=43, unique=True, verbose_name=_("token"))
    status = models.CharField(
        max_length=10, choices=BenchRequestStatus.choices, default=BenchRequestStatus.WAITING, verbose_name=_("status")
    )
    notified_drivers = models.JSONField(
        default=list, blank=True, help_text=_("User ids told about this request"), verbose_name=_("notified drivers")
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_offer = models.ForeignKey(
        RideOffer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("accepted offer")
    )
    pickup_eta = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the accepting driver expects to be there"),
        verbose_name=_("expected pickup"),
    )
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted at"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(bench=F("destination")), name="bench_request_elsewhere"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False),
                name="bench_request_accepted_has_time",
            ),
        ]
        verbose_name = _("bench request")
        verbose_name_plural = _("bench requests")

    def __str__(self) -> str:
        return gettext("Bench request #%(id)s at bench #%(bench)s (%(status)s)") % {
            "id": self.pk,
            "bench": self.bench_id,
            "status": self.get_status_display(),
        }


class BenchPickupOptIn(models.Model):
    """A driver who wants to hear about people waiting at a bench (for one destination, or any)."""

    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bench_opt_ins", verbose_name=_("driver")
    )
    bench = models.ForeignKey(MeetingPoint, on_delete=models.CASCADE, related_name="opt_ins", verbose_name=_("bench"))
    destination = models.ForeignKey(
        MeetingPoint,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: any"),
        verbose_name=_("destination"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["bench", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["driver", "bench", "destination"],
                name="bench_opt_in_unique",
                nulls_distinct=False,
            )
        ]
        verbose_name = _("bench pickup opt-in")
        verbose_name_plural = _("bench pickup opt-ins")

    def __str__(self) -> str:
        return f"{self.driver_id} picks up at {self.bench_id}"
