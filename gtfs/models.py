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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mobility.l10n import format_date


class FeedKind(models.TextChoices):
    TRANSIT = "transit", _("Public transit")
    COMMUNITY_BUS = "community_bus", _("Bürgerbus")


class Feed(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    kind = models.CharField(max_length=20, choices=FeedKind.choices, default=FeedKind.TRANSIT, verbose_name=_("kind"))
    active_version = models.ForeignKey(
        "FeedVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("active version"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")

    def __str__(self) -> str:
        return self.name


class FeedVersion(models.Model):
    """One complete timetable of a feed. ``content_sha256`` is empty once edited via the API."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="versions", verbose_name=_("feed"))
    content_sha256 = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("content SHA-256"))
    source_name = models.CharField(max_length=255, blank=True, verbose_name=_("source name"))
    timezone = models.CharField(max_length=64, default="Europe/Berlin", verbose_name=_("timezone"))
    valid_from = models.DateField(null=True, blank=True, verbose_name=_("valid from"))
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))
    warnings = models.JSONField(default=list, blank=True, verbose_name=_("warnings"))
    stats = models.JSONField(default=dict, blank=True, verbose_name=_("statistics"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("feed version")
        verbose_name_plural = _("feed versions")

    def __str__(self) -> str:
        return f"{self.feed} #{self.pk}"


class Agency(models.Model):
    version = models.ForeignKey(
        FeedVersion, on_delete=models.CASCADE, related_name="agencies", verbose_name=_("version")
    )
    agency_id = models.CharField(max_length=255, blank=True, verbose_name=_("agency id"))
    name = models.CharField(max_length=255, verbose_name=_("name"))
    url = models.CharField(max_length=500, blank=True, verbose_name=_("URL"))
    timezone = models.CharField(max_length=64, verbose_name=_("timezone"))
    lang = models.CharField(max_length=20, blank=True, verbose_name=_("language"))
    phone = models.CharField(max_length=64, blank=True, verbose_name=_("phone"))
    email = models.CharField(max_length=255, blank=True, verbose_name=_("e-mail address"))

    class Meta:
        ordering = ["id"]
        verbose_name_plural = _("agencies")
        verbose_name = _("agency")

    def __str__(self) -> str:
        return self.name


class Stop(models.Model):
    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="stops", verbose_name=_("version"))
    stop_id = models.CharField(max_length=255, verbose_name=_("stop id"))
    code = models.CharField(max_length=64, blank=True, verbose_name=_("code"))
    name = models.CharField(max_length=255, blank=True, verbose_name=_("name"))
    name_search = models.CharField(
        max_length=300, blank=True, help_text=_("folded name, see gtfs.domain.names"), verbose_name=_("name search")
    )
    lat = models.FloatField(null=True, blank=True, verbose_name=_("latitude"))
    lon = models.FloatField(null=True, blank=True, verbose_name=_("longitude"))
    location_type = models.PositiveSmallIntegerField(default=0, verbose_name=_("location type"))
    parent_station = models.CharField(max_length=255, blank=True, verbose_name=_("parent station"))
    platform_code = models.CharField(max_length=64, blank=True, verbose_name=_("platform code"))
    wheelchair_boarding = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("wheelchair boarding"))

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "stop_id"], name="gtfs_stop_unique_id")]
        indexes = [models.Index(fields=["version", "lat", "lon"], name="gtfs_stop_position")]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")

    def __str__(self) -> str:
        return self.name or self.stop_id


class BookingRule(models.Model):
    """GTFS-Flex ``booking_rules.txt``. Times are seconds after midnight of the booking day."""

    class BookingType(models.IntegerChoices):
        REAL_TIME = 0, _("Up to departure")
        SAME_DAY = 1, _("Same day, with prior notice")
        PRIOR_DAYS = 2, _("Up to a prior day")

    version = models.ForeignKey(
        FeedVersion, on_delete=models.CASCADE, related_name="booking_rules", verbose_name=_("version")
    )
    booking_rule_id = models.CharField(max_length=255, verbose_name=_("booking rule id"))
    booking_type = models.PositiveSmallIntegerField(choices=BookingType.choices, verbose_name=_("booking type"))
    prior_notice_duration_min = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("minutes"), verbose_name=_("prior notice duration min")
    )
    prior_notice_duration_max = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("minutes"), verbose_name=_("prior notice duration max")
    )
    prior_notice_last_day = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("days before"), verbose_name=_("prior notice last day")
    )
    prior_notice_last_time = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("seconds after midnight"), verbose_name=_("prior notice last time")
    )
    prior_notice_start_day = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("prior notice start day")
    )
    prior_notice_start_time = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("prior notice start time")
    )
    message = models.TextField(blank=True, verbose_name=_("message"))
    pickup_message = models.TextField(blank=True, verbose_name=_("pickup message"))
    drop_off_message = models.TextField(blank=True, verbose_name=_("drop-off message"))
    phone_number = models.CharField(max_length=64, blank=True, verbose_name=_("phone number"))
    info_url = models.CharField(max_length=500, blank=True, verbose_name=_("info URL"))
    booking_url = models.CharField(max_length=500, blank=True, verbose_name=_("booking URL"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "booking_rule_id"], name="gtfs_booking_rule_unique_id")
        ]
        verbose_name = _("booking rule")
        verbose_name_plural = _("booking rules")

    def __str__(self) -> str:
        return self.booking_rule_id


class Route(models.Model):
    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="routes", verbose_name=_("version"))
    route_id = models.CharField(max_length=255, verbose_name=_("route id"))
    agency_id = models.CharField(max_length=255, blank=True, verbose_name=_("agency id"))
    short_name = models.CharField(max_length=100, blank=True, verbose_name=_("short name"))
    long_name = models.CharField(max_length=255, blank=True, verbose_name=_("long name"))
    desc = models.TextField(blank=True, verbose_name=_("description"))
    route_type = models.PositiveIntegerField(default=3, verbose_name=_("route type"))
    url = models.CharField(max_length=500, blank=True, verbose_name=_("URL"))
    color = models.CharField(max_length=6, blank=True, verbose_name=_("color"))
    text_color = models.CharField(max_length=6, blank=True, verbose_name=_("text color"))
    booking_rule = models.ForeignKey(
        BookingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routes",
        help_text=_("Default booking rule for trips created on this line through the API"),
        verbose_name=_("booking rule"),
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "route_id"], name="gtfs_route_unique_id")]
        verbose_name = _("route")
        verbose_name_plural = _("routes")

    def __str__(self) -> str:
        return self.short_name or self.long_name or self.route_id


class Service(models.Model):
    """A service calendar: the ``calendar.txt`` row (if any) and its ``calendar_dates``."""

    version = models.ForeignKey(
        FeedVersion, on_delete=models.CASCADE, related_name="services", verbose_name=_("version")
    )
    service_id = models.CharField(max_length=255, verbose_name=_("service id"))
    has_calendar = models.BooleanField(
        default=True, help_text=_("False: defined only by calendar_dates.txt"), verbose_name=_("has calendar")
    )
    monday = models.BooleanField(default=False, verbose_name=_("monday"))
    tuesday = models.BooleanField(default=False, verbose_name=_("tuesday"))
    wednesday = models.BooleanField(default=False, verbose_name=_("wednesday"))
    thursday = models.BooleanField(default=False, verbose_name=_("thursday"))
    friday = models.BooleanField(default=False, verbose_name=_("friday"))
    saturday = models.BooleanField(default=False, verbose_name=_("saturday"))
    sunday = models.BooleanField(default=False, verbose_name=_("sunday"))
    start_date = models.DateField(null=True, blank=True, verbose_name=_("start date"))
    end_date = models.DateField(null=True, blank=True, verbose_name=_("end date"))

    WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "service_id"], name="gtfs_service_unique_id")]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.service_id


class CalendarDate(models.Model):
    class ExceptionType(models.IntegerChoices):
        ADDED = 1, _("Added")
        REMOVED = 2, _("Removed")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dates", verbose_name=_("service"))
    date = models.DateField(verbose_name=_("date"))
    exception_type = models.PositiveSmallIntegerField(choices=ExceptionType.choices, verbose_name=_("exception type"))

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["service", "date"], name="gtfs_calendar_date_unique")]
        indexes = [models.Index(fields=["date"], name="gtfs_calendar_date_date")]
        verbose_name = _("calendar date")
        verbose_name_plural = _("calendar dates")

    def __str__(self) -> str:
        return f"{self.date} {self.get_exception_type_display()}"


class Trip(models.Model):
    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="trips", verbose_name=_("version"))
    trip_id = models.CharField(max_length=255, verbose_name=_("trip id"))
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="trips", verbose_name=_("route"))
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="trips", verbose_name=_("service"))
    headsign = models.CharField(max_length=255, blank=True, verbose_name=_("headsign"))
    short_name = models.CharField(max_length=100, blank=True, verbose_name=_("short name"))
    direction_id = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("direction id"))
    block_id = models.CharField(max_length=255, blank=True, verbose_name=_("block id"))
    shape_id = models.CharField(max_length=255, blank=True, verbose_name=_("shape id"))
    wheelchair_accessible = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("wheelchair accessible")
    )
    bikes_allowed = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("bicycles allowed"))
    booking_rule = models.ForeignKey(
        BookingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trips",
        help_text=_("GTFS-Flex pickup/drop-off booking rule of this trip's stop times"),
        verbose_name=_("booking rule"),
    )
    capacity = models.PositiveSmallIntegerField(
        default=8, help_text=_("seats for Bürgerbus bookings"), verbose_name=_("capacity")
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "trip_id"], name="gtfs_trip_unique_id")]
        verbose_name = _("trip")
        verbose_name_plural = _("trips")

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
        FeedVersion,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("version"),
    )
    trip = models.ForeignKey(
        Trip,
        on_delete=models.CASCADE,
        related_name="stop_times",
        db_index=False,
        db_constraint=False,
        verbose_name=_("trip"),
    )
    stop = models.ForeignKey(
        Stop,
        on_delete=models.CASCADE,
        related_name="stop_times",
        db_index=False,
        db_constraint=False,
        verbose_name=_("stop"),
    )
    stop_sequence = models.PositiveIntegerField(verbose_name=_("stop sequence"))
    arrival_time = models.IntegerField(
        null=True, blank=True, help_text=_("seconds after service-day noon-12h"), verbose_name=_("arrival time")
    )
    departure_time = models.IntegerField(
        null=True, blank=True, help_text=_("seconds after service-day noon-12h"), verbose_name=_("departure time")
    )
    pickup_type = models.PositiveSmallIntegerField(default=0, verbose_name=_("pickup type"))
    drop_off_type = models.PositiveSmallIntegerField(default=0, verbose_name=_("drop-off type"))
    stop_headsign = models.CharField(max_length=255, blank=True, verbose_name=_("stop headsign"))

    class Meta:
        ordering = ["trip_id", "stop_sequence"]
        indexes = [models.Index(fields=["stop", "departure_time"], name="gtfs_stop_time_departure")]
        verbose_name = _("stop time")
        verbose_name_plural = _("stop times")

    def __str__(self) -> str:
        return f"{self.trip_id}#{self.stop_sequence}"


class Transfer(models.Model):
    version = models.ForeignKey(
        FeedVersion, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("version")
    )
    from_stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="+", verbose_name=_("from stop"))
    to_stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="+", verbose_name=_("to stop"))
    transfer_type = models.PositiveSmallIntegerField(default=0, verbose_name=_("transfer type"))
    min_transfer_time = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("seconds"), verbose_name=_("min transfer time")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return f"{self.from_stop_id} -> {self.to_stop_id}"


class GtfsImport(models.Model):
    """An uploaded feed waiting for, running or finished with its background import."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        IMPORTED = "imported", _("Imported")
        UNCHANGED = "unchanged", _("Unchanged (same content as the active version)")
        REFUSED = "refused", _("Refused (errors in the feed)")
        FAILED = "failed", _("Failed")

    feed_name = models.CharField(max_length=100, verbose_name=_("feed name"))
    kind = models.CharField(max_length=20, choices=FeedKind.choices, default=FeedKind.TRANSIT, verbose_name=_("kind"))
    file_path = models.CharField(max_length=500, verbose_name=_("file path"))
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("original name"))
    size_bytes = models.BigIntegerField(default=0, verbose_name=_("size (bytes)"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    message = models.TextField(blank=True, verbose_name=_("message"))
    problems = models.JSONField(default=list, blank=True, verbose_name=_("problems"))
    version = models.ForeignKey(
        FeedVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("version")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("GTFS import")
        verbose_name_plural = _("GTFS imports")

    def __str__(self) -> str:
        return gettext("GTFS import #%(id)s %(feed)s (%(status)s)") % {
            "id": self.pk,
            "feed": self.feed_name,
            "status": self.get_status_display(),
        }


class BuergerbusBooking(models.Model):
    """Seats on one Bürgerbus trip on one service date, from one stop to a later one.

    ``passenger`` is the resident's account; assisted bookings for a caller without an
    account keep only a name and a phone number for the driver's manifest.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("trip"))
    service_date = models.DateField(verbose_name=_("service date"))
    from_stop = models.ForeignKey(Stop, on_delete=models.PROTECT, related_name="+", verbose_name=_("from stop"))
    to_stop = models.ForeignKey(Stop, on_delete=models.PROTECT, related_name="+", verbose_name=_("to stop"))
    from_sequence = models.PositiveIntegerField(verbose_name=_("from sequence"))
    to_sequence = models.PositiveIntegerField(verbose_name=_("to sequence"))
    departure_at = models.DateTimeField(help_text=_("boarding time at from_stop"), verbose_name=_("departure at"))
    seats = models.PositiveSmallIntegerField(default=1, verbose_name=_("seats"))
    passenger = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="buergerbus_bookings",
        verbose_name=_("passenger"),
    )
    passenger_name = models.CharField(
        max_length=120, blank=True, help_text=_("only for assisted bookings"), verbose_name=_("passenger name")
    )
    passenger_phone = models.CharField(
        max_length=40, blank=True, help_text=_("only for assisted bookings"), verbose_name=_("passenger phone")
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("booked by"),
    )
    assisted = models.BooleanField(default=False, verbose_name=_("assisted"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED, verbose_name=_("status"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    cancel_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("why the passenger cancelled (optional)"),
        verbose_name=_("cancel reason"),
    )

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
        verbose_name = _("Bürgerbus booking")
        verbose_name_plural = _("Bürgerbus bookings")

    def __str__(self) -> str:
        return gettext("Booking #%(id)s, trip %(trip)s on %(date)s") % {
            "id": self.pk,
            "trip": self.trip_id,
            "date": format_date(self.service_date),
        }


class FlexLocation(models.Model):
    """A GTFS-Flex zone: a ``locations.geojson`` polygon (door to door inside it) or a
    ``location_groups.txt`` group of stops (board or leave at any of them).

    ``geometry`` is the GeoJSON geometry in WGS84 (a group's is the convex hull of its
    stops); the bounding box lets the search skip far zones without parsing it. ``stop_ids``
    are the GTFS stop ids in the zone: a group's members, the stops inside a polygon.
    """

    class Kind(models.TextChoices):
        AREA = "area", _("Zone (locations.geojson)")
        GROUP = "group", _("Stop group (location_groups.txt)")

    version = models.ForeignKey(
        FeedVersion, on_delete=models.CASCADE, related_name="flex_locations", verbose_name=_("version")
    )
    location_id = models.CharField(max_length=255, verbose_name=_("location id"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    name = models.CharField(max_length=255, blank=True, verbose_name=_("name"))
    geometry = models.JSONField(
        null=True, blank=True, help_text=_("GeoJSON geometry, WGS84"), verbose_name=_("geometry")
    )
    min_lat = models.FloatField(null=True, blank=True, verbose_name=_("southern latitude"))
    min_lon = models.FloatField(null=True, blank=True, verbose_name=_("western longitude"))
    max_lat = models.FloatField(null=True, blank=True, verbose_name=_("northern latitude"))
    max_lon = models.FloatField(null=True, blank=True, verbose_name=_("eastern longitude"))
    stop_ids = models.JSONField(default=list, blank=True, verbose_name=_("stop ids"))

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "location_id"], name="gtfs_flex_location_unique_id")]
        verbose_name = _("flex location")
        verbose_name_plural = _("flex locations")

    def __str__(self) -> str:
        return self.name or self.location_id


class FlexStopTime(models.Model):
    """A stop time at a Flex zone: a pickup/drop-off window instead of arrival and departure.

    Windows are seconds after the service day's noon minus 12 h, like ``StopTime`` times.
    """

    version = models.ForeignKey(FeedVersion, on_delete=models.CASCADE, related_name="+", verbose_name=_("version"))
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="flex_stop_times", verbose_name=_("trip"))
    stop_sequence = models.PositiveIntegerField(verbose_name=_("stop sequence"))
    location = models.ForeignKey(
        FlexLocation, on_delete=models.CASCADE, related_name="stop_times", verbose_name=_("location")
    )
    start_window = models.IntegerField(
        help_text=_("seconds after service-day noon-12h"), verbose_name=_("start window")
    )
    end_window = models.IntegerField(help_text=_("seconds after service-day noon-12h"), verbose_name=_("end window"))
    pickup_type = models.PositiveSmallIntegerField(default=2, verbose_name=_("pickup type"))
    drop_off_type = models.PositiveSmallIntegerField(default=2, verbose_name=_("drop-off type"))
    pickup_booking_rule = models.ForeignKey(
        BookingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pickup booking rule"),
    )
    drop_off_booking_rule = models.ForeignKey(
        BookingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("drop-off booking rule"),
    )

    class Meta:
        ordering = ["trip_id", "stop_sequence"]
        constraints = [
            models.UniqueConstraint(fields=["trip", "stop_sequence"], name="gtfs_flex_stop_time_unique"),
            models.CheckConstraint(
                condition=Q(end_window__gte=models.F("start_window")), name="gtfs_flex_window_forward"
            ),
        ]
        verbose_name = _("flex stop time")
        verbose_name_plural = _("flex stop times")

    def __str__(self) -> str:
        return f"{self.trip_id}#{self.stop_sequence} @ {self.location_id}"


# -- Bürgerbus drivers and their duty roster ---------------------------------------------------
class QualificationKind(models.TextChoices):
    PASSENGER_LICENCE = "passenger_licence", _("Passenger transport licence")
    MEDICAL_CHECK = "medical_check", _("Medical check (yearly from GTFS_DRIVER_MEDICAL_AGE)")


class BuergerbusDriver(models.Model):
    """A volunteer who drives the Bürgerbus. Holds only what the rules need: a name to roster
    and reach them, the birth date (the medical check depends on age) and, if they have one,
    their account (for notifications)."""

    name = models.CharField(max_length=120, verbose_name=_("name"))
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
    birth_date = models.DateField(null=True, blank=True, verbose_name=_("birth date"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="buergerbus_driver",
        verbose_name=_("user"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Bürgerbus driver")
        verbose_name_plural = _("Bürgerbus drivers")

    def __str__(self) -> str:
        return self.name


class DriverQualification(models.Model):
    """A checked qualification with its last valid day; the newest check of a kind counts.
    Rows are never edited: each check is a new row (who checked, when), so it stays traceable."""

    driver = models.ForeignKey(
        BuergerbusDriver, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("driver")
    )
    kind = models.CharField(max_length=20, choices=QualificationKind.choices, verbose_name=_("kind"))
    valid_until = models.DateField(help_text=_("Last day it is valid (inclusive)"), verbose_name=_("valid until"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("checked by")
    )
    checked_at = models.DateTimeField(auto_now_add=True, verbose_name=_("checked at"))

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("driver qualification")
        verbose_name_plural = _("driver qualifications")

    def __str__(self) -> str:
        return f"{self.kind} of {self.driver_id} until {self.valid_until}"


class RosterEntry(models.Model):
    """Who drives which Bürgerbus trip on which day. The trip is named by its feed and GTFS
    ``trip_id`` (stable across feed versions). Replacing a driver keeps the old row with
    ``replaced_at``: the roster stays traceable."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="roster", verbose_name=_("feed"))
    trip_id = models.CharField(max_length=255, verbose_name=_("trip id"))
    service_date = models.DateField(verbose_name=_("service date"))
    driver = models.ForeignKey(
        BuergerbusDriver, on_delete=models.PROTECT, related_name="roster", verbose_name=_("driver")
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("assigned by")
    )
    assigned_at = models.DateTimeField(auto_now_add=True, verbose_name=_("assigned at"))
    replaced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("replaced at"))

    class Meta:
        ordering = ["service_date", "trip_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "trip_id", "service_date"],
                condition=models.Q(replaced_at__isnull=True),
                name="roster_one_driver_per_trip_day",
            )
        ]
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")

    def __str__(self) -> str:
        return f"{self.driver_id} drives {self.trip_id} on {self.service_date}"
