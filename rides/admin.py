from django.contrib import admin

from mobility.privacy.admin import AuditedPersonalDataAdmin

from .models import MeetingPoint, RideBooking, RideOffer, RideRequest, RoadGraph


@admin.register(RoadGraph)
class RoadGraphAdmin(admin.ModelAdmin):
    list_display = ["name", "node_count", "edge_count", "active", "imported_at"]
    readonly_fields = ["path", "source_file", "node_count", "edge_count", "bbox", "imported_at"]


@admin.register(MeetingPoint)
class MeetingPointAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "lat", "lon", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]


@admin.register(RideOffer)
class RideOfferAdmin(AuditedPersonalDataAdmin):
    audit_subject_field = "driver"

    list_display = ["id", "driver", "departure", "seats", "max_detour_minutes", "status"]
    list_filter = ["status"]
    raw_id_fields = ["driver", "origin_meeting_point", "destination_meeting_point"]


@admin.register(RideRequest)
class RideRequestAdmin(AuditedPersonalDataAdmin):
    audit_subject_field = "rider"

    list_display = ["id", "rider", "earliest_departure", "latest_arrival", "seats", "pickup_mode", "status"]
    list_filter = ["status", "pickup_mode"]
    raw_id_fields = ["rider"]


@admin.register(RideBooking)
class RideBookingAdmin(AuditedPersonalDataAdmin):
    audit_subject_field = "rider"

    list_display = ["id", "offer", "occurrence_date", "rider", "seats", "status", "pickup_time"]
    list_filter = ["status"]
    raw_id_fields = ["offer", "rider", "request", "cancelled_by"]
