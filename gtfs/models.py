"""Timetables (GTFS) and Bürgerbus seat bookings.

Every timetable row belongs to one :class:`FeedVersion`. An import builds a complete new
version and switches ``Feed.active_version`` in the same transaction, so readers only ever
see whole versions. The Bürgerbus timetable maintained through the API lives in the same
tables: edits change the rows of the community-bus feed's active version directly.

Stop times are kept slim (integers and foreign keys) because bulk-loading them is the
expensive part of an import. Times are integer seconds after "noon minus 12 h" of the
service day (see ``gtfs.domain.times``) and may exceed 86,400.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class FeedKind(models.TextChoices):
    TRANSIT = "transit", "Public transit"
    COMMUNITY_BUS = "community_bus", "Bürgerbus"


class Feed(models.Model):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=FeedKind.choices, default=FeedKind.TRANSIT)
    active_version = models.ForeignKey(
        "FeedVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FeedVersion(models.Model):
    """One complete timetable of a feed. ``content_sha256`` is empty once edited via the API."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="versions")
    content_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    source_name = models.CharField(max_length=255, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/Berlin")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.feed} #{self.pk}"


class Agency(models.Model):
    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="agencies")
    agency_id = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255)
    url = models.CharField(max_length=500, blank=True)
    timezone = models.CharField(max_length=64)
    lang = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    email = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Stop(models.Model):
    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="stops")
    stop_id = models.CharField(max_length=255)
    code = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=255, blank=True)
    name_search = models.CharField(max_length=300, blank=True, help_text="folded name, see gtfs.domain.names")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    location_type = models.PositiveSmallIntegerField(default=0)
    parent_station = models.CharField(max_length=255, blank=True)
    platform_code = models.CharField(max_length=64, blank=True)
    wheelchair_boarding = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "stop_id"], name="gtfs_stop_unique_id")]
        indexes = [models.Index(fields=["version", "lat", "lon"], name="gtfs_stop_position")]

    def __str__(self) -> str:
        return self.name or self.stop_id


class BookingRule(models.Model):
    """GTFS-Flex ``booking_rules.txt``. Times are seconds after midnight of the booking day."""

    class BookingType(models.IntegerChoices):
        REAL_TIME = 0, "Up to departure"
        SAME_DAY = 1, "Same day, with prior notice"
        PRIOR_DAYS = 2, "Up to a prior day"

    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="booking_rules")
    booking_rule_id = models.CharField(max_length=255)
    booking_type = models.PositiveSmallIntegerField(choices=BookingType.choices)
    prior_notice_duration_min = models.PositiveIntegerField(null=True, blank=True, help_text="minutes")
    prior_notice_duration_max = models.PositiveIntegerField(null=True, blank=True, help_text="minutes")
    prior_notice_last_day = models.PositiveSmallIntegerField(null=True, blank=True, help_text="days before")
    prior_notice_last_time = models.PositiveIntegerField(null=True, blank=True, help_text="seconds after midnight")
    prior_notice_start_day = models.PositiveSmallIntegerField(null=True, blank=True)
    prior_notice_start_time = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    pickup_message = models.TextField(blank=True)
    drop_off_message = models.TextField(blank=True)
    phone_number = models.CharField(max_length=64, blank=True)
    info_url = models.CharField(max_length=500, blank=True)
    booking_url = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "booking_rule_id"], name="gtfs_booking_rule_unique_id")
        ]

    def __str__(self) -> str:
        return self.booking_rule_id


class Route(models.Model):
    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="routes")
    route_id = models.CharField(max_length=255)
    agency_id = models.CharField(max_length=255, blank=True)
    short_name = models.CharField(max_length=100, blank=True)
    long_name = models.CharField(max_length=255, blank=True)
    desc = models.TextField(blank=True)
    route_type = models.PositiveIntegerField(default=3)
    url = models.CharField(max_length=500, blank=True)
    color = models.CharField(max_length=6, blank=True)
    text_color = models.CharField(max_length=6, blank=True)
    booking_rule = models.ForeignKey(
        BookingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routes",
        help_text="Default booking rule for trips created on this line through the API",
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "route_id"], name="gtfs_route_unique_id")]

    def __str__(self) -> str:
        return self.short_name or self.long_name or self.route_id


