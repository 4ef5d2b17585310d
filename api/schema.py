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


def local_times_without_offset(result, generator, request, public):
    """Postprocessing hook: ``TimeField`` values here are local wall-clock times ("07:30:00",
    Europe/Berlin), never with an offset; OpenAPI's ``format: time`` (RFC 3339) would demand
    one. Say what is sent: a pattern instead of the format."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and node.get("format") == "time":
                del node["format"]
                node["pattern"] = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$"
                node.setdefault("description", "local time (HH:MM:SS), no offset")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(result.get("components", {}))
    walk(result.get("paths", {}))
    return result
