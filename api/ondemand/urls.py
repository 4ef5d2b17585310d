from django.urls import path

from . import views

urlpatterns = [
    path("ondemand/zones/", views.ZoneListView.as_view(), name="ondemand-zone-list"),
    path("ondemand/bookings/", views.BookingListView.as_view(), name="ondemand-booking-list"),
    path("ondemand/bookings/<int:pk>/", views.BookingDetailView.as_view(), name="ondemand-booking-detail"),
    path("ondemand/bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="ondemand-booking-cancel"),
    path("ondemand/runs/", views.RunListView.as_view(), name="ondemand-run-list"),
    path("ondemand/runs/<int:pk>/", views.RunDetailView.as_view(), name="ondemand-run-detail"),
]