class Service(models.Model):
    """A service calendar: the ``calendar.txt`` row (if any) and its ``calendar_dates``."""

    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="services")
    service_id = models.CharField(max_length=255)
    has_calendar = models.BooleanField(default=True, help_text="False: defined only by calendar_dates.txt")
    monday = models.BooleanField(default=False)
    tuesday = models.BooleanField(default=False)
    wednesday = models.BooleanField(default=False)
    thursday = models.BooleanField(default=False)
    friday = models.BooleanField(default=False)
    saturday = models.BooleanField(default=False)
    sunday = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "service_id"], name="gtfs_service_unique_id")]

    def __str__(self) -> str:
        return self.service_id


class CalendarDate(models.Model):
    class ExceptionType(models.IntegerChoices):
        ADDED = 1, "Added"
        REMOVED = 2, "Removed"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dates")
    date = models.DateField()
    exception_type = models.PositiveSmallIntegerField(choices=ExceptionType.choices)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["service", "date"], name="gtfs_calendar_date_unique")]
        indexes = [models.Index(fields=["date"], name="gtfs_calendar_date_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_exception_type_display()}"


class Trip(models.Model):
    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="trips")
    trip_id = models.CharField(max_length=255)
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="trips")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="trips")
    headsign = models.CharField(max_length=255, blank=True)
    short_name = models.CharField(max_length=100, blank=True)
    direction_id = models.PositiveSmallIntegerField(null=True, blank=True)
    block_id = models.CharField(max_length=255, blank=True)
    shape_id = models.CharField(max_length=255, blank=True)
    wheelchair_accessible = models.PositiveSmallIntegerField(null=True, blank=True)
    bikes_allowed = models.PositiveSmallIntegerField(null=True, blank=True)
    booking_rule = models.ForeignKey(
        BookingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trips",
        help_text="GTFS-Flex pickup/drop-off booking rule of this trip's stop times",
    )
    capacity = models.PositiveSmallIntegerField(default=8, help_text="seats for Bürgerbus bookings")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "trip_id"], name="gtfs_trip_unique_id")]

    def __str__(self) -> str:
        return self.trip_id


class StopTime(models.Model):
    """One call of a trip at a stop. Slim on purpose: bulk-loading these is the import's cost.

    ``version`` repeats the trip's version so that PostgreSQL can keep each version's stop
    times in their own partition (``LIST (version_id)``, see migration 0004): an import
    loads an unindexed table, builds its indexes in one pass and attaches it, which is
    several times faster than maintaining the indexes row by row.
    """

    # (trip, stop_sequence, version): the partition key must be part of the primary key; the
    # trip comes first so that lookups by trip use the index without knowing the version.
    pk = models.CompositePrimaryKey("trip", "stop_sequence", "version")
    # No database FK constraints here: PostgreSQL checks such a constraint with one trigger
    # query per row, which more than doubled the time of loading 424k stop times. Rows are
    # only written by the import (ids taken from the same transaction, unknown references
    # refused by the validation) and by the Bürgerbus services, which check their input.
    version = models.ForeignKey(
        FeedVersion, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    trip = models.ForeignKey(
        Trip, on_delete=models.CASCADE, related_name="stop_times", db_index=False, db_constraint=False
    )
    stop = models.ForeignKey(
        Stop, on_delete=models.CASCADE, related_name="stop_times", db_index=False, db_constraint=False
    )
    stop_sequence = models.PositiveIntegerField()
    arrival_time = models.IntegerField(null=True, blank=True, help_text="seconds after service-day noon-12h")
    departure_time = models.IntegerField(null=True, blank=True, help_text="seconds after service-day noon-12h")
    pickup_type = models.PositiveSmallIntegerField(default=0)
    drop_off_type = models.PositiveSmallIntegerField(default=0)
    stop_headsign = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["trip_id", "stop_sequence"]
        indexes = [models.Index(fields=["stop", "departure_time"], name="gtfs_stop_time_departure")]

    def __str__(self) -> str:
        return f"{self.trip_id}#{self.stop_sequence}"


class Transfer(models.Model):
    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="transfers")
    from_stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="+")
    to_stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="+")
    transfer_type = models.PositiveSmallIntegerField(default=0)
    min_transfer_time = models.PositiveIntegerField(null=True, blank=True, help_text="seconds")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_stop_id} -> {self.to_stop_id}"


