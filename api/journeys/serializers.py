"""``/api/v1/journeys/``: the query (one serializer for the parameters) and the fully typed answer.

The domain (``journeys.one_search``) returns dataclasses; this module turns them into JSON:
booking steps get their paths here (``reverse()``), and every leg is typed by its ``mode``.
"""

from __future__ import annotations

import copy
import functools
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from journeys import conf
from journeys.one_search import MODES, ROUTE_TYPES, BookingStep, Option, Point, SearchResult, Suggestion
from journeys.places import PlaceAmbiguous, resolve_place
from mobility.errors import ValidationFailed
from mobility.l10n import format_number
from mobility.timestamps import iso_local
from rides.models import PickupMode

# Timetables, offers and cars are planned a few months ahead; searches far off are mistakes.
SEARCH_RANGE = timedelta(days=366)

PLACE_HELP = (
    "lat,lon; stop:<id> (ids from /gtfs/stops/); meeting_point:<id>; a GTFS stop code or stop_id; "
    "or a stop, village or meeting-point name (ambiguous names answer 400 place_ambiguous with candidates)"
)


# --- The query ----------------------------------------------------------------------------------


class PlaceField(serializers.CharField):
    """``lat,lon``, ``stop:<id>``, ``meeting_point:<id>``, a GTFS stop code or stop_id, or a
    stop, village or meeting-point name (see ``journeys.places``)."""

    def to_internal_value(self, data) -> Point:
        text = super().to_internal_value(data)
        try:
            place = resolve_place(text)
        except PlaceAmbiguous as error:
            # Which parameter was ambiguous, and the places it could mean (each with its ref).
            raise PlaceAmbiguous(
                error.message, fields={self.field_name: [error.message], "candidates": error.fields["candidates"]}
            ) from None
        except ValidationFailed as error:
            raise serializers.ValidationError(error.message) from None
        return Point(place.lat, place.lon, place.name)


class JourneyQueryInput(serializers.Serializer):
    """The search parameters; the OpenAPI query parameters are generated from this serializer."""

    from_ = PlaceField(help_text="where from: " + PLACE_HELP)
    to = PlaceField(help_text="where to: " + PLACE_HELP)
    depart_at = serializers.DateTimeField(
        required=False, help_text="leave at or after (ISO 8601 with offset); default now"
    )
    arrive_by = serializers.DateTimeField(required=False, help_text="arrive at or before (ISO 8601 with offset)")
    max_walk_m = serializers.FloatField(
        required=False, min_value=0, help_text="longest walk to, from or between stops (metres)"
    )
    max_transfers = serializers.IntegerField(required=False, min_value=0, max_value=4, default=4)
    seats = serializers.IntegerField(
        required=False, min_value=1, max_value=8, default=1, help_text="seats needed (Bürgerbus, carpool)"
    )
    modes = serializers.CharField(
        required=False,
        default="transit,ride,carsharing,ondemand",
        help_text="comma-separated: transit, ride, carsharing, ondemand (the Rufbus)",
    )
    rental_hours = serializers.FloatField(
        required=False, min_value=0.25, max_value=72, default=2.0, help_text="car-sharing rental length"
    )
    pickup = serializers.ChoiceField(
        choices=["door", "meeting_point"], required=False, default="door", help_text="carpool pickup"
    )
    window_min = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=240,
        default=0,
        help_text="with depart_at: every good transit departure in this many minutes",
    )
    max_duration_min = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="longest transit journey shown, minutes (default JOURNEYS_MAX_DURATION_MIN); "
        "limits.longer_than_max_duration says how many were left out",
    )
    women_drivers_only = serializers.BooleanField(
        required=False,
        default=False,
        help_text="carpools only with drivers who declare themselves women; the ride request in `book` keeps it",
    )

    def get_fields(self):
        # Built for every search: DRF's default deep-copies every declared field each time,
        # which cost more than the planner's kernel. Shallow copies of one unbound prototype
        # are enough: a field keeps no per-request state besides what ``bind`` sets on the copy.
        return {name: copy.copy(field) for name, field in _query_fields(type(self)).items()}

    def validate(self, attrs):
        if "depart_at" in attrs and "arrive_by" in attrs:
            raise serializers.ValidationError(_("Bitte depart_at oder arrive_by angeben, nicht beides."))
        if attrs.get("window_min") and "arrive_by" in attrs:
            raise serializers.ValidationError({"window_min": [_("Nur zusammen mit depart_at.")]})
        if "arrive_by" not in attrs:
            attrs.setdefault("depart_at", timezone.now())  # leave now
        field = "depart_at" if "depart_at" in attrs else "arrive_by"
        if abs(attrs[field] - timezone.now()) > SEARCH_RANGE:
            raise serializers.ValidationError(
                {field: [_("Bitte innerhalb von %(days)d Tagen ab heute suchen.") % {"days": SEARCH_RANGE.days}]}
            )
        modes = {m.strip() for m in attrs["modes"].split(",") if m.strip()}
        unknown = modes - MODES
        if unknown or not modes:
            raise serializers.ValidationError(
                {"modes": [_("Bitte wählen aus: %(modes)s.") % {"modes": ", ".join(sorted(MODES))}]}
            )
        attrs["modes"] = frozenset(modes)
        limit = conf.JOURNEYS_MAX_WALK_LIMIT_M
        walk = attrs.get("max_walk_m", conf.JOURNEYS_MAX_WALK_M)
        if walk > limit:
            raise serializers.ValidationError(
                {"max_walk_m": [_("At most %(limit)s m.") % {"limit": format_number(limit)}]}
            )
        attrs["max_walk_m"] = walk
        longest = attrs.get("max_duration_min", conf.JOURNEYS_MAX_DURATION_MIN)
        if longest > conf.JOURNEYS_MAX_DURATION_LIMIT_MIN:
            raise serializers.ValidationError(
                {
                    "max_duration_min": [
                        _("Höchstens %(minutes)d Minuten.") % {"minutes": conf.JOURNEYS_MAX_DURATION_LIMIT_MIN}
                    ]
                }
            )
        attrs["max_duration_min"] = longest
        return attrs


