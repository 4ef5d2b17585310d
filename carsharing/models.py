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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mobility.accounts.models import CostCentre
from mobility.l10n import format_datetime


class Station(models.Model):
    name = models.CharField(max_length=120, verbose_name=_("name"))
    lat = models.FloatField(help_text=_("WGS84 latitude, degrees"), verbose_name=_("latitude"))
    lon = models.FloatField(help_text=_("WGS84 longitude, degrees"), verbose_name=_("longitude"))
    address = models.CharField(max_length=250, blank=True, verbose_name=_("address"))
    access_notes = models.TextField(blank=True, verbose_name=_("access notes"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self) -> str:
        return self.name


class Propulsion(models.TextChoices):
    ELECTRIC = "electric", _("Electric")
    COMBUSTION = "combustion", _("Combustion")


class VehicleType(models.Model):
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    seats = models.PositiveSmallIntegerField(verbose_name=_("seats"))
    propulsion = models.CharField(max_length=16, choices=Propulsion.choices, verbose_name=_("propulsion"))
    range_km = models.PositiveIntegerField(
        help_text=_("Range on a full tank or charge, km"), verbose_name=_("range (km)")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("vehicle type")
        verbose_name_plural = _("vehicle types")

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    plate = models.CharField(max_length=20, unique=True, verbose_name=_("plate"))
    vehicle_type = models.ForeignKey(
        VehicleType, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("vehicle type")
    )
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("station"))
    in_service = models.BooleanField(default=True, verbose_name=_("in service"))
    odometer_km = models.PositiveIntegerField(default=0, verbose_name=_("odometer (km)"))

    class Meta:
        ordering = ["plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.plate


class Tariff(models.Model):
    """Prices for one vehicle type (gross, integer cents)."""

    vehicle_type = models.OneToOneField(
        VehicleType, on_delete=models.CASCADE, related_name="tariff", verbose_name=_("vehicle type")
    )
    per_hour_cents = models.PositiveIntegerField(verbose_name=_("price per hour (cents)"))
    daily_cap_cents = models.PositiveIntegerField(
        help_text=_("Time cost per 24 hours is never more than this"), verbose_name=_("daily cap (cents)")
    )
    per_km_cents = models.PositiveIntegerField(verbose_name=_("price per km (cents)"))
    included_km = models.PositiveIntegerField(
        default=0, help_text=_("Free kilometres per reservation"), verbose_name=_("included kilometres")
    )
    vat_rate_bp = models.PositiveIntegerField(
        default=1900, help_text=_("VAT rate in basis points (1900 = 19 %)"), verbose_name=_("VAT rate (basis points)")
    )

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")

    def __str__(self) -> str:
        return gettext("Tariff %(type)s") % {"type": self.vehicle_type}


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carsharing_membership", verbose_name=_("user")
    )
    licence_number = models.CharField(max_length=40, verbose_name=_("licence number"))
    licence_expiry = models.DateField(verbose_name=_("licence expiry"))
    status = models.CharField(
        max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED, verbose_name=_("status")
    )
    applied_at = models.DateTimeField(auto_now_add=True, verbose_name=_("applied at"))
    checked_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When staff checked the licence"), verbose_name=_("checked at")
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(max_length=250, blank=True, verbose_name=_("decision note"))

    class Meta:
        ordering = ["-applied_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return gettext("Membership of user #%(user)s (%(status)s)") % {
            "user": self.user_id,
            "status": self.get_status_display(),
        }


class ReservationKind(models.TextChoices):
    MEMBER = "member", _("Member")
    OFFICIAL = "official", _("Official trip")


class ReservationStatus(models.TextChoices):
    HELD = "held", _("Held (payment being arranged)")
    CONFIRMED = "confirmed", _("Confirmed")
    ACTIVE = "active", _("Active (checked in)")
    RETURNED = "returned", _("Returned (checked out)")
    SETTLED = "settled", _("Settled")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired (hold ran out)")
    NO_SHOW = "no_show", _("No-show")
    PREEMPTED = "preempted", _("Pre-empted (vehicle out of service)")
    RELEASED = "released", _("Released base-load hours")


# Statuses in which a reservation occupies its vehicle. Keep in sync with migration 0002.
BLOCKING_STATUSES = ("held", "confirmed", "active", "returned", "settled")


class Billing(models.TextChoices):
    CARD = "card", _("Card (Stripe)")
    INVOICE = "invoice", _("Invoice")
    COST_CENTRE = "cost_centre", _("Internal charge to a cost centre")


class BaseLoadBlock(models.Model):
    """A recurring official booking (e.g. Mon–Fri 08:00–12:00, local time) that gives base load."""

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="base_load_blocks", verbose_name=_("vehicle")
    )
    weekdays = models.JSONField(help_text=_("ISO weekdays, 1 = Monday … 7 = Sunday"), verbose_name=_("weekdays"))
    start_time = models.TimeField(help_text=_("Local time (TIME_ZONE)"), verbose_name=_("start time"))
    end_time = models.TimeField(help_text=_("Local time (TIME_ZONE), after start_time"), verbose_name=_("end time"))
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_until = models.DateField(null=True, blank=True, verbose_name=_("valid until"))
    cost_centre = models.ForeignKey(
        CostCentre, on_delete=models.PROTECT, related_name="base_load_blocks", verbose_name=_("cost centre")
    )
    purpose = models.CharField(max_length=200, verbose_name=_("purpose"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["vehicle_id", "start_time"]
        verbose_name = _("base load block")
        verbose_name_plural = _("base load blocks")

    def __str__(self) -> str:
        return gettext("Base load %(vehicle)s %(start)s–%(end)s") % {
            "vehicle": self.vehicle,
            "start": f"{self.start_time:%H:%M}",
            "end": f"{self.end_time:%H:%M}",
        }


class BaseLoadOccurrence(models.Model):
    """Marks one day of a block as materialised, so materialising twice books nothing twice."""

    block = models.ForeignKey(
        BaseLoadBlock, on_delete=models.CASCADE, related_name="occurrences", verbose_name=_("block")
    )
    date = models.DateField(verbose_name=_("date"))
    skipped_minutes = models.PositiveIntegerField(
        default=0, help_text=_("Minutes not booked: already taken"), verbose_name=_("skipped minutes")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["block", "date"], name="carsharing_occurrence_once")]
        verbose_name = _("base load occurrence")
        verbose_name_plural = _("base load occurrences")

    def __str__(self) -> str:
        return f"{self.block_id} on {self.date}"


class Reservation(models.Model):
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("vehicle")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="car_reservations", verbose_name=_("user")
    )
    kind = models.CharField(
        max_length=10, choices=ReservationKind.choices, default=ReservationKind.MEMBER, verbose_name=_("kind")
    )
    status = models.CharField(
        max_length=12, choices=ReservationStatus.choices, default=ReservationStatus.HELD, verbose_name=_("status")
    )
    billing = models.CharField(max_length=12, choices=Billing.choices, default=Billing.CARD, verbose_name=_("billing"))
    start = models.DateTimeField(verbose_name=_("start"))
    end = models.DateTimeField(verbose_name=_("end"))
    blocked_until = models.DateTimeField(
        help_text=_("end + buffer: the vehicle is occupied until then"), verbose_name=_("blocked until")
    )
    held_until = models.DateTimeField(null=True, blank=True, verbose_name=_("held until"))
    cost_centre = models.ForeignKey(
        CostCentre, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("cost centre")
    )
    purpose = models.CharField(max_length=200, blank=True, verbose_name=_("purpose"))
    base_load_block = models.ForeignKey(
        BaseLoadBlock,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reservations",
        verbose_name=_("base load block"),
    )
    released = models.BooleanField(
        default=False, help_text=_("Base-load hours given back to members"), verbose_name=_("released")
    )
    estimate_cents = models.PositiveIntegerField(default=0, verbose_name=_("estimate (cents)"))
    actual_cents = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("actual price (cents)"))
    fee_cents = models.PositiveIntegerField(
        default=0, help_text=_("Cancellation or late-return fee"), verbose_name=_("fee (cents)")
    )
    checked_in_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked in at"))
    returned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("returned at"))
    odometer_start_km = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("odometer at start (km)"))
    odometer_end_km = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("odometer at return (km)"))
    energy_level_pct = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Fuel or charge at return"), verbose_name=_("energy level (%)")
    )
    damage_report = models.TextField(blank=True, verbose_name=_("damage report"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")

    def __str__(self) -> str:
        return gettext("Reservation #%(id)s, vehicle #%(vehicle)s, %(start)s (%(status)s)") % {
            "id": self.pk,
            "vehicle": self.vehicle_id,
            "start": format_datetime(self.start),
            "status": self.get_status_display(),
        }

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES


class DefectReport(models.Model):
    """A defect found on a vehicle (as in CommonsBooking). A blocking defect takes the vehicle
    out of service, which cancels (pre-empts) its upcoming bookings."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="defects", verbose_name=_("vehicle"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    description = models.TextField(verbose_name=_("description"))
    blocks_use = models.BooleanField(default=False, verbose_name=_("blocks use"))
    preempted = models.PositiveIntegerField(
        default=0, help_text=_("Bookings cancelled because of it"), verbose_name=_("preempted")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("defect report")
        verbose_name_plural = _("defect reports")

    def __str__(self) -> str:
        return gettext("Defect on vehicle #%(vehicle)s: %(description)s") % {
            "vehicle": self.vehicle_id,
            "description": self.description[:40],
        }


class StripeCustomer(models.Model):
    """The member's Stripe customer. Stripe only ever sees ``reference`` (no name, no e-mail)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer", verbose_name=_("user")
    )
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("reference"))
    stripe_customer_id = models.CharField(max_length=64, unique=True, verbose_name=_("Stripe customer id"))
    default_payment_method = models.CharField(max_length=64, blank=True, verbose_name=_("default payment method"))
    card_last4 = models.CharField(max_length=4, blank=True, verbose_name=_("card (last 4 digits)"))

    class Meta:
        verbose_name = _("Stripe customer")
        verbose_name_plural = _("Stripe customers")

    def __str__(self) -> str:
        return gettext("Stripe customer %(reference)s") % {"reference": self.reference}


class PaymentKind(models.TextChoices):
    AUTHORISE = "authorise", _("Authorisation (manual capture)")
    CAPTURE = "capture", _("Capture")
    RELEASE = "release", _("Release of an uncaptured authorisation")
    REFUND = "refund", _("Refund")
    CHARGE = "charge", _("Separate charge")
    INVOICE = "invoice", _("Invoiced (no card)")
    INTERNAL = "internal", _("Internal charge to a cost centre")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending (call not answered yet)")
    AUTHORISED = "authorised", _("Authorised")
    SUCCEEDED = "succeeded", _("Succeeded")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class PaymentRecord(models.Model):
    """One attempt of one payment operation (as pretix does): never edited into another attempt."""

    reservation = models.ForeignKey(
        Reservation, on_delete=models.PROTECT, related_name="payments", verbose_name=_("reservation")
    )
    kind = models.CharField(max_length=10, choices=PaymentKind.choices, verbose_name=_("kind"))
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING, verbose_name=_("status")
    )
    amount_cents = models.PositiveIntegerField(verbose_name=_("amount (cents)"))
    captured_cents = models.PositiveIntegerField(
        default=0, help_text=_("For authorisations: how much was captured"), verbose_name=_("captured (cents)")
    )
    stripe_payment_intent = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("Stripe payment intent")
    )
    stripe_refund = models.CharField(max_length=64, blank=True, verbose_name=_("Stripe refund"))
    idempotency_key = models.CharField(max_length=100, unique=True, verbose_name=_("idempotency key"))
    error = models.CharField(max_length=250, blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("payment record")
        verbose_name_plural = _("payment records")

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_cents} ct ({self.status})"


