"""The on-demand Bürgerbus (Rufbus): a vehicle's run per day and the door-to-door bookings in it.

A run belongs to a GTFS-Flex trip (``gtfs.FlexStopTime``: a zone with a pickup/drop-off
window) on one service date; its ``plan`` is the ordered list of stops the driver serves
(``[{"booking": id, "pickup": bool}, ...]``), rewritten in one transaction with the run row
locked whenever a booking is added or cancelled. The planned times live on the bookings.

Privacy: a booking keeps the two points the rider gave (rounded to about a metre, no street
address), which the driver needs; other residents never see them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OnDemandRun(models.Model):
    """One vehicle serving one Flex trip's zone on one service date."""

    flex_stop_time = models.ForeignKey(
        "gtfs.FlexStopTime", on_delete=models.PROTECT, related_name="runs", verbose_name=_("flex stop time")
    )
    service_date = models.DateField(verbose_name=_("service date"))
    capacity = models.PositiveSmallIntegerField(verbose_name=_("capacity"))
    start_at = models.DateTimeField(
        help_text=_("the window opens: the bus leaves its depot"), verbose_name=_("start at")
    )
    end_at = models.DateTimeField(
        help_text=_("the window closes: the bus is back at its depot"), verbose_name=_("end at")
    )
    depot_lat = models.FloatField(verbose_name=_("depot latitude"))
    depot_lon = models.FloatField(verbose_name=_("depot longitude"))
    plan = models.JSONField(
        default=list,
        blank=True,
        help_text=_('ordered stops: [{"booking": id, "pickup": bool}]'),
        verbose_name=_("plan"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["service_date", "start_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["flex_stop_time", "service_date"], name="ondemand_run_unique_day"),
            models.CheckConstraint(condition=Q(end_at__gt=models.F("start_at")), name="ondemand_run_forward"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="ondemand_run_capacity_positive"),
        ]
        verbose_name = _("Rufbus run")
        verbose_name_plural = _("Rufbus runs")

    def __str__(self) -> str:
        return f"run #{self.pk} on {self.service_date}"


class OnDemandBooking(models.Model):
    """A door-to-door ride in a run. Times are aware datetimes (UTC in the database)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    run = models.ForeignKey(OnDemandRun, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("run"))
    passenger = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ondemand_bookings",
        verbose_name=_("passenger"),
    )
    seats = models.PositiveSmallIntegerField(default=1, verbose_name=_("seats"))
    pickup_lat = models.FloatField(verbose_name=_("pickup latitude"))
    pickup_lon = models.FloatField(verbose_name=_("pickup longitude"))
    dropoff_lat = models.FloatField(verbose_name=_("drop-off latitude"))
    dropoff_lon = models.FloatField(verbose_name=_("drop-off longitude"))
    earliest_pickup_at = models.DateTimeField(
        help_text=_("the promised pickup window opens"), verbose_name=_("earliest pickup at")
    )
    latest_pickup_at = models.DateTimeField(
        help_text=_("the promised pickup window closes"), verbose_name=_("latest pickup at")
    )
    max_ride_s = models.PositiveIntegerField(
        help_text=_("the longest the rider may be on board (seconds)"), verbose_name=_("longest ride (s)")
    )
    pickup_at = models.DateTimeField(
        help_text=_("planned pickup, moves inside the window"), verbose_name=_("pickup at")
    )
    dropoff_at = models.DateTimeField(help_text=_("planned arrival"), verbose_name=_("drop-off at"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED, verbose_name=_("status"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="ondemand_booking_seats_positive"),
            models.CheckConstraint(
                condition=Q(latest_pickup_at__gte=models.F("earliest_pickup_at")), name="ondemand_booking_window"
            ),
            models.CheckConstraint(
                condition=Q(dropoff_at__gte=models.F("pickup_at")), name="ondemand_booking_dropoff_after_pickup"
            ),
        ]
        indexes = [models.Index(fields=["run", "status"], name="ondemand_booking_run")]
        verbose_name = _("Rufbus booking")
        verbose_name_plural = _("Rufbus bookings")

    def __str__(self) -> str:
        return f"on-demand booking #{self.pk}"


class OsmPlaceSuggestion(models.Model):
    """A meeting point or Bürgerbus stop position found in the OSM extract, waiting for staff.

    Confirmed as a meeting point it becomes a ``rides.MeetingPoint``; confirmed as a stop, a
    stop of the Bürgerbus timetable. Re-reading the extract updates unconfirmed suggestions
    and never brings back a rejected one.
    """

    class Kind(models.TextChoices):
        MITFAHRBANK = "mitfahrbank", _("Mitfahrbank")
        PARKING = "parking", _("Park and ride")
        STOP = "stop", _("Bus stop")

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    osm_type = models.CharField(max_length=10, verbose_name=_("OSM type"))
    osm_id = models.BigIntegerField(verbose_name=_("OSM id"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    name = models.CharField(max_length=200, blank=True, verbose_name=_("name"))
    lat = models.FloatField(verbose_name=_("latitude"))
    lon = models.FloatField(verbose_name=_("longitude"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUGGESTED, verbose_name=_("status"))
    meeting_point = models.ForeignKey(
        "rides.MeetingPoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("meeting point"),
    )
    stop = models.ForeignKey(
        "gtfs.Stop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("stop")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    found_at = models.DateTimeField(auto_now=True, verbose_name=_("found at"))

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["osm_type", "osm_id"], name="ondemand_osm_place_unique")]
        verbose_name = _("OSM place suggestion")
        verbose_name_plural = _("OSM place suggestions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or self.osm_id}"