class GtfsImport(models.Model):
    """An uploaded feed waiting for, running or finished with its background import."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        IMPORTED = "imported", "Imported"
        UNCHANGED = "unchanged", "Unchanged (same content as the active version)"
        REFUSED = "refused", "Refused (errors in the feed)"
        FAILED = "failed", "Failed"

    feed_name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=FeedKind.choices, default=FeedKind.TRANSIT)
    file_path = models.CharField(max_length=500)
    original_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    version = models.ForeignKey(FeedVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.feed_name} ({self.status})"


class BuergerbusBooking(models.Model):
    """Seats on one Bürgerbus trip on one service date, from one stop to a later one.

    ``passenger`` is the resident's account; assisted bookings for a caller without an
    account keep only a name and a phone number for the driver's manifest.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="bookings")
    service_date = models.DateField()
    from_stop = models.ForeignKey(Stop, on_delete=models.PROTECT, related_name="+")
    to_stop = models.ForeignKey(Stop, on_delete=models.PROTECT, related_name="+")
    from_sequence = models.PositiveIntegerField()
    to_sequence = models.PositiveIntegerField()
    departure_at = models.DateTimeField(help_text="boarding time at from_stop")
    seats = models.PositiveSmallIntegerField(default=1)
    passenger = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="buergerbus_bookings"
    )
    passenger_name = models.CharField(max_length=120, blank=True, help_text="only for assisted bookings")
    passenger_phone = models.CharField(max_length=40, blank=True, help_text="only for assisted bookings")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assisted = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True, help_text="why the passenger cancelled (optional)")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="gtfs_booking_seats_positive"),
            models.CheckConstraint(condition=Q(from_sequence__lt=models.F("to_sequence")), name="gtfs_booking_forward"),
            models.CheckConstraint(
                condition=Q(passenger__isnull=False) | ~Q(passenger_name=""), name="gtfs_booking_has_passenger"
            ),
        ]
        indexes = [models.Index(fields=["trip", "service_date", "status"], name="gtfs_booking_trip_day")]

    def __str__(self) -> str:
        return f"booking #{self.pk} trip {self.trip_id} on {self.service_date}"


class FlexLocation(models.Model):
    """A GTFS-Flex zone: a ``locations.geojson`` polygon (door to door inside it) or a
    ``location_groups.txt`` group of stops (board or leave at any of them).

    ``geometry`` is the GeoJSON geometry in WGS84 (a group's is the convex hull of its
    stops); the bounding box lets the search skip far zones without parsing it. ``stop_ids``
    are the GTFS stop ids in the zone: a group's members, the stops inside a polygon.
    """

    class Kind(models.TextChoices):
        AREA = "area", "Zone (locations.geojson)"
        GROUP = "group", "Stop group (location_groups.txt)"

    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="flex_locations")
    location_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=255, blank=True)
    geometry = models.JSONField(null=True, blank=True, help_text="GeoJSON geometry, WGS84")
    min_lat = models.FloatField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    stop_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "location_id"], name="gtfs_flex_location_unique_id")]

    def __str__(self) -> str:
        return self.name or self.location_id


class FlexStopTime(models.Model):
    """A stop time at a Flex zone: a pickup/drop-off window instead of arrival and departure.

    Windows are seconds after the service day's noon minus 12 h, like ``StopTime`` times.
    """

    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="+")
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="flex_stop_times")
    stop_sequence = models.PositiveIntegerField()
    location = models.ForeignKey(FlexLocation, on_delete=models.CASCADE, related_name="stop_times")
    start_window = models.IntegerField(help_text="seconds after service-day noon-12h")
    end_window = models.IntegerField(help_text="seconds after service-day noon-12h")
    pickup_type = models.PositiveSmallIntegerField(default=2)
    drop_off_type = models.PositiveSmallIntegerField(default=2)
    pickup_booking_rule = models.ForeignKey(
        BookingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drop_off_booking_rule = models.ForeignKey(
        BookingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["trip_id", "stop_sequence"]
        constraints = [
            models.UniqueConstraint(fields=["trip", "stop_sequence"], name="gtfs_flex_stop_time_unique"),
            models.CheckConstraint(
                condition=Q(end_window__gte=models.F("start_window")), name="gtfs_flex_window_forward"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trip_id}#{self.stop_sequence} @ {self.location_id}"
