"""The search's answer as people read it: German labels, local times, euros, what to book.

``journeys_search`` returns dataclasses (``journeys.one_search.Option``, its legs as plain
dictionaries); this module turns one option into what a results card and the detail page
show, and signs the booking data that the booking buttons send back (so a form cannot be
altered into another booking). It never goes through the JSON API's serializers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from journeys.one_search import Option
from mobility.l10n import format_money

BOOKING_SALT = "web.booking-offer"
BOOKING_MAX_AGE_S = 24 * 3600

MODE_LABELS = {
    "walk": gettext_lazy("Zu Fuß"),
    "bus": gettext_lazy("Bus"),
    "rail": gettext_lazy("Bahn"),
    "tram": gettext_lazy("Straßenbahn"),
    "carpool": gettext_lazy("Mitfahrgelegenheit"),
    "car": gettext_lazy("Carsharing-Auto"),
    "ondemand": gettext_lazy("Rufbus"),
}


def local(moment: str | datetime) -> datetime:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return timezone.localtime(value)


def euros(cents: int | None) -> str:
    """Money as people read it in the active language ("2,50 €" / "€2.50"); empty for none."""
    if cents is None:
        return ""
    return format_money(cents)


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def day_and_clock(moment: datetime) -> str:
    today = timezone.localdate()
    if moment.date() == today:
        day = _("heute")
    elif (moment.date() - today).days == 1:
        day = _("morgen")
    else:
        day = date_format(moment, "l, j. F")
    return _("%(day)s, %(time)s Uhr") % {"day": day, "time": clock(moment)}


def sign_booking(data: dict[str, Any]) -> str:
    return signing.dumps(data, salt=BOOKING_SALT, compress=True)


def unsign_booking(token: str) -> dict[str, Any] | None:
    try:
        return signing.loads(token, salt=BOOKING_SALT, max_age=BOOKING_MAX_AGE_S)
    except signing.BadSignature:
        return None


@dataclass
class LegView:
    mode: str
    label: str
    departure: datetime
    arrival: datetime
    origin: str
    destination: str
    detail: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class BookingStep:
    kind: str  # buergerbus | ride | carsharing | ondemand
    title: str
    explanation: str
    deadline: datetime | None = None
    possible: bool = True
    token: str = ""
    link: str = ""


@dataclass
class OptionView:
    index: int
    kind: str
    title: str
    departure: datetime
    arrival: datetime
    duration_min: int
    transfers: int
    walk_m: int
    price: str
    legs: list[LegView]
    steps: list[BookingStep]
    notes: list[str]
    geojson: str

    @property
    def day_label(self) -> str:
        """ "" for today, else "morgen" or the weekday and date."""
        today = timezone.localdate()
        day = self.departure.date()
        if day == today:
            return ""
        if (day - today).days == 1:
            return _("morgen")
        return date_format(self.departure, "l, j. F")

    @property
    def needs_booking(self) -> bool:
        return bool(self.steps)

    @property
    def facts(self) -> list[str]:
        hours, minutes = divmod(self.duration_min, 60)
        duration = (
            _("%(h)d Std. %(m)d Min.") % {"h": hours, "m": minutes} if hours else _("%(m)d Min.") % {"m": minutes}
        )
        facts = [duration]
        facts.append(
            _("ohne Umsteigen")
            if self.transfers == 0
            else ngettext("%(n)d-mal umsteigen", "%(n)d-mal umsteigen", self.transfers) % {"n": self.transfers}
        )
        if self.walk_m:
            facts.append(_("%(m)d m zu Fuß") % {"m": self.walk_m})
        return facts


def _place_name(place: dict[str, Any], fallback: str) -> str:
    return place.get("name") or fallback


def _leg_views(legs: list[dict[str, Any]], origin_name: str, destination_name: str) -> list[LegView]:
    """The legs worth reading; a walk without names of its own is named by its neighbours (from
    the place searched or where the leg before ends, to where the next leg starts or the place
    searched), so a walk to a carpool's meeting point never reads as the whole journey."""
    views = []
    for i, leg in enumerate(legs):
        # A walk of a few metres (from the chosen stop to itself) is no step worth reading.
        if leg["mode"] == "walk" and leg.get("distance_m", 0) < 20:
            continue
        start, end = origin_name, destination_name
        if leg["mode"] == "walk":
            if i > 0:
                start = _place_name(legs[i - 1].get("to") or {}, _("Treffpunkt"))
            if i < len(legs) - 1:
                end = _place_name(legs[i + 1].get("from") or {}, _("Treffpunkt"))
        views.append(_leg_view(leg, start, end))
    return views