@functools.cache
def _query_fields(cls: type[JourneyQueryInput]) -> dict[str, serializers.Field]:
    """The declared fields of the query serializer, once per process (``from_`` named ``from``)."""
    fields = copy.deepcopy(cls._declared_fields)
    fields["from"] = fields.pop("from_")
    return fields


# --- The answer: places, legs -------------------------------------------------------------------


@functools.cache
def shared(cls: type[serializers.Field]) -> serializers.Field:
    """One instance of an output serializer (or field) per process, to call ``to_representation``
    on: a new serializer per option and leg deep-copies its declared fields every time, which
    was most of the cost of rendering an answer. Output serializers keep no per-call state."""
    return cls()


class LocalDateTimeField(serializers.Field):
    """A timestamp in the API's convention (``mobility.timestamps``): local time with offset."""

    def to_representation(self, value) -> str:
        return iso_local(value) if not isinstance(value, str) else value


extend_schema_field({"type": "string", "format": "date-time"})(LocalDateTimeField)


class LegPlaceOutput(serializers.Serializer):
    name = serializers.CharField(help_text="empty for a position without a name (your own, or a rounded one)")
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    stop = serializers.IntegerField(allow_null=True, help_text="the stop's id (as in /gtfs/stops/) or null")
    meeting_point = serializers.IntegerField(allow_null=True, help_text="the meeting point's id or null")
    exact = serializers.BooleanField(help_text="false: a driver's place, rounded to the privacy grid")

    def to_representation(self, instance):
        return {
            "name": instance.get("name") or "",
            "lat": instance["lat"],
            "lon": instance["lon"],
            "stop": instance.get("stop"),
            "meeting_point": instance.get("meeting_point"),
            "exact": instance.get("exact", True),
        }


class _LegBase(serializers.Serializer):
    from_ = LegPlaceOutput()
    to = LegPlaceOutput()
    departure = LocalDateTimeField()
    arrival = LocalDateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class WalkLegOutput(_LegBase):
    mode = serializers.ChoiceField(choices=["walk"])
    distance_m = serializers.IntegerField(min_value=1)


class TransitLegOutput(_LegBase):
    mode = serializers.ChoiceField(choices=sorted(set(ROUTE_TYPES.values())))
    line = serializers.CharField()
    headsign = serializers.CharField(allow_blank=True)
    trip = serializers.IntegerField(help_text="/gtfs/trips/<id>/")
    service_date = serializers.DateField()
    buergerbus = serializers.BooleanField()
    booking_required = serializers.BooleanField(help_text="the trip runs only for booked seats")
    free_seats = serializers.IntegerField(allow_null=True, default=None, help_text="Bürgerbus only")
    booking_deadline = LocalDateTimeField(allow_null=True, default=None, help_text="Bürgerbus only")
    bookable = serializers.BooleanField(allow_null=True, default=None, help_text="Bürgerbus: a seat can be booked now")
    runs_anyway = serializers.BooleanField(
        allow_null=True, default=None, help_text="Bürgerbus: too late to book, but the trip runs (others booked it)"
    )
    booking_message = serializers.CharField(allow_null=True, allow_blank=True, default=None)
    booking_phone = serializers.CharField(allow_null=True, allow_blank=True, default=None)

    def to_representation(self, instance):
        return {
            **super().to_representation(instance),
            **{key: instance.get(key) for key in ("free_seats", "bookable", "runs_anyway", "booking_message")},
            "booking_deadline": instance.get("booking_deadline"),
            "booking_phone": instance.get("booking_phone"),
        }


