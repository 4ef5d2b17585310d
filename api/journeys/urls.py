from django.urls import path

from . import views

urlpatterns = [
    path("journeys/", views.JourneySearchView.as_view(), name="journey-search"),
]
