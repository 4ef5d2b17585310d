from django.contrib import admin

from mobility.privacy.admin import AuditedPersonalDataAdmin

from .models import BookingRule, BuergerbusBooking, Feed, FeedVersion, GtfsImport, Route, Stop, Trip


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "active_version", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["active_version"]


@admin.register(FeedVersion)
class FeedVersionAdmin(admin.ModelAdmin):
    list_display = ["id", "feed", "source_name", "valid_from", "valid_to", "created_at", "edited_at"]
    list_filter = ["feed"]
    readonly_fields = ["content_sha256", "warnings", "stats", "created_at", "edited_at"]


@admin.register(GtfsImport)
class GtfsImportAdmin(admin.ModelAdmin):
    list_display = ["id", "feed_name", "kind", "status", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    readonly_fields = ["problems", "message", "version", "file_path", "size_bytes", "created_at", "finished_at"]


@admin.register(Stop)
class StopAdmin(admin.ModelAdmin):
    list_display = ["name", "stop_id", "version", "lat", "lon"]
    search_fields = ["name", "stop_id"]
    list_filter = ["version__feed"]
    raw_id_fields = ["version"]


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["short_name", "long_name", "route_id", "version", "booking_rule"]
    list_filter = ["version__feed"]
    raw_id_fields = ["version", "booking_rule"]


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = ["trip_id", "route", "headsign", "capacity", "version"]
    list_filter = ["version__feed"]
    search_fields = ["trip_id", "headsign"]
    raw_id_fields = ["version", "route", "service", "booking_rule"]


@admin.register(BookingRule)
class BookingRuleAdmin(admin.ModelAdmin):
    list_display = ["booking_rule_id", "booking_type", "prior_notice_duration_min", "prior_notice_last_day", "version"]
    raw_id_fields = ["version"]


@admin.register(BuergerbusBooking)
class BuergerbusBookingAdmin(AuditedPersonalDataAdmin):
    audit_subject_field = "passenger"

    list_display = ["id", "trip", "service_date", "seats", "status", "assisted", "created_at"]
    list_filter = ["status", "assisted", "service_date"]
    raw_id_fields = ["trip", "from_stop", "to_stop", "passenger", "booked_by"]
