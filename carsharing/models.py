"""Car-sharing: fleet, members, reservations, official trips and base load, payments.

Times are timezone-aware datetimes stored in UTC. A reservation occupies its vehicle from
``start`` to ``blocked_until`` (= ``end`` + the cleaning/charging buffer); on PostgreSQL an
exclusion constraint (migration 0002) forbids two blocking reservations of one vehicle whose
occupied ranges overlap. Money is integer euro cents, gross (VAT included).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from mobility.accounts.models import CostCentre


class Station(models.Model):
    name = models.CharField(max_length=120)
    lat = models.FloatField(help_text="WGS84 latitude, degrees")
    lon = models.FloatField(help_text="WGS84 longitude, degrees")
    address = models.CharField(max_length=250, blank=True)
    access_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Propulsion(models.TextChoices):
    ELECTRIC = "electric", "Electric"
    COMBUSTION = "combustion", "Combustion"


class VehicleType(models.Model):
    name = models.CharField(max_length=120, unique=True)
    seats = models.PositiveSmallIntegerField()
    propulsion = models.CharField(max_length=16, choices=Propulsion.choices)
    range_km = models.PositiveIntegerField(help_text="Range on a full tank or charge, km")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    plate = models.CharField(max_length=20, unique=True)
    vehicle_type = models.ForeignKey(VehicleType, on_delete=models.PROTECT, related_name="vehicles")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="vehicles")
    in_service = models.BooleanField(default=True)
    odometer_km = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plate"]

    def __str__(self) -> str:
        return self.plate


class Tariff(models.Model):
    """Prices for one vehicle type (gross, integer cents)."""

    vehicle_type = models.OneToOneField(VehicleType, on_delete=models.CASCADE, related_name="tariff")
    per_hour_cents = models.PositiveIntegerField()
    daily_cap_cents = models.PositiveIntegerField(help_text="Time cost per 24 hours is never more than this")
    per_km_cents = models.PositiveIntegerField()
    included_km = models.PositiveIntegerField(default=0, help_text="Free kilometres per reservation")
    vat_rate_bp = models.PositiveIntegerField(default=1900, help_text="VAT rate in basis points (1900 = 19 %)")

    def __str__(self) -> str:
        return f"Tariff {self.vehicle_type}"


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carsharing_membership"
    )
    licence_number = models.CharField(max_length=40)
    licence_expiry = models.DateField()
    status = models.CharField(max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED)
    applied_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True, help_text="When staff checked the licence")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["-applied_at"]

    def __str__(self) -> str:
        return f"Membership of user #{self.user_id} ({self.status})"


class ReservationKind(models.TextChoices):
    MEMBER = "member", "Member"
    OFFICIAL = "official", "Official trip"


class ReservationStatus(models.TextChoices):
    HELD = "held", "Held (payment being arranged)"
    CONFIRMED = "confirmed", "Confirmed"
    ACTIVE = "active", "Active (checked in)"
    RETURNED = "returned", "Returned (checked out)"
    SETTLED = "settled", "Settled"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired (hold ran out)"
    NO_SHOW = "no_show", "No-show"
    PREEMPTED = "preempted", "Pre-empted (vehicle out of service)"
    RELEASED = "released", "Released base-load hours"


# Statuses in which a reservation occupies its vehicle. Keep in sync with migration 0002.
BLOCKING_STATUSES = ("held", "confirmed", "active", "returned", "settled")


class Billing(models.TextChoices):
    CARD = "card", "Card (Stripe)"
    INVOICE = "invoice", "Invoice"
    COST_CENTRE = "cost_centre", "Internal charge to a cost centre"


class BaseLoadBlock(models.Model):
    """A recurring official booking (e.g. Mon–Fri 08:00–12:00, local time) that gives base load."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="base_load_blocks")
    weekdays = models.JSONField(help_text="ISO weekdays, 1 = Monday … 7 = Sunday")
    start_time = models.TimeField(help_text="Local time (TIME_ZONE)")
    end_time = models.TimeField(help_text="Local time (TIME_ZONE), after start_time")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="base_load_blocks")
    purpose = models.CharField(max_length=200)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vehicle_id", "start_time"]

    def __str__(self) -> str:
        return f"Base load {self.vehicle} {self.start_time}-{self.end_time}"


class BaseLoadOccurrence(models.Model):
    """Marks one day of a block as materialised, so materialising twice books nothing twice."""

    block = models.ForeignKey(BaseLoadBlock, on_delete=models.CASCADE, related_name="occurrences")
    date = models.DateField()
    skipped_minutes = models.PositiveIntegerField(default=0, help_text="Minutes not booked: already taken")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["block", "date"], name="carsharing_occurrence_once")]

    def __str__(self) -> str:
        return f"{self.block_id} on {self.date}"


