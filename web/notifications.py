"""Notification kinds as German sentences for the list and the live badge."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "buergerbus_booking_confirmed": _("Ihr Platz im Bürgerbus ist gebucht."),
    "buergerbus_booking_cancelled": _("Ihre Bürgerbus-Buchung wurde storniert."),
    "ride_booking_requested": _("Jemand möchte bei Ihrer Fahrt mitfahren. Bitte nehmen Sie an oder lehnen Sie ab."),
    "ride_booking_confirmed": _("Ihre Mitfahrt wurde bestätigt."),
    "ride_booking_declined": _("Ihre Mitfahrt-Anfrage wurde abgelehnt."),
    "ride_booking_cancelled": _("Eine Mitfahrt wurde storniert."),
    "ride_booking_lapsed": _("Eine Mitfahrt-Anfrage ist verfallen, weil sie nicht beantwortet wurde."),
    "ride_offer_matches": _("Es gibt eine passende Mitfahrgelegenheit für Ihre Suche."),
    "ride_requests_waiting": _("Für Ihre Fahrt gibt es passende Mitfahr-Wünsche."),
    "bench_request": _("Jemand wartet an einer Mitfahrbank auf Ihrer Strecke auf eine Mitfahrt."),
    "bench_request_taken": _("Die Person an der Mitfahrbank fährt schon mit jemand anderem mit."),
    "bench_request_cancelled": _("Die Person an der Mitfahrbank braucht keine Mitfahrt mehr."),
    "ride_rated": _("Sie haben eine neue Bewertung für eine Mitfahrt."),
    "account_suspended": _("Ihr Konto wurde gesperrt."),
    "account_reinstated": _("Ihr Konto ist wieder freigeschaltet."),
    "carsharing.membership_decided": _("Über Ihren Carsharing-Antrag wurde entschieden."),
    "carsharing.reservation_confirmed": _("Ihre Carsharing-Reservierung ist bestätigt."),
    "carsharing.reservation_preempted": _(
        "Ihre Carsharing-Reservierung musste leider für eine Dienstfahrt freigegeben werden."
    ),
}


def notification_text(kind: str) -> str:
    return str(TEXTS.get(kind, _("Neue Nachricht")))


def notification_texts_json() -> str:
    """Every kind's sentence in the current language, for the live badge's announcement."""
    return json.dumps(
        {kind: str(text) for kind, text in {**TEXTS, "": _("Neue Nachricht")}.items()}, ensure_ascii=False
    )


def notification_link(kind: str, payload: dict) -> str:
    """Where a notification leads: the driver's offer for requests, else Meine Fahrten."""
    from django.urls import reverse

    if kind in {"ride_booking_requested", "ride_requests_waiting", "ride_booking_lapsed"} and payload.get("offer"):
        return reverse("web:offer_detail", args=[payload["offer"]])
    if kind.startswith("carsharing.") and payload.get("reservation"):
        return reverse("web:carsharing_reservation", args=[payload["reservation"]])
    if kind.startswith(("buergerbus_", "ride_booking_")):
        return reverse("web:my_trips")
    return ""
