"""Ride-sharing bookings and offers as people read them, with the API's privacy rules.

Before a booking is confirmed nobody but the rider sees the rider's exact pickup and drop-off,
and the rider sees neither the driver's contact nor where the ride starts or ends; the
other party gets the meeting point or a position rounded to the privacy grid, described by
the nearest named place. Once confirmed, both see the exact places and each other's contact.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from journeys.selectors import place_nearest
from rides import conf as ride_conf
from rides.domain.privacy import coarse_position
from rides.models import BookingStatus, RideBooking, RideOffer

STATUS_TEXT = {
    BookingStatus.REQUESTED: ("wait", gettext_lazy("wartet auf Zusage")),
    BookingStatus.CONFIRMED: ("ok", gettext_lazy("bestätigt")),
    BookingStatus.DECLINED: ("off", gettext_lazy("abgelehnt")),
    BookingStatus.CANCELLED: ("off", gettext_lazy("storniert")),
}


def status_text(status: str) -> tuple[str, str]:
    css, text = STATUS_TEXT.get(status, ("off", status))
    return css, str(text)


def _near(lat: float, lon: float) -> str:
    found = place_nearest(lat=lat, lon=lon)
    if found is None:
        return ""
    place, distance = found
    if distance < 75:
        return place.name
    return _("ca. %(m)d m von %(place)s") % {"m": round(distance / 50) * 50, "place": place.name}


def describe_place(lat: float, lon: float, meeting_point, *, exact: bool) -> str:
    """A meeting point by name; an exact position as "near X" with its coordinates; an
    unconfirmed one only to the privacy grid."""
    if meeting_point is not None:
        return _("Treffpunkt %(name)s") % {"name": meeting_point.name}
    if exact:
        return _near(lat, lon)
    c_lat, c_lon = coarse_position(lat, lon, ride_conf.privacy_grid_m())
    found = place_nearest(lat=c_lat, lon=c_lon)
    near = found[0].name if found else ""
    return _("in der Nähe von %(near)s (genauer Ort nach der Zusage)") % {"near": near}


@dataclass
class RideBookingView:
    booking: RideBooking
    role: str  # rider | driver
    pickup: str
    dropoff: str
    pickup_exact: str  # "lat, lon" once the place may be known exactly and is no meeting point
    other_name: str
    other_phone: str
    status_css: str
    status_label: str

    @property
    def detour(self) -> str:
        minutes = round(self.booking.added_s / 60)
        if minutes < 1:
            return _("weniger als 1 Minute")
        return ngettext("%(n)d Minute", "%(n)d Minuten", minutes) % {"n": minutes}

    @property
    def can_cancel(self) -> bool:
        return self.booking.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


def ride_booking_view(booking: RideBooking, *, user) -> RideBookingView:
    is_rider = booking.rider_id == user.pk
    confirmed = booking.status == BookingStatus.CONFIRMED
    exact = is_rider or confirmed
    other = booking.offer.driver if is_rider else booking.rider
    css, label = status_text(booking.status)
    return RideBookingView(
        booking=booking,
        role="rider" if is_rider else "driver",
        pickup=describe_place(booking.pickup_lat, booking.pickup_lon, booking.pickup_meeting_point, exact=exact),
        dropoff=describe_place(booking.dropoff_lat, booking.dropoff_lon, booking.dropoff_meeting_point, exact=exact),
        pickup_exact=f"{booking.pickup_lat:.5f}, {booking.pickup_lon:.5f}"
        if exact and booking.pickup_meeting_point is None
        else "",
        other_name=(other.display_name or _("(ohne Namen)")) if confirmed else "",
        other_phone=other.phone if confirmed else "",
        status_css=css,
        status_label=label,
    )


@dataclass
class OfferView:
    offer: RideOffer
    origin: str
    destination: str
    weekdays: list[str]

    @property
    def cost_share(self) -> str:
        from .journeys import euros

        return euros(self.offer.cost_share_cents) if self.offer.cost_share_cents else ""


WEEKDAY_NAMES = [
    gettext_lazy("Mo"),
    gettext_lazy("Di"),
    gettext_lazy("Mi"),
    gettext_lazy("Do"),
    gettext_lazy("Fr"),
    gettext_lazy("Sa"),
    gettext_lazy("So"),
]


def offer_view(offer: RideOffer) -> OfferView:
    """The driver's own offer: exact places (it is theirs)."""
    return OfferView(
        offer=offer,
        origin=describe_place(offer.origin_lat, offer.origin_lon, offer.origin_meeting_point, exact=True),
        destination=describe_place(
            offer.destination_lat, offer.destination_lon, offer.destination_meeting_point, exact=True
        ),
        weekdays=[str(name) for bit, name in enumerate(WEEKDAY_NAMES) if offer.recurrence_weekdays & (1 << bit)],
    )
