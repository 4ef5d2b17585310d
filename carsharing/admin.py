from django.contrib import admin

from mobility.privacy.admin import AuditedPersonalDataAdmin

from .models import (
    BaseLoadBlock,
    DefectReport,
    Membership,
    PaymentRecord,
    Reservation,
    Station,
    StripeCustomer,
    Tariff,
    Vehicle,
    VehicleType,
    WebhookEvent,
)


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "lat", "lon"]
    search_fields = ["name", "address"]


@admin.register(VehicleType)
class VehicleTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "seats", "propulsion", "range_km"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["plate", "vehicle_type", "station", "in_service", "odometer_km"]
    list_filter = ["in_service", "vehicle_type", "station"]
    search_fields = ["plate"]

    def save_model(self, request, obj, form, change):
        # Taking a car out of service must pre-empt its bookings, as the API does.
        if change and "in_service" in form.changed_data and not obj.in_service:
            from . import services

            services.vehicle_update(vehicle_id=obj.pk, in_service=False)
            form.changed_data.remove("in_service")
        super().save_model(request, obj, form, change)


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["vehicle_type", "per_hour_cents", "daily_cap_cents", "per_km_cents", "included_km", "vat_rate_bp"]


@admin.register(Membership)
class MembershipAdmin(AuditedPersonalDataAdmin):
    audit_what = "admin: membership licence"

    list_display = ["user", "status", "licence_expiry", "checked_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["user", "checked_by"]


class PaymentInline(admin.TabularInline):
    model = PaymentRecord
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in PaymentRecord._meta.fields]


@admin.register(Reservation)
class ReservationAdmin(AuditedPersonalDataAdmin):
    audit_what = "admin: car-sharing reservation"

    list_display = ["id", "vehicle", "kind", "status", "start", "end", "cost_centre", "estimate_cents", "actual_cents"]
    list_filter = ["kind", "status", "vehicle"]
    date_hierarchy = "start"
    raw_id_fields = ["user"]
    inlines = [PaymentInline]

    def get_readonly_fields(self, request, obj=None):
        # The life cycle runs through the services (locks, payments); the admin only looks.
        return [f.name for f in Reservation._meta.fields] if obj else []


@admin.register(BaseLoadBlock)
class BaseLoadBlockAdmin(admin.ModelAdmin):
    list_display = ["vehicle", "weekdays", "start_time", "end_time", "valid_from", "valid_until", "cost_centre"]


@admin.register(PaymentRecord)
class PaymentRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "reservation", "kind", "status", "amount_cents", "captured_cents", "stripe_payment_intent"]
    list_filter = ["kind", "status"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PaymentRecord._meta.fields]


@admin.register(StripeCustomer)
class StripeCustomerAdmin(admin.ModelAdmin):
    list_display = ["reference", "stripe_customer_id", "card_last4"]
    readonly_fields = ["reference", "stripe_customer_id", "default_payment_method", "card_last4"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at"]
    readonly_fields = ["event_id", "type", "received_at", "processed_at"]


@admin.register(DefectReport)
class DefectReportAdmin(admin.ModelAdmin):
    list_display = ["vehicle", "blocks_use", "preempted", "created_at"]
    list_filter = ["blocks_use", "vehicle"]
    raw_id_fields = ["reported_by"]
