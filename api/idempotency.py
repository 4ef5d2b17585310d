"""``Idempotency-Key`` support for POSTs that create bookings.

The first request with a key runs and its response is stored; a repeat with the same key
and the same body returns the stored response (header ``Idempotent-Replayed: true``) and
never books twice. The same key with a different body is refused (422), and a repeat that
arrives while the first is still running gets 409 with ``Retry-After``. Responses with a
server error are not stored, so the client may retry.

The first request holds a lease of ``IDEMPOTENCY_LEASE_SECONDS``: if its worker crashed, a
retry after the lease is processed (once: concurrent retries race for the lease in one
UPDATE). The view and the stored response commit in one transaction, so a crash leaves
either both or neither.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
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
        now = timezone.now()
        lease = timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path,
                    request_hash=request_hash,
                    lease_until=now + lease,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=request.user, key=key)
            if existing.request_hash != request_hash:
                raise Unprocessable(
                    "This Idempotency-Key was used for a different request.", code="idempotency_key_reused"
                ) from None
            if existing.status_code is not None:
                response = Response(existing.response_body, status=existing.status_code)
                response["Idempotent-Replayed"] = "true"
                return response
            # Still in progress: take it over only if the first request's lease ran out (its
            # worker died); of several retries exactly one wins this UPDATE.
            # (Records from before leases existed count from their creation.)
            expired = Q(lease_until__lt=now) | Q(lease_until__isnull=True, created_at__lt=now - lease)
            taken = IdempotencyRecord.objects.filter(expired, pk=existing.pk, status_code__isnull=True).update(
                lease_until=now + lease
            )
            if not taken:
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed.",
                    code="idempotency_request_in_progress",
                    headers={"Retry-After": "1"},
                ) from None
            record = existing
        try:
            with transaction.atomic():
                response = view_method(self, request, *args, **kwargs)
                if response.status_code < 500:
                    record.status_code = response.status_code
                    record.response_body = response.data
                    record.lease_until = None
                    record.save(update_fields=["status_code", "response_body", "lease_until"])
        except Exception:
            # A refused request stored nothing else either; let the client retry with the key.
            record.delete()
            raise
        if response.status_code >= 500:
            record.delete()
        return response

    return wrapper
