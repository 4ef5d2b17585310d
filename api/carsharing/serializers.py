"""Input and output serializers for the car-sharing API (one pair per operation)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import latitude, longitude
from api.validators import validate_supported_date, validate_supported_month
from carsharing.models import (
    BaseLoadBlock,
    DefectReport,
    LicenceCheck,
    Membership,
    PaymentRecord,
    Propulsion,
    Reservation,
    Station,
    Tariff,
    Vehicle,
    VehicleType,
)

# --- fleet ---------------------------------------------------------------------------------------


class StationOutput(serializers.ModelSerializer):
    class Meta:
        model = Station
        fields = ["id", "name", "lat", "lon", "address", "access_notes"]
        read_only_fields = fields


class StationInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    lat = latitude()
    lon = longitude()
    address = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    access_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class VehicleTypeOutput(serializers.ModelSerializer):
    class Meta:
        model = VehicleType
        fields = ["id", "name", "seats", "propulsion", "range_km"]
        read_only_fields = fields


class VehicleTypeInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    seats = serializers.IntegerField(min_value=1, max_value=60)
    propulsion = serializers.ChoiceField(choices=Propulsion.choices)
    range_km = serializers.IntegerField(min_value=1, max_value=5000)


class VehicleOutput(serializers.ModelSerializer):
    vehicle_type = VehicleTypeOutput(read_only=True)
    station = StationOutput(read_only=True)

    class Meta:
        model = Vehicle
        fields = ["id", "plate", "vehicle_type", "station", "in_service", "odometer_km"]
        read_only_fields = fields


class VehicleInput(serializers.Serializer):
    plate = serializers.CharField(max_length=20)
    vehicle_type = serializers.PrimaryKeyRelatedField(queryset=VehicleType.objects.all())
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())
    in_service = serializers.BooleanField(required=False, default=True)


class VehicleUpdateInput(serializers.Serializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all(), required=False)
    in_service = serializers.BooleanField(required=False)


class DefectInput(serializers.Serializer):
    description = serializers.CharField(max_length=4000)
    blocks_use = serializers.BooleanField(default=False, help_text="The vehicle must not be driven")


class DefectOutput(serializers.ModelSerializer):
    class Meta:
        model = DefectReport
        fields = ["id", "vehicle", "description", "blocks_use", "preempted", "created_at"]
        read_only_fields = fields


class TariffOutput(serializers.ModelSerializer):
    class Meta:
        model = Tariff
        fields = [
            "id",
            "vehicle_type",
            "per_hour_cents",
            "daily_cap_cents",
            "per_km_cents",
            "included_km",
            "vat_rate_bp",
        ]
        read_only_fields = fields


class TariffInput(serializers.Serializer):
    vehicle_type = serializers.PrimaryKeyRelatedField(queryset=VehicleType.objects.all())
    per_hour_cents = serializers.IntegerField(min_value=0, max_value=100_000)
    daily_cap_cents = serializers.IntegerField(min_value=0, max_value=1_000_000)
    per_km_cents = serializers.IntegerField(min_value=0, max_value=10_000)
    included_km = serializers.IntegerField(min_value=0, max_value=10_000, required=False, default=0)
    vat_rate_bp = serializers.IntegerField(min_value=0, max_value=10_000, required=False, default=1900)


# --- availability and prices ----------------------------------------------------------------------


class WindowQuery(serializers.Serializer):
    start = serializers.DateTimeField(validators=[validate_supported_date])
    end = serializers.DateTimeField(validators=[validate_supported_date])

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("must be after start")})
        if (attrs["end"] - attrs["start"]).days > 31:
            raise serializers.ValidationError({"end": _("at most 31 days after start")})
        return attrs


class SearchQuery(WindowQuery):
    lat = latitude(required=False)
    lon = longitude(required=False)
    radius_km = serializers.FloatField(min_value=0, max_value=500, required=False, default=10.0)


class IntervalOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class AvailabilityOutput(serializers.Serializer):
    vehicle = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    busy = IntervalOutput(many=True)
    free = IntervalOutput(many=True)


class SearchResultOutput(serializers.Serializer):
    vehicle = VehicleOutput()
    distance_km = serializers.FloatField(allow_null=True)


class QuoteInput(serializers.Serializer):
    vehicle = serializers.IntegerField(min_value=1)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    km = serializers.IntegerField(min_value=0, max_value=100_000, required=False, default=0)


class QuoteOutput(serializers.Serializer):
    vehicle = serializers.IntegerField()
    minutes = serializers.IntegerField()
    km = serializers.IntegerField()
    time_cents = serializers.IntegerField()
    distance_cents = serializers.IntegerField()
    total_cents = serializers.IntegerField()
    vat_cents = serializers.IntegerField(help_text="VAT contained in total_cents")
    vat_rate_bp = serializers.IntegerField(help_text="VAT rate in basis points")


# --- members ----------------------------------------------------------------------------------------


class MembershipApplyInput(serializers.Serializer):
    licence_number = serializers.RegexField(r"^[A-Za-z0-9 -]{4,40}$", max_length=40)
    licence_expiry = serializers.DateField()


class MembershipOutput(serializers.ModelSerializer):
    """A membership; ``context["approved_licences"]`` (staff views) flags a licence number
    that another approved membership already holds."""

    name = serializers.CharField(source="user.display_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    licence_also_on = serializers.SerializerMethodField(
        help_text="staff: ids of other approved memberships with the same licence number (empty: none)"
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "name",
            "email",
            "licence_number",
            "licence_also_on",
            "licence_expiry",
            "status",
            "applied_at",
            "checked_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    def get_licence_also_on(self, membership: Membership) -> list[int]:
        approved = self.context.get("approved_licences")
        if approved is None:
            return []
        from carsharing.selectors import licence_key

        return sorted(pk for pk in approved.get(licence_key(membership.licence_number), []) if pk != membership.pk)


class MembershipDecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")


# --- reservations -------------------------------------------------------------------------------


class ReservationCreateInput(serializers.Serializer):
    vehicle = serializers.IntegerField(min_value=1)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class OfficialTripInput(ReservationCreateInput):
    purpose = serializers.CharField(max_length=200)
    cost_centre = serializers.CharField(max_length=32, required=False, help_text="Code; default: your own")


class PaymentRecordOutput(serializers.ModelSerializer):
    class Meta:
        model = PaymentRecord
        fields = ["id", "kind", "status", "amount_cents", "captured_cents", "created_at"]
        read_only_fields = fields


class ReservationOutput(serializers.ModelSerializer):
    cost_centre = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    payments = PaymentRecordOutput(many=True, read_only=True)

    class Meta:
        model = Reservation
        fields = [
            "id",
            "vehicle",
            "kind",
            "status",
            "billing",
            "start",
            "end",
            "blocked_until",
            "held_until",
            "cost_centre",
            "purpose",
            "base_load_block",
            "released",
            "estimate_cents",
            "actual_cents",
            "fee_cents",
            "checked_in_at",
            "returned_at",
            "odometer_start_km",
            "odometer_end_km",
            "energy_level_pct",
            "damage_report",
            "payments",
            "created_at",
        ]
        read_only_fields = fields


class ExtendInput(serializers.Serializer):
    end = serializers.DateTimeField()


class CheckInInput(serializers.Serializer):
    odometer_km = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)


class CheckOutInput(serializers.Serializer):
    odometer_km = serializers.IntegerField(min_value=0, max_value=10_000_000)
    energy_level_pct = serializers.IntegerField(min_value=0, max_value=100)
    damage_report = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class SettleInput(serializers.Serializer):
    extra_cents = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, default=0)
    note = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")


class RefundInput(serializers.Serializer):
    amount_cents = serializers.IntegerField(min_value=1, max_value=10_000_000)
    reason = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")


class ReleaseInput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


# --- base load and reports --------------------------------------------------------------------------


class BaseLoadBlockInput(serializers.Serializer):
    vehicle = serializers.IntegerField(min_value=1)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), min_length=1, max_length=7
    )
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    cost_centre = serializers.CharField(max_length=32)
    purpose = serializers.CharField(max_length=200)


class BaseLoadBlockOutput(serializers.ModelSerializer):
    cost_centre = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    weekdays = serializers.ListField(child=serializers.IntegerField())

    class Meta:
        model = BaseLoadBlock
        fields = [
            "id",
            "vehicle",
            "weekdays",
            "start_time",
            "end_time",
            "valid_from",
            "valid_until",
            "cost_centre",
            "purpose",
        ]
        read_only_fields = fields


class MaterialiseOutput(serializers.Serializer):
    days = serializers.IntegerField()
    reservations = serializers.IntegerField()
    days_partly_taken = serializers.IntegerField()


class UtilisationQuery(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", help_text="YYYY-MM (local time)", validators=[validate_supported_month]
    )


class UtilisationRowOutput(serializers.Serializer):
    vehicle = serializers.IntegerField()
    plate = serializers.CharField()
    hours_total = serializers.FloatField()
    hours_official = serializers.FloatField(help_text="staff: your cost centre's official trips; operator: all")
    hours_official_other = serializers.FloatField(help_text="staff: other cost centres' official trips")
    hours_member = serializers.FloatField()
    hours_idle = serializers.FloatField()
    share_official = serializers.FloatField()
    share_member = serializers.FloatField()
    share_idle = serializers.FloatField()


# --- card payments --------------------------------------------------------------------------------


class CardSetupOutput(serializers.Serializer):
    setup_intent = serializers.CharField()
    client_secret = serializers.CharField()
    customer_reference = serializers.UUIDField()


class CardSaveInput(serializers.Serializer):
    setup_intent = serializers.RegexField(r"^seti_[A-Za-z0-9_]+$", max_length=100)


class CardOutput(serializers.Serializer):
    customer_reference = serializers.UUIDField(source="reference")
    card_last4 = serializers.CharField()


class WebhookOutput(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField()


# --- licence re-checks ---------------------------------------------------------------------------
class LicenceRecheckInput(serializers.Serializer):
    licence_expiry = serializers.DateField(
        help_text="The expiry date on the licence staff looked at", validators=[validate_supported_date]
    )
    note = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")


class LicenceCheckOutput(serializers.ModelSerializer):
    next_check_due = serializers.SerializerMethodField()

    class Meta:
        model = LicenceCheck
        fields = ["id", "membership", "checked_by", "checked_at", "licence_expiry", "result", "note", "next_check_due"]

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_next_check_due(self, check):
        from carsharing.services.licence_checks import recheck_due_on

        return None if check.result == "expired" else recheck_due_on(check.membership).isoformat()


class LicenceCheckDueOutput(serializers.Serializer):
    membership = serializers.IntegerField(source="membership.pk")
    user = serializers.IntegerField(source="membership.user_id")
    name = serializers.CharField(source="membership.user.display_name")
    licence_expiry = serializers.DateField(source="membership.licence_expiry")
    last_checked_at = serializers.DateTimeField(source="membership.checked_at", allow_null=True)
    due_on = serializers.DateField()
    reason = serializers.ChoiceField(choices=["recheck", "licence_expires"])
