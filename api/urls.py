"""Everything under /api/v1/. Each app's endpoints live in api/<app>/urls.py."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from api.errors import handler404
from api.root import ApiRootView


@csrf_exempt
def not_found(request, *args, **kwargs):
    return handler404(request)


urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("api.accounts.urls")),
    path("", include("api.notifications.urls")),
    path("", include("api.privacy.urls")),
    path("", include("api.gtfs.urls")),
    path("", include("api.rides.urls")),
    path("", include("api.carsharing.urls")),
    path("", include("api.journeys.urls")),
    path("", include("api.ondemand.urls")),
    path("", include("api.stats.urls")),
    path("", include("api.opendata.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Last: any other URL under /api/v1/ (a non-numeric or out-of-range id, a typo) is the
    # JSON 404, also with DEBUG on (Django would render its HTML debug page).
    re_path(r"^(?P<rest>.+)$", not_found, name="api-not-found"),
]
