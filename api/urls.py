"""Everything under /api/v1/. Each app's endpoints live in api/<app>/urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from api.root import ApiRootView

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("api.accounts.urls")),
    path("", include("api.notifications.urls")),
    path("", include("api.privacy.urls")),
    path("", include("api.gtfs.urls")),
    path("", include("api.rides.urls")),
    path("", include("api.carsharing.urls")),
    path("", include("api.journeys.urls")),
    path("", include("api.stats.urls")),
    path("", include("api.opendata.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