class CarpoolLegOutput(_LegBase):
    mode = serializers.ChoiceField(choices=["carpool"])
    offer = serializers.IntegerField()
    occurrence_date = serializers.DateField()
    driver_detour_min = serializers.FloatField()
    cost_share_cents = serializers.IntegerField()
    confirmation = serializers.CharField()


class LegStationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()


class RentalOutput(serializers.Serializer):
    start = LocalDateTimeField()
    end = LocalDateTimeField()
    km_estimate = serializers.IntegerField()


class PriceOutput(serializers.Serializer):
    total_cents = serializers.IntegerField()
    vat_cents = serializers.IntegerField()
    vat_rate_bp = serializers.IntegerField(help_text="VAT rate in basis points (1900 = 19 %)")
    time_cents = serializers.IntegerField()
    distance_cents = serializers.IntegerField()


class CarLegOutput(_LegBase):
    mode = serializers.ChoiceField(choices=["car"])
    vehicle = serializers.IntegerField()
    plate = serializers.CharField()
    vehicle_type = serializers.CharField()
    station = LegStationOutput()
    rental = RentalOutput()
    price = PriceOutput()


class OnDemandLegOutput(_LegBase):
    mode = serializers.ChoiceField(choices=["ondemand"])
    zone = serializers.CharField()
    line = serializers.CharField(allow_blank=True)
    pickup_window_from = LocalDateTimeField(help_text="the promised pickup window")
    pickup_window_to = LocalDateTimeField()
    booking_deadline = LocalDateTimeField()
    booking_message = serializers.CharField(allow_blank=True)
    booking_phone = serializers.CharField(allow_blank=True)


LEG_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "walk": WalkLegOutput,
    "carpool": CarpoolLegOutput,
    "car": CarLegOutput,
    "ondemand": OnDemandLegOutput,
    **dict.fromkeys(sorted(set(ROUTE_TYPES.values())), TransitLegOutput),
}


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="JourneyLeg",
        serializers=dict(LEG_SERIALIZERS),
        resource_type_field_name="mode",
    )
)
class LegField(serializers.Field):
    """One leg, typed by its ``mode``: walk, a transit mode (bus, tram, …), carpool or car."""

    def to_representation(self, value: dict[str, Any]) -> dict[str, Any]:
        return shared(LEG_SERIALIZERS[value["mode"]]).to_representation(value)


# --- Booking steps ------------------------------------------------------------------------------


class BuergerbusSeatBody(serializers.Serializer):
    trip = serializers.IntegerField()
    date = serializers.DateField()
    from_stop = serializers.IntegerField()
    to_stop = serializers.IntegerField()
    seats = serializers.IntegerField()


class LatLonOutput(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()


class RideRequestBody(serializers.Serializer):
    origin = LatLonOutput()
    destination = LatLonOutput()
    earliest_departure = serializers.DateTimeField()
    latest_arrival = serializers.DateTimeField()
    seats = serializers.IntegerField()
    pickup_mode = serializers.ChoiceField(choices=PickupMode.choices)
    max_walk_m = serializers.IntegerField()


class RideBookingBody(serializers.Serializer):
    request = serializers.IntegerField(allow_null=True, help_text="null: the id step 1 answered")
    offer = serializers.IntegerField()
    occurrence_date = serializers.DateField()


class ReservationBody(serializers.Serializer):
    vehicle = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="BookingStepBody",
        serializers=[BuergerbusSeatBody, RideRequestBody, RideBookingBody, ReservationBody],
        resource_type_field_name=None,
    )
)
class BookingBodyField(serializers.Field):
    """The JSON body to POST: a Bürgerbus seat, a ride request, a ride booking or a reservation;
    null when the request has no body (a confirmation)."""

    def to_representation(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return value


# A pk no real object has, replaced by ``{id}`` in paths that take an earlier step's id.
_ID_PLACEHOLDER = 987654321


def booking_href(step: BookingStep) -> str:
    """The step's path; ``{id}`` stands for the id the step ``path_id_from_step`` answered."""
    if step.path_id_from_step is None:
        return reverse(step.action)
    return reverse(step.action, kwargs={"pk": _ID_PLACEHOLDER}).replace(str(_ID_PLACEHOLDER), "{id}")


class BookingStepOutput(serializers.Serializer):
    what = serializers.CharField()
    method = serializers.ChoiceField(choices=["POST"])
    href = serializers.CharField(help_text="the path; {id} is the id the step path_id_from_step answered")
    body = BookingBodyField(allow_null=True)
    path_id_from_step = serializers.IntegerField(allow_null=True, help_text="1-based step whose id goes into {id}")
    body_ids_from_steps = serializers.DictField(
        child=serializers.IntegerField(), help_text="body field -> 1-based step whose answered id it takes"
    )

    def to_representation(self, step: BookingStep) -> dict[str, Any]:
        return {
            "what": step.what,
            "method": step.method,
            "href": booking_href(step),
            "body": step.body,
            "path_id_from_step": step.path_id_from_step,
            "body_ids_from_steps": dict(step.body_ids_from_steps),
        }


# --- Options and the whole answer ---------------------------------------------------------------


class OptionOutput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["transit", "ride", "ride+transit", "carsharing", "ondemand", "ondemand+transit"]
    )
    departure = LocalDateTimeField()
    arrival = LocalDateTimeField()
    duration_min = serializers.IntegerField()
    transfers = serializers.IntegerField()
    walk_m = serializers.IntegerField()
    price_cents = serializers.IntegerField(allow_null=True)
    legs = serializers.ListField(child=LegField())
    book = BookingStepOutput(many=True)
    needs_booking = serializers.BooleanField()
    notes = serializers.ListField(child=serializers.CharField())
    score = serializers.FloatField(help_text="equivalent minutes, lower is better")

    def to_representation(self, option: Option) -> dict[str, Any]:
        return {
            "kind": option.kind,
            "departure": iso_local(option.departure),
            "arrival": iso_local(option.arrival),
            "duration_min": option.duration_min,
            "transfers": option.transfers,
            "walk_m": round(option.walk_m),
            "price_cents": option.price_cents,
            "legs": [shared(LegField).to_representation(leg) for leg in option.legs],
            "book": [shared(BookingStepOutput).to_representation(step) for step in option.book],
            "needs_booking": bool(option.book),
            "notes": [str(note) for note in option.notes],
            "score": round(option.score, 1),
        }


class SuggestionOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["later_transit", "earlier_transit", "sign_in", "post_ride_request"])
    message = serializers.CharField()
    option = OptionOutput(allow_null=True)
    book = BookingStepOutput(allow_null=True)

    def to_representation(self, suggestion: Suggestion) -> dict[str, Any]:
        return {
            "kind": suggestion.kind,
            "message": str(suggestion.message),
            "option": shared(OptionOutput).to_representation(suggestion.option)
            if suggestion.option is not None
            else None,
            "book": shared(BookingStepOutput).to_representation(suggestion.book)
            if suggestion.book is not None
            else None,
        }


class QueryPlaceOutput(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    name = serializers.CharField(allow_blank=True, help_text="the resolved place's name; empty for coordinates")


class QueryEchoOutput(serializers.Serializer):
    from_ = QueryPlaceOutput()
    to = QueryPlaceOutput()
    depart_at = LocalDateTimeField(allow_null=True, help_text="the search's start; a time in the past becomes now")
    arrive_by = LocalDateTimeField(allow_null=True)
    max_walk_m = serializers.FloatField()
    max_transfers = serializers.IntegerField()
    seats = serializers.IntegerField()
    modes = serializers.ListField(child=serializers.ChoiceField(choices=sorted(MODES)))
    window_min = serializers.IntegerField()
    max_duration_min = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class LimitsOutput(serializers.Serializer):
    max_duration_min = serializers.IntegerField()
    longer_than_max_duration = serializers.IntegerField(help_text="transit journeys left out as too long (0: none)")
    message = serializers.CharField(required=False, help_text="why something was left out (only then)")

    def to_representation(self, limits: dict[str, Any]) -> dict[str, Any]:
        out = {
            "max_duration_min": limits["max_duration_min"],
            "longer_than_max_duration": limits["longer_than_max_duration"],
        }
        if limits.get("message"):
            out["message"] = str(limits["message"])
        return out


class JourneySearchOutput(serializers.Serializer):
    query = QueryEchoOutput()
    nothing_found = serializers.BooleanField()
    limits = LimitsOutput()
    options = OptionOutput(many=True)
    suggestions = SuggestionOutput(many=True)

    def to_representation(self, result: SearchResult) -> dict[str, Any]:
        query = result.query
        return {
            "query": {
                "from": {"lat": query.origin.lat, "lon": query.origin.lon, "name": query.origin.name},
                "to": {"lat": query.destination.lat, "lon": query.destination.lon, "name": query.destination.name},
                "depart_at": iso_local(query.depart_at),
                "arrive_by": iso_local(query.arrive_by),
                "max_walk_m": query.max_walk_m,
                "max_transfers": query.max_transfers,
                "seats": query.seats,
                "modes": sorted(query.modes),
                "window_min": query.window_min,
                "max_duration_min": query.max_duration_min,
            },
            "nothing_found": result.nothing_found,
            "limits": shared(LimitsOutput).to_representation(result.limits),
            "options": [shared(OptionOutput).to_representation(option) for option in result.options],
            "suggestions": [shared(SuggestionOutput).to_representation(s) for s in result.suggestions],
        }