def _leg_view(leg: dict[str, Any], origin_name: str, destination_name: str) -> LegView:
    mode = leg["mode"]
    label = str(MODE_LABELS.get(mode, mode))
    detail = ""
    if mode in {"bus", "rail", "tram"}:
        label = (_("Bürgerbus %(line)s") if leg.get("buergerbus") else _("Bus %(line)s")) % {"line": leg["line"]}
        if leg.get("headsign"):
            detail = _("Richtung %(headsign)s") % {"headsign": leg["headsign"]}
    elif mode == "walk":
        detail = _("%(m)d m") % {"m": leg.get("distance_m", 0)}
    elif mode == "carpool":
        detail = _("Genauer Treffpunkt und Kontakt nach der Zusage des Fahrers.")
    elif mode == "ondemand":
        detail = _("Abholung %(start)s–%(end)s Uhr, bis %(deadline)s buchen") % {
            "start": clock(local(leg["pickup_window_from"])),
            "end": clock(local(leg["pickup_window_to"])),
            "deadline": day_and_clock(local(leg["booking_deadline"])),
        }
    elif mode == "car":
        label = _("Carsharing: %(type)s") % {"type": leg.get("vehicle_type", "")}
        detail = _("Kennzeichen %(plate)s") % {"plate": leg.get("plate", "")}
    return LegView(
        mode=mode,
        label=label,
        departure=local(leg["departure"]),
        arrival=local(leg["arrival"]),
        origin=_place_name(leg.get("from") or {}, origin_name if mode == "walk" else _("Treffpunkt")),
        destination=_place_name(leg.get("to") or {}, destination_name if mode == "walk" else _("Treffpunkt")),
        detail=detail,
        raw=leg,
    )


def _title(option: Option) -> str:
    kind = option.kind
    if kind == "transit":
        vehicles = [leg for leg in option.legs if leg["mode"] != "walk"]
        if not vehicles:
            return _("Zu Fuß")
        if all(leg.get("buergerbus") for leg in vehicles):
            return _("Bürgerbus")
        if any(leg.get("buergerbus") for leg in vehicles):
            return _("Bus und Bürgerbus")
        return _("Bus")
    return {
        "ride": _("Mitfahrgelegenheit"),
        "ride+transit": _("Mitfahrgelegenheit und Bus"),
        "carsharing": _("Carsharing"),
        "ondemand": _("Rufbus"),
        "ondemand+transit": _("Rufbus und Bus"),
    }.get(kind, kind)