class Reservation(models.Model):
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="reservations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="car_reservations")
    kind = models.CharField(max_length=10, choices=ReservationKind.choices, default=ReservationKind.MEMBER)
    status = models.CharField(max_length=12, choices=ReservationStatus.choices, default=ReservationStatus.HELD)
    billing = models.CharField(max_length=12, choices=Billing.choices, default=Billing.CARD)
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_until = models.DateTimeField(help_text="end + buffer: the vehicle is occupied until then")
    held_until = models.DateTimeField(null=True, blank=True)
    cost_centre = models.ForeignKey(CostCentre, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=200, blank=True)
    base_load_block = models.ForeignKey(
        BaseLoadBlock, null=True, blank=True, on_delete=models.SET_NULL, related_name="reservations"
    )
    released = models.BooleanField(default=False, help_text="Base-load hours given back to members")
    estimate_cents = models.PositiveIntegerField(default=0)
    actual_cents = models.PositiveIntegerField(null=True, blank=True)
    fee_cents = models.PositiveIntegerField(default=0, help_text="Cancellation or late-return fee")
    checked_in_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    odometer_start_km = models.PositiveIntegerField(null=True, blank=True)
    odometer_end_km = models.PositiveIntegerField(null=True, blank=True)
    energy_level_pct = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Fuel or charge at return")
    damage_report = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["vehicle", "start"], name="carsharing_res_vehicle_start"),
            models.Index(fields=["status", "held_until"], name="carsharing_res_status_held"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="carsharing_res_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(blocked_until__gte=models.F("end")), name="carsharing_res_blocked_after_end"
            ),
        ]

    def __str__(self) -> str:
        return f"Reservation #{self.pk} {self.vehicle_id} {self.start:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES


class DefectReport(models.Model):
    """A defect found on a vehicle (as in CommonsBooking). A blocking defect takes the vehicle
    out of service, which cancels (pre-empts) its upcoming bookings."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="defects")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    blocks_use = models.BooleanField(default=False)
    preempted = models.PositiveIntegerField(default=0, help_text="Bookings cancelled because of it")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Defect on {self.vehicle_id}: {self.description[:40]}"


class StripeCustomer(models.Model):
    """The member's Stripe customer. Stripe only ever sees ``reference`` (no name, no e-mail)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer")
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    stripe_customer_id = models.CharField(max_length=64, unique=True)
    default_payment_method = models.CharField(max_length=64, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)

    def __str__(self) -> str:
        return f"Stripe customer {self.reference}"


class PaymentKind(models.TextChoices):
    AUTHORISE = "authorise", "Authorisation (manual capture)"
    CAPTURE = "capture", "Capture"
    RELEASE = "release", "Release of an uncaptured authorisation"
    REFUND = "refund", "Refund"
    CHARGE = "charge", "Separate charge"
    INVOICE = "invoice", "Invoiced (no card)"
    INTERNAL = "internal", "Internal charge to a cost centre"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending (call not answered yet)"
    AUTHORISED = "authorised", "Authorised"
    SUCCEEDED = "succeeded", "Succeeded"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class PaymentRecord(models.Model):
    """One attempt of one payment operation (as pretix does): never edited into another attempt."""

    reservation = models.ForeignKey(Reservation, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=PaymentKind.choices)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    amount_cents = models.PositiveIntegerField()
    captured_cents = models.PositiveIntegerField(default=0, help_text="For authorisations: how much was captured")
    stripe_payment_intent = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_refund = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    error = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents} ct ({self.status})"


class WebhookEvent(models.Model):
    """A Stripe event id seen once. The unique id makes parallel re-deliveries no-ops."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class LicenceCheckResult(models.TextChoices):
    VALID = "valid", "Valid"
    EXPIRED = "expired", "Expired"


class LicenceCheck(models.Model):
    """Audit log: staff looked at a member's driving licence (StVG § 21: whoever lets someone
    drive must make sure, again and again, that they hold a valid licence). Every check is a
    row, at approval and at each re-check; nothing is edited afterwards."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="licence_checks")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField()
    licence_expiry = models.DateField(help_text="The expiry date staff saw on the licence")
    result = models.CharField(max_length=10, choices=LicenceCheckResult.choices)
    note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"licence check of membership #{self.membership_id} ({self.result})"


class LicenceRecheckReminder(models.Model):
    """That a member was reminded of a coming re-check (so the daily task reminds only once)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "due_on", "days_before"], name="licence_reminder_once")
        ]

    def __str__(self) -> str:
        return f"reminder {self.days_before} days before {self.due_on} for membership #{self.membership_id}"
