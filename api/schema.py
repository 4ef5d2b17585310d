"""OpenAPI helpers: the shared error body, so every documented error looks the same."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorBody = inline_serializer(
    name="ErrorBody",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "code": serializers.CharField(help_text="Stable machine-readable code"),
                "message": serializers.CharField(),
                "fields": serializers.DictField(help_text="Field name -> list of messages"),
            },
        )
    },
)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """``responses=`` entries for the given error statuses, all with the error body."""
    descriptions = {
        400: "Invalid input",
        401: "Not signed in",
        403: "Not allowed",
        404: "Not found",
        409: "Conflicts with the current state",
        422: "Cannot be processed",
        429: "Too many requests",
        503: "Temporarily unavailable",
    }
    return {code: OpenApiResponse(ErrorBody, description=descriptions.get(code, "Error")) for code in statuses}