class WebhookEvent(models.Model):
    """A Stripe event id seen once. The unique id makes parallel re-deliveries no-ops."""

    event_id = models.CharField(max_length=100, unique=True, verbose_name=_("event id"))
    type = models.CharField(max_length=100, verbose_name=_("type"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class LicenceCheckResult(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")


class LicenceCheck(models.Model):
    """Audit log: staff looked at a member's driving licence (StVG § 21: whoever lets someone
    drive must make sure, again and again, that they hold a valid licence). Every check is a
    row, at approval and at each re-check; nothing is edited afterwards."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="licence_checks", verbose_name=_("membership")
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("checked by")
    )
    checked_at = models.DateTimeField(verbose_name=_("checked at"))
    licence_expiry = models.DateField(
        help_text=_("The expiry date staff saw on the licence"), verbose_name=_("licence expiry")
    )
    result = models.CharField(max_length=10, choices=LicenceCheckResult.choices, verbose_name=_("result"))
    note = models.CharField(max_length=250, blank=True, verbose_name=_("note"))

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("licence check")
        verbose_name_plural = _("licence checks")

    def __str__(self) -> str:
        return f"licence check of membership #{self.membership_id} ({self.result})"


class LicenceRecheckReminder(models.Model):
    """That a member was reminded of a coming re-check (so the daily task reminds only once)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+", verbose_name=_("membership"))
    due_on = models.DateField(verbose_name=_("due on"))
    days_before = models.PositiveSmallIntegerField(verbose_name=_("days before"))
    sent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("sent at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "due_on", "days_before"], name="licence_reminder_once")
        ]
        verbose_name = _("licence recheck reminder")
        verbose_name_plural = _("licence recheck reminders")

    def __str__(self) -> str:
        return f"reminder {self.days_before} days before {self.due_on} for membership #{self.membership_id}"
