"""The town-hall staff console: the start page and what its pages share (German sentences
for the services' error codes). The working pages live in the ``console_staff_*`` modules
beside this one; every view is wrapped in :func:`web.console.staff_required`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from mobility.errors import DomainError

from ..console import staff_required
from ..errors import add_domain_error, german_message
from .carsharing import MESSAGES as CARSHARING_MESSAGES

#: German sentences for the error codes the console's services raise (beyond web.errors').
MESSAGES = {
    "too_few_seats": _("In diesem Auto sind nicht genug Sitze für alle."),
    "invalid_passengers": _("Bitte geben Sie 1 bis 9 Personen an."),
    "cost_centre_required": _("Bitte wählen Sie eine Kostenstelle."),
    "cost_centre_not_found": _("Diese Kostenstelle gibt es nicht (mehr)."),
    "purpose_required": _("Bitte geben Sie den Zweck der Fahrt an."),
    "no_days": _("In diesem Zeitraum liegt keiner der gewählten Wochentage."),
    "not_staff": _("Dienstfahrten buchen nur Beschäftigte der Verwaltung."),
    "not_releasable": _("Nur bestätigte Dienstfahrten können freigegeben werden."),
    "outside_reservation": _("Die freigegebene Zeit muss innerhalb der Dienstfahrt liegen."),
    "release_too_short": _("Geben Sie mindestens die Pufferzeit frei."),
    "membership_not_found": _("Diesen Antrag gibt es nicht."),
    "membership_already_decided": _("Über diesen Antrag wurde schon entschieden."),
    "licence_expired": _("Der Führerschein ist abgelaufen."),
    "buergerbus_line_not_found": _("Diese Bürgerbus-Linie gibt es nicht."),
    "user_not_found": _("Diese Person gibt es nicht."),
}


def release_too_late_message(hours: int) -> str:
    return str(_("Freigeben geht nur mindestens %(hours)d Stunden vorher.") % {"hours": hours})


def console_message(exc: DomainError) -> str:
    """The German sentence for a service error on a console page."""
    if exc.code == "release_too_late":
        from carsharing import conf

        return release_too_late_message(conf.get("CARSHARING_RELEASE_NOTICE_HOURS"))
    if exc.code == "beyond_horizon":  # the console books official trips: their horizon
        from carsharing import conf

        days = conf.get("CARSHARING_OFFICIAL_HORIZON_DAYS")
        return str(_("So weit im Voraus kann noch nicht gebucht werden (höchstens %(days)d Tage).") % {"days": days})
    text = MESSAGES.get(exc.code) or CARSHARING_MESSAGES.get(exc.code)
    return str(text) if text else german_message(exc)


def add_console_error(form, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """The German message next to the field the error concerns (or on the whole form)."""
    localised = DomainError(console_message(exc), code=f"console:{exc.code}", fields=exc.fields)
    add_domain_error(form, localised, field_map=field_map)


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/console/staff/home.html", {})
