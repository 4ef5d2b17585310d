from django.urls import path

from . import drivers, views

urlpatterns = [
    path("gtfs/feeds/", views.FeedListView.as_view(), name="gtfs-feed-list"),
    path("gtfs/feeds/<int:pk>/versions/", views.FeedVersionListView.as_view(), name="gtfs-feed-versions"),
    path("gtfs/feeds/<int:pk>/activate/", views.FeedActivateView.as_view(), name="gtfs-feed-activate"),
    path("gtfs/stops/", views.StopListView.as_view(), name="gtfs-stop-list"),
    path("gtfs/departures/", views.DeparturesView.as_view(), name="gtfs-departures"),
    path("gtfs/routes/", views.RouteListView.as_view(), name="gtfs-route-list"),
    path("gtfs/trips/<int:pk>/", views.TripDetailView.as_view(), name="gtfs-trip-detail"),
    path("gtfs/imports/", views.ImportListView.as_view(), name="gtfs-import-list"),
    path("gtfs/imports/<int:pk>/", views.ImportDetailView.as_view(), name="gtfs-import-detail"),
    path("gtfs/buergerbus/gtfs.zip", views.BuergerbusExportView.as_view(), name="gtfs-buergerbus-export"),
    path("gtfs/buergerbus/stops/", views.BBStopCreateView.as_view(), name="buergerbus-stop-list"),
    path("gtfs/buergerbus/drivers/", drivers.DriverListView.as_view(), name="buergerbus-driver-list"),
    path(
        "gtfs/buergerbus/drivers/<int:pk>/qualifications/",
        drivers.DriverQualificationView.as_view(),
        name="buergerbus-driver-qualifications",
    ),
    path(
        "gtfs/buergerbus/drivers/<int:pk>/erasure/",
        drivers.DriverErasureView.as_view(),
        name="buergerbus-driver-erasure",
    ),
    path("gtfs/buergerbus/roster/", drivers.RosterView.as_view(), name="buergerbus-roster"),
    path("gtfs/buergerbus/roster/warnings/", drivers.RosterWarningsView.as_view(), name="buergerbus-roster-warnings"),
    path("gtfs/buergerbus/stops/<int:pk>/", views.BBStopDetailView.as_view(), name="buergerbus-stop-detail"),
    path(
        "gtfs/buergerbus/booking-rules/", views.BBBookingRuleCreateView.as_view(), name="buergerbus-booking-rule-list"
    ),
    path("gtfs/buergerbus/lines/", views.BBLineCreateView.as_view(), name="buergerbus-line-list"),
    path("gtfs/buergerbus/lines/<int:pk>/", views.BBLineDetailView.as_view(), name="buergerbus-line-detail"),
    path("gtfs/buergerbus/trips/", views.BBTripCreateView.as_view(), name="buergerbus-trip-list"),
    path("gtfs/buergerbus/trips/<int:pk>/", views.BBTripDetailView.as_view(), name="buergerbus-trip-detail"),
    path(
        "gtfs/buergerbus/trips/<int:pk>/manifest/", views.BBTripManifestView.as_view(), name="buergerbus-trip-manifest"
    ),
    path("gtfs/buergerbus/bookings/", views.BookingListView.as_view(), name="buergerbus-booking-list"),
    path("gtfs/buergerbus/bookings/<int:pk>/", views.BookingDetailView.as_view(), name="buergerbus-booking-detail"),
    path(
        "gtfs/buergerbus/bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="buergerbus-booking-cancel"
    ),
    path("gtfs/buergerbus/assisted-bookings/", views.AssistedBookingView.as_view(), name="buergerbus-assisted-booking"),
]
