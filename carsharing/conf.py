"""Car-sharing settings: Django settings, else the environment, else the default; read at call time."""

from __future__ import annotations

from django.conf import settings

from mobility.appsettings import app_setting

_DEFAULTS: dict[str, object] = {
    "CARSHARING_GRID_MINUTES": 15,  # starts and ends lie on this grid (minutes past the hour, UTC)
    "CARSHARING_MIN_MINUTES": 30,
    "CARSHARING_MAX_MINUTES": 7 * 24 * 60,
    "CARSHARING_MEMBER_HORIZON_DAYS": 30,  # members book at most this far ahead
    "CARSHARING_OFFICIAL_HORIZON_DAYS": 180,  # official trips may be booked further ahead
    "CARSHARING_BUFFER_MINUTES": 15,  # cleaning/charging gap after every reservation
    "CARSHARING_HOLD_MINUTES": 15,  # a held reservation expires unless confirmed within this
    "CARSHARING_NO_SHOW_GRACE_MINUTES": 30,  # no check-in this long after start: no-show
    "CARSHARING_FREE_CANCEL_HOURS": 24,  # cancelling earlier than this before start is free
    "CARSHARING_LATE_CANCEL_PERCENT": 50,  # fee in percent of the estimate when cancelling later
    "CARSHARING_LATE_RETURN_FEE_CENTS": 1000,  # flat fee for a late return (plus the extra time)
    "CARSHARING_RELEASE_NOTICE_HOURS": 24,  # base-load hours may be released at least this far ahead
    "CARSHARING_BASE_LOAD_WEEKS": 8,  # materialise base-load blocks this many weeks ahead
    "CARSHARING_CURRENCY": "eur",
    # The public GBFS feeds (carsharing/gbfs.py)
    "GBFS_SYSTEM_ID": "lindenau-carsharing",  # globally unique id of this car-sharing system
    "GBFS_LANGUAGE": "de",  # the language of every text in the feeds (IETF BCP 47)
    "GBFS_SYSTEM_NAME": "Carsharing Lindenau",
    "GBFS_OPERATOR_NAME": "Gemeinde Lindenau",
    "GBFS_OPENING_HOURS": "24/7",
    "GBFS_FEED_CONTACT_EMAIL": "",  # empty: DEFAULT_FROM_EMAIL
    "GBFS_SYSTEM_URL": "",  # empty: FRONTEND_URL, else the served address
    "GBFS_LICENSE_ID": "CC0-1.0",  # "-": no licence field
    "CARSHARING_LICENCE_RECHECK_MONTHS": 6,  # staff check the driving licence again after this (StVG § 21)
    "CARSHARING_LICENCE_REMINDER_DAYS": "30,7",  # members are reminded this many days before the re-check
    "CARSHARING_LICENCE_WORKLIST_DAYS": 30,  # the staff's list shows checks due within this many days
}


def get(name: str):
    """The setting ``name`` (one of the keys above): Django settings, the environment, the default."""
    return app_setting(name, _DEFAULTS[name])


def payments_enabled() -> bool:
    return bool(settings.PAYMENTS_ENABLED and settings.STRIPE_SECRET_KEY)


def payments_fallback() -> str:
    return settings.PAYMENTS_FALLBACK
