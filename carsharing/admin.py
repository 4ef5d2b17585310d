from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mobility.errors import DomainError
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


class ServiceActionsAdmin(admin.ModelAdmin):
    """Read-only screens whose changes are admin actions calling the services (locks, rules,
    payments, notifications), never a form saving the row directly."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def run_service(self, request, queryset, call, done: str) -> None:
        """``call(obj)`` for each selected row; refused ones are listed with their reason."""
        succeeded = 0
        for obj in queryset.order_by("pk"):
            try:
                call(obj)
            except DomainError as exc:
                self.message_user(request, f"{obj}: {exc.message} ({exc.code})", level=messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done}: {succeeded}", level=messages.SUCCESS)

    def get_actions(self, request):
        # Actions change data: offered on these read-only screens to operators only.
        actions = super().get_actions(request)
        if not getattr(request.user, "is_operator", False):
            return {name: action for name, action in actions.items() if name == "delete_selected"}
        return actions


@admin.register(Membership)
class MembershipAdmin(AuditedPersonalDataAdmin, ServiceActionsAdmin):
    audit_what = "admin: membership licence"

    list_display = ["user", "status", "licence_expiry", "checked_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["user", "checked_by"]
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve the selected applications (licence checked)"))
    def approve(self, request, queryset):
        from . import services

        self.run_service(
            request,
            queryset,
            lambda m: services.membership_decide(staff=request.user, membership_id=m.pk, approve=True),
            gettext("Approved"),
        )

    @admin.action(description=_("Reject the selected applications"))
    def reject(self, request, queryset):
        from . import services

        self.run_service(
            request,
            queryset,
            lambda m: services.membership_decide(staff=request.user, membership_id=m.pk, approve=False),
            gettext("Rejected"),
        )


class PaymentInline(admin.TabularInline):
    model = PaymentRecord
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in PaymentRecord._meta.fields]


@admin.register(Reservation)
class ReservationAdmin(AuditedPersonalDataAdmin, ServiceActionsAdmin):
    """The life cycle runs through the services (locks, payments); the admin looks, and cancels
    or settles through them."""

    audit_what = "admin: car-sharing reservation"

    list_display = ["id", "vehicle", "kind", "status", "start", "end", "cost_centre", "estimate_cents", "actual_cents"]
    list_filter = ["kind", "status", "vehicle"]
    date_hierarchy = "start"
    raw_id_fields = ["user"]
    inlines = [PaymentInline]
    actions = ["cancel", "settle"]

    @admin.action(description=_("Cancel the selected reservations (members pay the policy's fee)"))
    def cancel(self, request, queryset):
        from . import services

        self.run_service(
            request,
            queryset,
            lambda r: services.reservation_cancel(user=request.user, reservation_id=r.pk),
            gettext("Cancelled"),
        )

    @admin.action(description=_("Settle the selected returned reservations"))
    def settle(self, request, queryset):
        from . import services

        self.run_service(
            request, queryset, lambda r: services.reservation_settle(reservation_id=r.pk), gettext("Settled")
        )


@admin.register(BaseLoadBlock)
class BaseLoadBlockAdmin(ServiceActionsAdmin):
    """Blocks are defined through the API (``base_load_block_add`` checks the grid, the weekdays
    and the cost centre, and books ahead); here they are read and booked ahead again."""

    list_display = ["vehicle", "weekdays", "start_time", "end_time", "valid_from", "valid_until", "cost_centre"]
    actions = ["book_ahead"]

    @admin.action(description=_("Book the selected blocks ahead now"))
    def book_ahead(self, request, queryset):
        from . import services

        ids = list(queryset.values_list("pk", flat=True))
        result = services.base_load_materialise(block_ids=ids)
        self.message_user(
            request,
            gettext("Days booked: %(days)s, reservations: %(reservations)s, days partly taken: %(partly)s")
            % {"days": result["days"], "reservations": result["reservations"], "partly": result["days_partly_taken"]},
            level=messages.SUCCESS,
        )


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
