"""One error body everywhere, for DRF errors, domain errors, 404s and 500s."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from api.errors import exception_handler, handler404, handler500
from mobility.errors import Conflict


def _assert_error(body, code):
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


@pytest.mark.django_db
def test_unknown_api_url_is_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    _assert_error(response.json(), "not_found")


@pytest.mark.django_db
def test_unauthenticated_is_401_with_code(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    _assert_error(response.json(), "not_authenticated")


@pytest.mark.django_db
def test_malformed_json_is_400(client_for, alice):
    response = client_for(alice).generic("PATCH", "/api/v1/me/", "{not json", content_type="application/json")
    assert response.status_code == 400
    _assert_error(response.json(), "malformed_request")


@pytest.mark.django_db
def test_method_not_allowed(client_for, alice):
    response = client_for(alice).delete("/api/v1/me/")
    assert response.status_code == 405
    _assert_error(response.json(), "method_not_allowed")


@pytest.mark.django_db
def test_validation_error_lists_fields(api_client):
    response = api_client.post("/api/v1/auth/login/", {"email": "x"})
    assert response.status_code == 400
    body = response.json()
    _assert_error(body, "validation_error")
    assert set(body["error"]["fields"]) == {"email", "password"}


def test_domain_error_keeps_code_status_and_headers():
    view = APIView()
    response = exception_handler(
        Conflict("Taken.", code="vehicle_unavailable", fields={"start": ["busy"]}, headers={"Retry-After": "2"}),
        {"view": view},
    )
    assert response.status_code == 409
    assert response.data == {
        "error": {"code": "vehicle_unavailable", "message": "Taken.", "fields": {"start": ["busy"]}}
    }
    assert response["Retry-After"] == "2"


def test_unexpected_exception_in_view_is_500_with_body():
    class Boom(APIView):
        authentication_classes: list = []
        permission_classes: list = []

        def get(self, request):
            raise RuntimeError("secret internals")

    request = APIRequestFactory().get("/boom")
    response = Boom.as_view()(request)
    assert response.status_code == 500
    _assert_error(response.data, "internal_error")
    assert "secret" not in str(response.data)


def test_django_level_handlers_use_the_same_body():
    import json

    request = RequestFactory().get("/x")
    for handler, status, code in ((handler404, 404, "not_found"), (handler500, 500, "internal_error")):
        response = handler(request) if handler is handler500 else handler(request, None)
        assert response.status_code == status
        _assert_error(json.loads(response.content), code)


def test_sqlite_lock_timeout_is_503_with_retry_after():
    from django.db import OperationalError

    class Locked(APIView):
        authentication_classes: list = []
        permission_classes: list = []

        def post(self, request):
            raise OperationalError("database is locked")

    response = Locked.as_view()(APIRequestFactory().post("/locked"))
    assert response.status_code == 503
    _assert_error(response.data, "database_busy")
    assert response["Retry-After"] == "1"
