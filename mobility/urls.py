from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from api import errors as api_errors
from api import health
from web.views import errors as web_errors

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include("api.urls")),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"), name="redoc"),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The web app for residents and members, at the root.
    path("", include("web.urls")),
]


# Error pages: the JSON error body for the API, German HTML pages for people.
def handler400(request, exception=None):
    if web_errors.wants_html(request):
        return web_errors.bad_request(request, exception)
    return api_errors.handler400(request, exception)


def handler403(request, exception=None):
    if web_errors.wants_html(request):
        return web_errors.permission_denied(request, exception)
    return api_errors.handler403(request, exception)


def handler404(request, exception=None):
    if web_errors.wants_html(request):
        return web_errors.page_not_found(request, exception)
    return api_errors.handler404(request, exception)


def handler500(request):
    if web_errors.wants_html(request):
        return web_errors.server_error(request)
    return api_errors.handler500(request)
