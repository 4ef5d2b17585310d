"""What a notification says: a title and a body per ``kind``, in the active language.

A notification is stored as its stable ``kind`` and a ``payload`` of ids and facts; the
words are made when it is read (the API list, the WebSocket push), so a resident reads them
in the language of the request or of the profile. English msgids, German translations in
``locale/de``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mobility.l10n import format_date, format_datetime

MEMBERSHIP_STATUS = {
    "approved": gettext_lazy("approved"),
    "rejected": gettext_lazy("rejected"),
    "pending": gettext_lazy("pending"),
}


def _when(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not value:
        return ""
    try:
        return format_datetime(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return ""


def _day(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    try:
        return format_date(date.fromisoformat(value)) if value else ""
    except (TypeError, ValueError):
        return ""


def _reason(payload: dict[str, Any]) -> str:
    reason = (payload.get("reason") or "").strip()
    return " " + _("Reason: %(reason)s") % {"reason": reason} if reason else ""


def notification_title_body(kind: str, payload: dict[str, Any] | None) -> tuple[str, str]:
    """The title and body of a notification in the active language (never empty)."""
    p = payload or {}
    seats = int(p.get("seats") or 1)
    if kind == "buergerbus_booking_confirmed":
        return _("Bürgerbus seat booked"), ngettext(
            "%(seats)d seat from %(from)s to %(to)s, departure %(when)s.",
            "%(seats)d seats from %(from)s to %(to)s, departure %(when)s.",
            seats,
        ) % {
            "seats": seats,
            "from": p.get("from_stop", ""),
            "to": p.get("to_stop", ""),
            "when": _when(p, "departure_at"),
        }
    if kind == "buergerbus_booking_cancelled":
        body = _("Your Bürgerbus booking from %(from)s to %(to)s, departure %(when)s, is cancelled.") % {
            "from": p.get("from_stop", ""),
            "to": p.get("to_stop", ""),
            "when": _when(p, "departure_at"),
        }
        if p.get("by_staff"):
            body += " " + _("The town hall cancelled it; please contact them if you have questions.")
        return _("Bürgerbus booking cancelled"), body
    if kind == "ride_booking_requested":
        return _("New request for your ride"), ngettext(
            "Someone asks for %(seats)d seat on %(day)s. Please accept or decline.",
            "Someone asks for %(seats)d seats on %(day)s. Please accept or decline.",
            seats,
        ) % {"seats": seats, "day": _day(p, "date")}
    if kind == "ride_booking_confirmed":
        return _("Ride confirmed"), _(
            "The driver has confirmed your ride. You now see the exact meeting place and the contact details."
        )
    if kind == "ride_booking_declined":
        return _("Ride request declined"), _("The driver cannot take you this time.") + _reason(p)
    if kind == "ride_booking_cancelled":
        return _("Ride cancelled"), _("A shared ride you were part of is cancelled.") + _reason(p)
    if kind == "ride_booking_lapsed":
        return _("Ride request lapsed"), _("A request for your ride was not answered in time and has lapsed.")
    if kind == "ride_offer_matches":
        return _("A ride fits your request"), _("A driver offers a ride on %(day)s that fits your ride request.") % {
            "day": _day(p, "date")
        }
    if kind == "ride_requests_waiting":
        count = int(p.get("requests") or 1)
        return _("Ride requests on your route"), ngettext(
            "%(count)d ride request fits your ride. Offer a seat?",
            "%(count)d ride requests fit your ride. Offer seats?",
            count,
        ) % {"count": count}
    if kind == "carsharing.membership_decided":
        status = p.get("status", "")
        if status == "approved":
            return _("Car-sharing membership approved"), _("You can now reserve the municipality's cars.")
        if status == "rejected":
            return _("Car-sharing membership not approved"), _(
                "Your application was not approved. The town hall tells you why on request."
            )
        return _("Car-sharing membership"), _("Your application has been decided: %(status)s.") % {
            "status": MEMBERSHIP_STATUS.get(status, status)
        }
    if kind == "carsharing.reservation_confirmed":
        return _("Car-sharing reservation confirmed"), _("Your car-sharing reservation is confirmed.")
    if kind == "carsharing.reservation_preempted":
        return _("Car-sharing reservation withdrawn"), _(
            "Your reservation of %(vehicle)s from %(when)s had to be released for an official trip. "
            "We are sorry; anything you paid for it is refunded in full."
        ) % {"vehicle": p.get("vehicle", ""), "when": _when(p, "start")}
    return _("New message"), _("You have a new message on the mobility platform.")
