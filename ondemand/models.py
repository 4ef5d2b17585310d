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


class OnDemandRun(models.Model):
    """One vehicle serving one Flex trip's zone on one service date."""

    flex_stop_time = models.ForeignKey("gtfs.FlexStopTime", on_delete=models.PROTECT, related_name="runs")
    service_date = models.DateField()
    capacity = models.PositiveSmallIntegerField()
    start_at = models.DateTimeField(help_text="the window opens: the bus leaves its depot")
    end_at = models.DateTimeField(help_text="the window closes: the bus is back at its depot")
    depot_lat = models.FloatField()
    depot_lon = models.FloatField()
    plan = models.JSONField(default=list, blank=True, help_text='ordered stops: [{"booking": id, "pickup": bool}]')
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service_date", "start_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["flex_stop_time", "service_date"], name="ondemand_run_unique_day"),
            models.CheckConstraint(condition=Q(end_at__gt=models.F("start_at")), name="ondemand_run_forward"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="ondemand_run_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"run #{self.pk} on {self.service_date}"


class OnDemandBooking(models.Model):
    """A door-to-door ride in a run. Times are aware datetimes (UTC in the database)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    run = models.ForeignKey(OnDemandRun, on_delete=models.PROTECT, related_name="bookings")
    passenger = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ondemand_bookings")
    seats = models.PositiveSmallIntegerField(default=1)
    pickup_lat = models.FloatField()
    pickup_lon = models.FloatField()
    dropoff_lat = models.FloatField()
    dropoff_lon = models.FloatField()
    earliest_pickup_at = models.DateTimeField(help_text="the promised pickup window opens")
    latest_pickup_at = models.DateTimeField(help_text="the promised pickup window closes")
    max_ride_s = models.PositiveIntegerField(help_text="the longest the rider may be on board (seconds)")
    pickup_at = models.DateTimeField(help_text="planned pickup, moves inside the window")
    dropoff_at = models.DateTimeField(help_text="planned arrival")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

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

    def __str__(self) -> str:
        return f"on-demand booking #{self.pk}"
