"""``Idempotency-Key`` support for POSTs that create bookings.

The first request with a key runs and its response is stored; a repeat with the same key
and the same body returns the stored response (header ``Idempotent-Replayed: true``) and
never books twice. The same key with a different body is refused (422), and a repeat that
arrives while the first is still running gets 409 with ``Retry-After``. Responses with a
server error are not stored, so the client may retry.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from mobility.core.models import IdempotencyRecord
from mobility.errors import Conflict, Unprocessable, ValidationFailed

IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description="A unique key per intended booking; a repeated key returns the first response.",
)


def _request_hash(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        body = repr(request.data)
    raw = f"{request.method}\n{request.path}\n{body}".encode()
    return hashlib.sha256(raw).hexdigest()


def idempotent(view_method):
    """Decorate an APIView's ``post`` so that an ``Idempotency-Key`` header is honoured."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            raise ValidationFailed("Idempotency-Key is longer than 255 characters.", code="idempotency_key_invalid")
        request_hash = _request_hash(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user, key=key, method=request.method, path=request.path, request_hash=request_hash
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=request.user, key=key)
            if existing.request_hash != request_hash:
                raise Unprocessable(
                    "This Idempotency-Key was used for a different request.", code="idempotency_key_reused"
                ) from None
            if existing.status_code is None:
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed.",
                    code="idempotency_request_in_progress",
                    headers={"Retry-After": "1"},
                ) from None
            response = Response(existing.response_body, status=existing.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = view_method(self, request, *args, **kwargs)
        except Exception:
            # A refused request stored nothing else either; let the client retry with the key.
            record.delete()
            raise
        if response.status_code >= 500:
            record.delete()
        else:
            record.status_code = response.status_code
            record.response_body = response.data
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper
