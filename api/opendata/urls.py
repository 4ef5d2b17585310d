from django.urls import path

from . import views

urlpatterns = [
    path("gbfs/gbfs.json", views.GbfsDiscoveryView.as_view(), name="gbfs-discovery"),
    path("gbfs/<slug:feed>.json", views.GbfsFeedView.as_view(), name="gbfs-feed"),
    path("rides/gtfs.zip", views.RidesGtfsView.as_view(), name="rides-gtfs"),
]