def _steps(option: Option, user, seats: int) -> tuple[list[BookingStep], list[str]]:
    steps: list[BookingStep] = []
    notes: list[str] = []
    signed_in = bool(user is not None and user.is_authenticated)
    legs = option.legs
    for leg in legs:
        if leg.get("buergerbus") and leg.get("booking_required"):
            deadline = local(leg["booking_deadline"]) if leg.get("booking_deadline") else None
            free = leg.get("free_seats", 0)
            possible = bool(leg.get("bookable"))
            if free < seats:
                notes.append(_("Dieser Bürgerbus ist ausgebucht."))
            elif not possible:
                notes.append(_("Die Anmeldefrist für diesen Bürgerbus ist vorbei."))
            steps.append(
                BookingStep(
                    kind="buergerbus",
                    title=_("Platz im Bürgerbus %(line)s buchen") % {"line": leg["line"]},
                    explanation=ngettext(
                        "Anmeldung nötig. Noch %(n)d Platz frei.", "Anmeldung nötig. Noch %(n)d Plätze frei.", free
                    )
                    % {"n": free},
                    deadline=deadline,
                    possible=possible,
                    token=sign_booking(
                        {
                            "trip": leg["trip"],
                            "date": leg["service_date"],
                            "from_stop": leg["from"]["stop"],
                            "to_stop": leg["to"]["stop"],
                            "seats": seats,
                            "from_name": leg["from"]["name"],
                            "to_name": leg["to"]["name"],
                            "departure": leg["departure"],
                            "line": leg["line"],
                        }
                    )
                    if possible
                    else "",
                )
            )
    if option.kind in {"ride", "ride+transit"}:
        request = next(step for step in option.book if step.action == "ride-request-list").body
        carpool = next(leg for leg in legs if leg["mode"] == "carpool")
        steps.insert(
            0,
            BookingStep(
                kind="ride",
                title=_("Mitfahrt anfragen"),
                explanation=_(
                    "Der Fahrer oder die Fahrerin sagt zu oder ab. Bis dahin sind Ihre Plätze reserviert; "
                    "Sie bekommen eine Nachricht."
                ),
                deadline=local(carpool["departure"]),
                possible=signed_in,
                token=sign_booking(
                    {
                        "offer": carpool["offer"],
                        "occurrence_date": carpool["occurrence_date"],
                        "request": request,
                        "departure": carpool["departure"],
                        "arrival": carpool["arrival"],
                        "price_cents": option.price_cents,
                    }
                ),
            ),
        )
    for leg in legs:
        if leg["mode"] != "ondemand":
            continue
        book = next(step for step in option.book if step.action == "ondemand-booking-list").body
        deadline = local(leg["booking_deadline"])
        steps.insert(
            0,
            BookingStep(
                kind="ondemand",
                title=_("Rufbus %(line)s buchen") % {"line": leg["line"]},
                explanation=_(
                    "Abholung %(start)s–%(end)s Uhr an Ihrer Haustür; die genaue Zeit steht in der Bestätigung."
                )
                % {"start": clock(local(leg["pickup_window_from"])), "end": clock(local(leg["pickup_window_to"]))},
                deadline=deadline,
                possible=signed_in and timezone.now() <= deadline,
                token=sign_booking(
                    {
                        **book,
                        "line": leg["line"],
                        "zone": leg["zone"],
                        "window_to": leg["pickup_window_to"],
                    }
                ),
            ),
        )
    if option.kind == "carsharing":
        car = next(leg for leg in legs if leg["mode"] == "car")
        member = signed_in and getattr(user, "is_member", False)
        start = local(car["rental"]["start"])
        end = local(car["rental"]["end"])
        steps.append(
            BookingStep(
                kind="carsharing",
                title=_("Auto reservieren"),
                explanation=_("%(station)s, %(start)s bis %(end)s Uhr")
                % {"station": car["station"]["name"], "start": day_and_clock(start), "end": clock(end)},
                possible=member,
                link=reverse("web:carsharing_vehicle", args=[car["vehicle"]])
                + "?"
                + urlencode(
                    {
                        "day": start.date().isoformat(),
                        "ab": start.date().isoformat(),
                        "start_time": start.strftime("%H:%M"),
                        "hours": max(1, round((end - start).total_seconds() / 3600)),
                    }
                ),
            )
        )
        if not member:
            notes.append(_("Für Carsharing brauchen Sie eine Mitgliedschaft."))
    if option.kind == "transit" and not any(leg["mode"] != "walk" for leg in legs):
        notes.append(_("Zu Fuß sind Sie schneller als mit jedem Bus."))
    return steps, notes


def _geojson(option: Option) -> str:
    features = []
    for leg in option.legs:
        start, end = leg.get("from") or {}, leg.get("to") or {}
        if start.get("lat") is None or end.get("lat") is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[start["lon"], start["lat"]], [end["lon"], end["lat"]]],
                },
                "properties": {"mode": leg["mode"], "from": start.get("name", ""), "to": end.get("name", "")},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def option_view(index: int, option: Option, *, user, seats: int, origin_name: str, destination_name: str) -> OptionView:
    steps, notes = _steps(option, user, seats)
    price = euros(option.price_cents)
    if option.kind == "transit" and option.price_cents is None:
        price = _("Fahrkarte nach Bustarif")
    return OptionView(
        index=index,
        kind=option.kind,
        title=_title(option),
        departure=local(option.departure),
        arrival=local(option.arrival),
        duration_min=option.duration_min,
        transfers=option.transfers,
        walk_m=round(option.walk_m),
        price=price,
        legs=_leg_views(option.legs, origin_name, destination_name),
        steps=steps,
        notes=notes,
        geojson=_geojson(option),
    )


def parse_day(text: str) -> date:
    return date.fromisoformat(text)
