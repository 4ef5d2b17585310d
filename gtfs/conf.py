"""Settings of the GTFS app, each overridable in ``mobility/settings.py`` or the environment."""

from __future__ import annotations

import os

from django.conf import settings

from mobility.appsettings import app_setting


def _int(name: str, default: int) -> int:
    return int(app_setting(name, default))


def _str(name: str, default: str) -> str:
    return str(app_setting(name, default))


# Hostile-upload guard (bytes / counts / ratio).
GTFS_MAX_UPLOAD_BYTES = _int("GTFS_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
GTFS_MAX_ENTRIES = _int("GTFS_MAX_ENTRIES", 100)
GTFS_MAX_UNCOMPRESSED_BYTES = _int("GTFS_MAX_UNCOMPRESSED_BYTES", 2 * 1024 * 1024 * 1024)
GTFS_MAX_COMPRESSION_RATIO = _int("GTFS_MAX_COMPRESSION_RATIO", 200)
# Where uploaded feeds wait for the background import.
GTFS_UPLOAD_DIR = _str("GTFS_UPLOAD_DIR", os.path.join(str(settings.MEDIA_ROOT), "gtfs-uploads"))
# Default time zone of the service area (used when a feed does not name one).
GTFS_DEFAULT_TIMEZONE = _str("GTFS_DEFAULT_TIMEZONE", "Europe/Berlin")
# Seats of a Bürgerbus vehicle when a trip does not say otherwise.
GTFS_BUERGERBUS_DEFAULT_CAPACITY = _int("GTFS_BUERGERBUS_DEFAULT_CAPACITY", 8)
# The community-bus feed published at /api/v1/gtfs/buergerbus/gtfs.zip (empty: the oldest one).
GTFS_BUERGERBUS_FEED = _str("GTFS_BUERGERBUS_FEED", "")
# Problems listed per problem code before the rest are only counted.
GTFS_MAX_PROBLEMS_PER_CODE = _int("GTFS_MAX_PROBLEMS_PER_CODE", 20)
# Feed versions kept per feed after an import (older ones without bookings are deleted).
GTFS_KEEP_VERSIONS = _int("GTFS_KEEP_VERSIONS", 3)


def driver_medical_age() -> int:
    """From this age a Bürgerbus driver needs a valid yearly medical check to drive."""
    return _int("GTFS_DRIVER_MEDICAL_AGE", 65)


def roster_warning_days() -> int:
    """How far ahead the staff's roster warnings look (days)."""
    return _int("GTFS_ROSTER_WARNING_DAYS", 60)
