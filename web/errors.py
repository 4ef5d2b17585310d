"""Domain errors on web pages: the German message next to the field it concerns.

Services raise :class:`mobility.errors.DomainError` with a stable ``code``, the field(s) it
concerns and an English message for the API. The web app shows people a German sentence per
code (translated with gettext, so English can follow), attaches it to the form field the
error names, and the template renders it with ``aria-invalid`` / ``aria-describedby`` plus a
summary at the top of the page.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.errors import DomainError

MESSAGES = {
    # accounts
    "invalid_credentials": _("E-Mail-Adresse oder Passwort ist falsch."),
    "email_not_verified": _(
        "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse. Den Link dazu haben wir Ihnen per E-Mail geschickt."
    ),
    "email_taken": _("Mit dieser E-Mail-Adresse gibt es schon ein Konto. Bitte melden Sie sich an."),
    "weak_password": _("Das Passwort ist zu schwach: bitte mindestens 10 Zeichen, nicht nur Ziffern."),
    "token_invalid": _("Der Link ist ungültig oder abgelaufen. Bitte fordern Sie einen neuen an."),
    "token_expired": _("Der Link ist abgelaufen. Bitte fordern Sie einen neuen an."),
    # Bürgerbus
    "buergerbus_trip_full": _("Dieser Bürgerbus ist leider ausgebucht."),
    "buergerbus_booking_too_late": _("Die Anmeldefrist für diese Fahrt ist vorbei."),
    "buergerbus_trip_departed": _("Dieser Bürgerbus ist schon abgefahren."),
    "buergerbus_trip_not_running": _("Dieser Bürgerbus fährt an diesem Tag nicht."),
    "buergerbus_trip_not_found": _("Diese Bürgerbus-Fahrt gibt es nicht."),
    "buergerbus_stop_not_served": _("Der Bürgerbus hält hier nicht."),
    "buergerbus_stop_not_on_trip": _("Diese Haltestelle liegt nicht auf der Fahrt."),
    "buergerbus_wrong_direction": _("Die Einstiegshaltestelle muss vor der Ausstiegshaltestelle liegen."),
    "buergerbus_invalid_seats": _("Bitte wählen Sie eine gültige Zahl an Plätzen."),
    "buergerbus_passenger_required": _("Bitte geben Sie den Namen der mitfahrenden Person an."),
    "buergerbus_booking_not_found": _("Diese Buchung gibt es nicht."),
    "buergerbus_booking_departed": _("Die Fahrt hat schon begonnen; sie kann nicht mehr storniert werden."),
    "buergerbus_booking_already_cancelled": _("Diese Buchung ist bereits storniert."),
    # ride-sharing
    "offer_not_found": _("Diese Mitfahrgelegenheit gibt es nicht mehr."),
    "offer_not_active": _("Diese Mitfahrgelegenheit ist nicht mehr buchbar."),
    "own_offer": _("Sie können nicht bei Ihrer eigenen Fahrt mitfahren."),
    "already_booked": _("Sie haben für diese Fahrt schon angefragt."),
    "ride_departed": _("Die Fahrt ist schon losgefahren."),
    "departure_in_past": _("Die Abfahrtszeit liegt in der Vergangenheit."),
    "invalid_seats": _("Bitte wählen Sie zwischen 1 und 8 Plätzen."),
    "invalid_weekdays": _("Bitte wählen Sie die Wochentage aus der Liste."),
    "invalid_recurrence": _("Bitte prüfen Sie die Wochentage und das Enddatum."),
    "same_origin_destination": _("Start und Ziel sind gleich."),
    "outside_road_network": _("Dieser Ort liegt außerhalb unseres Gebiets."),
    "place_missing": _("Bitte wählen Sie einen Ort."),
    "invalid_coordinates": _("Dieser Ort ist ungültig."),
    "meeting_point_not_found": _("Diesen Treffpunkt gibt es nicht."),
    "stop_not_found": _("Diese Haltestelle gibt es nicht."),
    "reason_required": _("Bitte geben Sie einen Grund an."),
    "booking_not_found": _("Diese Buchung gibt es nicht."),
    "booking_not_pending": _("Über diese Anfrage wurde schon entschieden."),
    "booking_not_active": _("Diese Buchung ist nicht mehr aktiv."),
    "request_not_found": _("Diese Anfrage gibt es nicht."),
    "request_not_open": _("Diese Anfrage ist nicht mehr offen."),
    "not_a_party": _("Diese Buchung gehört nicht zu Ihnen."),
    "not_an_occurrence": _("An diesem Tag findet die Fahrt nicht statt."),
    "cost_share_above_cap": _(
        "Mitfahrende dürfen zusammen höchstens die Betriebskosten der Fahrt zahlen: %(cap)s (%(km)s km); "
        "das sind höchstens %(most)s pro Platz."
    ),
    "cost_cap_exceeded": _(
        "Mitfahrende dürfen zusammen höchstens die Betriebskosten der Fahrt zahlen (%(cap)s); "
        "mit Ihrer Buchung würde das überschritten."
    ),
    "bench_busy": _("Hier warten schon mehrere Menschen auf eine Mitfahrt. Bitte versuchen Sie es gleich noch einmal."),
    "bench_destination_invalid": _("Bitte wählen Sie ein Ziel."),
    # car-sharing
    "not_a_member": _("Carsharing ist nur für Mitglieder. Sie können die Mitgliedschaft beantragen."),
    "vehicle_unavailable": _("Das Fahrzeug ist in dieser Zeit schon reserviert."),
    "reservation_not_found": _("Diese Reservierung gibt es nicht."),
    # general
    "validation_error": _("Bitte prüfen Sie Ihre Eingaben."),
    "not_found": _("Das gibt es nicht (mehr)."),
    "conflict": _("Das geht gerade nicht; bitte versuchen Sie es noch einmal."),
}


def german_message(exc: DomainError) -> str:
    """The German sentence for ``exc``'s code; the service's own message when none is known."""
    if exc.code in MESSAGES and exc.params:
        return str(MESSAGES[exc.code]) % exc.params
    return str(MESSAGES.get(exc.code, exc.message))


def add_domain_error(form: forms.Form, exc: DomainError, *, field_map: dict[str, str] | None = None) -> None:
    """Attach ``exc`` to the form field(s) it concerns, or to the whole form.

    ``field_map`` translates the service's field names to the form's (``offer_id`` →
    ``offer``). A field the form does not have becomes a form-wide error, so nothing is lost.
    """
    message = german_message(exc)
    field_map = field_map or {}
    placed = False
    for name in exc.fields or {}:
        target = field_map.get(name, name)
        if target in form.fields:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, message)
