"""Serializer fields the API uses in many places, defined once."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def latitude(**kwargs: Any) -> serializers.FloatField:
    """A WGS84 latitude in degrees, -90 to 90."""
    return serializers.FloatField(min_value=-90, max_value=90, **kwargs)


def longitude(**kwargs: Any) -> serializers.FloatField:
    """A WGS84 longitude in degrees, -180 to 180."""
    return serializers.FloatField(min_value=-180, max_value=180, **kwargs)
