from django.urls import path

from . import views

urlpatterns = [
    path("rides/meeting-points/", views.MeetingPointListView.as_view(), name="ride-meeting-point-list"),
    path("rides/offers/", views.OfferListCreateView.as_view(), name="ride-offer-list"),
    path("rides/offers/<int:pk>/", views.OfferDetailView.as_view(), name="ride-offer-detail"),
    path("rides/offers/<int:pk>/cancel/", views.OfferCancelView.as_view(), name="ride-offer-cancel"),
    path("rides/requests/", views.RequestListCreateView.as_view(), name="ride-request-list"),
    path("rides/requests/<int:pk>/", views.RequestDetailView.as_view(), name="ride-request-detail"),
    path("rides/requests/<int:pk>/matches/", views.RequestMatchesView.as_view(), name="ride-request-matches"),
    path("rides/requests/<int:pk>/cancel/", views.RequestCancelView.as_view(), name="ride-request-cancel"),
    path("rides/bookings/", views.BookingListCreateView.as_view(), name="ride-booking-list"),
    path("rides/bookings/<int:pk>/", views.BookingDetailView.as_view(), name="ride-booking-detail"),
    path("rides/bookings/<int:pk>/accept/", views.BookingAcceptView.as_view(), name="ride-booking-accept"),
    path("rides/bookings/<int:pk>/decline/", views.BookingDeclineView.as_view(), name="ride-booking-decline"),
    path("rides/bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="ride-booking-cancel"),
    path("rides/bookings/<int:pk>/rating/", views.BookingRatingView.as_view(), name="ride-booking-rating"),
    path("rides/bookings/<int:pk>/no-show/", views.BookingNoShowView.as_view(), name="ride-booking-no-show"),
    path("rides/users/<int:pk>/rating/", views.UserRatingView.as_view(), name="ride-user-rating"),
    path("rides/users/<int:pk>/trust/", views.UserTrustView.as_view(), name="ride-user-trust"),
    path(
        "rides/benches/<str:code>/requests/", views.BenchRequestCreateView.as_view(), name="ride-bench-request-create"
    ),
    path("rides/bench-requests/<str:token>/", views.BenchRequestStatusView.as_view(), name="ride-bench-request-status"),
    path(
        "rides/bench-requests/<int:pk>/accept/",
        views.BenchRequestAcceptView.as_view(),
        name="ride-bench-request-accept",
    ),
    path("rides/bench-opt-ins/", views.BenchOptInListCreateView.as_view(), name="ride-bench-opt-in-list"),
    path("rides/bench-opt-ins/<int:pk>/", views.BenchOptInDeleteView.as_view(), name="ride-bench-opt-in-delete"),
    path("rides/no-show-reports/", views.NoShowReportListView.as_view(), name="ride-no-show-report-list"),
    path(
        "rides/no-show-reports/<int:pk>/decide/",
        views.NoShowReportDecideView.as_view(),
        name="ride-no-show-report-decide",
    ),
]
