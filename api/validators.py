"""Input validators shared by the API's serializers."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from rest_framework import serializers

# Dates the service can compute with: periods, service days and time zones around them stay
# inside Python's calendar (years 1..9999) with room to spare. Year 1 or 9999 is a typo or an
# attack, never a timetable or a report.
MIN_YEAR = 1900
MAX_YEAR = 2200


def validate_supported_date(value: date | datetime) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(
            _("Dates must lie between the years %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )


def validate_supported_month(value: str) -> None:
    """``YYYY-MM`` with a year the service can compute with."""
    year = int(value.split("-", 1)[0])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise serializers.ValidationError(
            _("The year must lie between %(min)s and %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
