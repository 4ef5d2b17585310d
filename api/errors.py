"""One error body everywhere: ``{"error": {"code", "message", "fields"}}``.

``exception_handler`` covers DRF views (domain errors, DRF's own exceptions, Django's 404
and permission errors); ``handler404``/``handler500`` cover everything outside DRF.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, DataError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response

from mobility.errors import DomainError

logger = logging.getLogger(__name__)

# DRF exception class -> stable code; a subclass inherits its parent's code.
_DRF_CODES: list[tuple[type[Exception], str]] = [
    (drf_exceptions.ValidationError, "validation_error"),
    (drf_exceptions.ParseError, "malformed_request"),
    (drf_exceptions.NotAuthenticated, "not_authenticated"),
    (drf_exceptions.AuthenticationFailed, "authentication_failed"),
    (drf_exceptions.PermissionDenied, "permission_denied"),
    (drf_exceptions.NotFound, "not_found"),
    (drf_exceptions.MethodNotAllowed, "method_not_allowed"),
    (drf_exceptions.NotAcceptable, "not_acceptable"),
    (drf_exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (drf_exceptions.Throttled, "throttled"),
]


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """``message`` in the request's language: an English msgid is translated here (a message
    that is translated already, a domain error's or DRF's, stays as it is)."""
    return {"error": {"code": code, "message": gettext(str(message)) if message else "", "fields": fields or {}}}


def _flatten_detail(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(key): _flatten_detail(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten_detail(item) for item in detail]
    # A detail that is an English msgid (a serializer's gettext_noop) is translated here.
    return gettext(str(detail))


def _code_for(exc: Exception) -> str:
    for cls, code in _DRF_CODES:
        if isinstance(exc, cls):
            return code
    return "error"


def _unavailable_dependency(exc: Exception) -> str | None:
    """Which backing service an exception says is down (``"database"``, ``"redis"``), or None."""
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - the pool is a dependency
        PoolTimeout = ()  # noqa: N806
    if isinstance(exc, PoolTimeout | InterfaceError) or (
        isinstance(exc, OperationalError | DatabaseError)
        and not isinstance(exc, DataError)
        and _looks_like_connection_loss(exc)
    ):
        return "database"
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return "redis"
    from kombu.exceptions import OperationalError as KombuOperationalError

    if isinstance(exc, KombuOperationalError):
        return "redis"
    return None


def _looks_like_connection_loss(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(
        marker in text
        for marker in (
            "connection",
            "server closed",
            "terminating",
            "the database system is",
            "too many clients",
            "could not connect",
            "consuming input failed",
        )
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        response = Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
        for header, value in exc.headers.items():
            response[header] = value
        return response
    if isinstance(exc, OperationalError) and "locked" in str(exc).lower():
        # SQLite's write lock was not free within its timeout: a retry will usually succeed.
        response = Response(error_body("database_busy", "The service is busy; please retry in a moment."), status=503)
        response["Retry-After"] = "1"
        return response
    if isinstance(exc, OverflowError | DataError):
        # A value the database column or date arithmetic cannot hold (an id beyond 2^63, a
        # date at the end of the calendar): the request is at fault, not the service.
        logger.info("refused out-of-range input in %s: %s", context.get("view"), exc)
        return Response(error_body("value_out_of_range", "A value in the request is out of range."), status=400)
    unavailable = _unavailable_dependency(exc)
    if unavailable:
        logger.warning("%s unavailable in %s: %r", unavailable, context.get("view"), exc)
        response = Response(
            error_body("service_unavailable", "The service is temporarily unavailable; please retry shortly."),
            status=503,
        )
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if not isinstance(exc, drf_exceptions.APIException):
        logger.exception("unhandled error in %s", context.get("view"))
        return Response(
            error_body("internal_error", "An unexpected error occurred."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    code = _code_for(exc)
    if isinstance(exc, drf_exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = _flatten_detail(detail)
            non_field = fields.pop("non_field_errors", None)
            message = "; ".join(non_field) if non_field else _("The request is not valid.")
            if non_field:
                fields["non_field_errors"] = non_field
        else:
            fields = {}
            items = _flatten_detail(detail if isinstance(detail, list) else [detail])
            message = "; ".join(items) or _("The request is not valid.")
        body = error_body(code, message, fields)
    else:
        body = error_body(code, str(exc.detail))
    response = Response(body, status=exc.status_code)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        response["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait is not None:
        response["Retry-After"] = str(int(wait) + 1)
    return response


def handler404(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "No such resource."), status=404)


def handler500(request) -> JsonResponse:
    return JsonResponse(error_body("internal_error", "An unexpected error occurred."), status=500)


def handler403(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("permission_denied", "You may not do this."), status=403)


def handler400(request, exception=None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", "The request is not valid."), status=400)


def csrf_failure(request, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the JSON 403 under /api/, Django's page elsewhere (admin)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("csrf_failed", "The CSRF check failed; send the app token or the CSRF token."), status=403
        )
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason=reason)
