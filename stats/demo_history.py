"""A year of plausible history for the demo region, so that every report and chart has shapes.

Generated after the apps' own demo data (``stats.demo``), deterministically: a seeded random
generator and the calendar decide everything, so the same "today" gives the same rows.
Written straight into the tables with ``bulk_create`` (like an import of old records; no
notifications, no payments), by fictional residents ``einwohner-NN@demo.lindenau.example``
who cannot sign in, never by the demo accounts people try out.

* car-sharing: member reservations in fixed daily slots per car (so they never overlap),
  more at weekends and in summer, fewer in January; official trips (Dienstfahrten) on
  working-day mornings, mostly on the pool car; about 8 % cancelled and 3 % no-shows;
* ride-sharing: commuter offers on working days along the demo's own offers' routes, one
  or two riders each, some declined or cancelled; ride requests, of which some stay open.
  Each offer carries its running costs as a real offer does (route km × the per-km rate +
  tolls, ``rides.domain.costs``; PBefG § 1 Abs. 2 Nr. 1) and each booking its price, so no
  ride's riders pay more together than the cap;
* Bürgerbus: bookings on the community-bus trips on the days their service runs (the
  calendar is followed before its start as if it had always run), never beyond a trip's
  seats, more on market days;
* journey searches: between the villages and the district town, coarsened exactly as the
  planner logs them; evening and weekend searches to the outer villages find nothing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

HISTORY_DAYS = 365
RESIDENTS = 40
SEED = 20261201
DOMAIN = "historie.lindenau.example"  # not the demo accounts people sign in with
_OFFICIAL_PURPOSES = ("Ortstermin Bauamt", "Sitzung Kreisverwaltung", "Kontrolle Spielplätze", "Schulwegbegehung")


@dataclass
class HistorySummary:
    reservations: int = 0
    official_trips: int = 0
    ride_offers: int = 0
    ride_bookings: int = 0
    ride_requests: int = 0
    buergerbus_bookings: int = 0
    searches: int = 0


def _season(day: date) -> float:
    """1.0 on average; highest in July, lowest in January."""
    return 1.0 + 0.3 * math.sin((day.timetuple().tm_yday - 110) / 365.0 * 2 * math.pi)


def _residents():
    from mobility.accounts.models import User

    users = []
    for n in range(1, RESIDENTS + 1):
        user, created = User.objects.get_or_create(
            email=f"einwohner-{n:02d}@{DOMAIN}",
            defaults={"display_name": f"Einwohner {n:02d}", "email_verified": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users.append(user)
    return users


def _local(tz: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


# Reservation slots of a day (local time): start hour/minute and length in minutes. The gaps
# are longer than the 15-minute buffer, so no two reservations of a car ever overlap.
SLOTS = ((7, 0, 120), (9, 30, 150), (12, 30, 150), (15, 30, 150), (18, 30, 120))


def _carsharing(rng: random.Random, days: list[date], tz: ZoneInfo, residents, summary: HistorySummary) -> None:
    from carsharing import conf as carsharing_conf
    from carsharing.models import Reservation, Vehicle
    from mobility.accounts.models import User

    vehicles = list(Vehicle.objects.filter(in_service=True).select_related("vehicle_type").order_by("id"))
    if not vehicles:
        return
    staff = list(User.objects.filter(is_town_staff=True, cost_centre__isnull=False).order_by("id"))
    first, last = _local(tz, days[0], 0), _local(tz, days[-1], 23, 59)
    taken = {
        vehicle_id: [(s, b) for s, b in rows]
        for vehicle_id, rows in _windows(
            Reservation.objects.filter(start__lt=last + timedelta(days=1), blocked_until__gt=first)
        ).items()
    }
    buffer = timedelta(minutes=carsharing_conf.get("CARSHARING_BUFFER_MINUTES"))
    rows = []
    purposes = _OFFICIAL_PURPOSES
    for day in days:
        weekday = day.weekday()
        season = _season(day)
        for n, vehicle in enumerate(vehicles):
            for slot, (hour, minute, minutes) in enumerate(SLOTS):
                start = _local(tz, day, hour, minute)
                end = start + timedelta(minutes=minutes)
                # Official trips: the pool car (the fleet's first) on working-day mornings.
                official = bool(staff) and n == 0 and weekday < 5 and slot in (1, 2) and rng.random() < 0.75
                if not official:
                    weekend = weekday >= 5
                    base = (0.10, 0.16, 0.14, 0.22, 0.12)[slot] * (1.7 if weekend else 1.0)
                    if rng.random() >= base * season:
                        continue
                if any(s < end + buffer and start < b for s, b in taken.get(vehicle.pk, [])):
                    continue  # the apps' own demo reservations keep their place
                roll = rng.random()
                status = "settled" if roll < 0.89 else ("cancelled" if roll < 0.97 else "no_show")
                km = rng.randint(8, 25) + minutes // 10 if status == "settled" else None
                per_hour = 450 if n % 2 == 0 else 550
                estimate = per_hour * minutes // 60
                user = rng.choice(staff) if official else rng.choice(residents)
                rows.append(
                    Reservation(
                        vehicle=vehicle,
                        user=user,
                        kind="official" if official else "member",
                        status=status,
                        billing="cost_centre" if official else "invoice",
                        start=start,
                        end=end,
                        blocked_until=end + buffer,
                        cost_centre_id=user.cost_centre_id if official else None,
                        purpose=rng.choice(purposes) if official else "",
                        estimate_cents=estimate,
                        actual_cents=(
                            estimate + 29 * km
                            if status == "settled"
                            else (estimate // 2 if status == "cancelled" else estimate)
                        ),  # fmt: skip
                        checked_in_at=start if status == "settled" else None,
                        returned_at=end if status == "settled" else None,
                        odometer_start_km=1000 + len(rows) * 30 if km else None,
                        odometer_end_km=1000 + len(rows) * 30 + km if km else None,
                        cancelled_at=start - timedelta(hours=rng.randint(2, 48)) if status == "cancelled" else None,
                    )
                )
                summary.official_trips += bool(official)
    _no_small_counts(rows, tz)
    Reservation.objects.bulk_create(rows, batch_size=2000)
    summary.reservations = len(rows)


def _no_small_counts(rows, tz: ZoneInfo) -> None:
    """Cancellations and no-shows of a car in a month are 0 or at least 5, so the demo's monthly
    tables are not mostly suppressed (the report hides a month whose parts hold 1 to 4)."""
    groups: dict[tuple, list] = {}
    for row in rows:
        local = row.start.astimezone(tz)
        groups.setdefault((row.vehicle_id, local.year, local.month, row.status), []).append(row)
    for (vehicle_id, year, month, status), members in list(groups.items()):
        if status not in ("cancelled", "no_show") or len(members) >= 5:
            continue
        settled = groups.get((vehicle_id, year, month, "settled"), [])
        if len(members) >= 3 and len(settled) > 20:
            for row in [settled.pop() for _ in range(5 - len(members))]:
                row.status, row.actual_cents = status, row.estimate_cents // 2
                row.checked_in_at = row.returned_at = row.odometer_start_km = row.odometer_end_km = None
                row.cancelled_at = row.start - timedelta(hours=5) if status == "cancelled" else None
        else:
            for row in members:
                row.status, row.cancelled_at = "settled", None
                row.checked_in_at, row.returned_at = row.start, row.end
                row.odometer_start_km, row.odometer_end_km = 1000, 1020
                row.actual_cents = row.estimate_cents + 29 * 20


def _windows(queryset) -> dict[int, list[tuple[datetime, datetime]]]:
    out: dict[int, list[tuple[datetime, datetime]]] = {}
    for vehicle_id, start, blocked in queryset.values_list("vehicle_id", "start", "blocked_until"):
        out.setdefault(vehicle_id, []).append((start, blocked))
    return out


HISTORY_OFFER_SEATS = 3


def _offer_costs(template) -> tuple[int, int]:
    """The running costs (cap) of a ride along ``template``'s route and the share per seat to ask.

    Computed as ``rides.services.offer_create`` does for a real offer: the route's road-graph
    distance × ``RIDES_COST_RATE_CENTS_PER_KM`` + the tolls the driver stated (PBefG § 1 Abs. 2
    Nr. 1). The template's share is kept unless a full car of ``HISTORY_OFFER_SEATS`` would pay
    more than the cap (the service would refuse that offer); then the largest allowed share.
    """
    from rides import conf as rides_conf
    from rides.domain import costs

    cap = costs.running_cost_cents(
        distance_m=template.distance_m,
        rate_cents_per_km=rides_conf.cost_rate_cents_per_km(),
        tolls_cents=template.tolls_cents,
    )
    share = min(template.cost_share_cents, costs.max_share_per_seat_cents(cap_cents=cap, seats=HISTORY_OFFER_SEATS))
    return cap, share


def _rides(rng: random.Random, days: list[date], tz: ZoneInfo, residents, summary: HistorySummary) -> None:
    from rides.domain import costs
    from rides.models import RideBooking, RideOffer, RideRequest

    templates = list(RideOffer.objects.exclude(driver__email__startswith="einwohner-").order_by("id")[:2])
    if not templates:
        return
    offer_costs = {template.pk: _offer_costs(template) for template in templates}
    drivers, riders = residents[:12], residents[12:]
    offers = []
    for day in days:
        if day.weekday() >= 5:
            continue
        # Two neighbours drive each commuter route every working day, within the same hour
        # (so that the hour-of-week figures of a month are 0 or at least 5).
        for n, template in enumerate(templates):
            local = template.departure.astimezone(tz)
            cap, share = offer_costs[template.pk]
            for k in range(2):
                departure = _local(tz, day, local.hour, min(59, local.minute // 2 + 20 * k + rng.randrange(0, 10)))
                offers.append(
                    RideOffer(
                        driver=drivers[(day.toordinal() + 2 * n + k) % len(drivers)],
                        graph_id=template.graph_id,
                        origin_lat=template.origin_lat,
                        origin_lon=template.origin_lon,
                        origin_meeting_point_id=template.origin_meeting_point_id,
                        destination_lat=template.destination_lat,
                        destination_lon=template.destination_lon,
                        destination_meeting_point_id=template.destination_meeting_point_id,
                        origin_node=template.origin_node,
                        destination_node=template.destination_node,
                        departure=departure,
                        seats=HISTORY_OFFER_SEATS,
                        cost_share_cents=share,
                        tolls_cents=template.tolls_cents,
                        running_cost_cents=cap,
                        max_detour_minutes=template.max_detour_minutes,
                        recurrence_weekdays=0,
                        distance_m=template.distance_m,
                        duration_s=template.duration_s,
                        polyline=template.polyline,
                        status="completed",
                    )
                )
    RideOffer.objects.bulk_create(offers, batch_size=1000)
    bookings, requests = [], []
    for offer in offers:
        day = offer.departure.astimezone(tz).date()
        arrival = offer.departure + timedelta(seconds=offer.duration_s)
        for k in range(rng.choice((1, 1, 2, 2, 3))):
            roll = rng.random()
            status = "confirmed" if roll < 0.8 else ("declined" if roll < 0.9 else "cancelled")
            bookings.append(
                RideBooking(
                    offer=offer,
                    occurrence_date=day,
                    rider=riders[(offer.departure.toordinal() + k * 7 + len(bookings)) % len(riders)],
                    seats=1,
                    price_cents=costs.booking_price_cents(cost_share_cents=offer.cost_share_cents, seats=1),
                    pickup_lat=offer.origin_lat,
                    pickup_lon=offer.origin_lon,
                    pickup_node=offer.origin_node,
                    pickup_meeting_point_id=offer.origin_meeting_point_id,
                    dropoff_lat=offer.destination_lat,
                    dropoff_lon=offer.destination_lon,
                    dropoff_node=offer.destination_node,
                    dropoff_meeting_point_id=offer.destination_meeting_point_id,
                    pickup_time=offer.departure,
                    dropoff_time=arrival,
                    walk_m=0,
                    added_s=0,
                    status=status,
                    cancel_reason="Termin verschoben" if status == "cancelled" else "",
                )
            )
    for day in days:
        if day.weekday() >= 5:
            continue
        for hour in (7, 7, 16, 16, 19, 19):
            template = rng.choice(templates)
            earliest = _local(tz, day, hour, rng.choice((0, 15, 30, 45)))
            requests.append(
                RideRequest(
                    rider=rng.choice(riders),
                    graph_id=template.graph_id,
                    origin_lat=template.origin_lat,
                    origin_lon=template.origin_lon,
                    destination_lat=template.destination_lat,
                    destination_lon=template.destination_lon,
                    earliest_departure=earliest,
                    latest_arrival=earliest + timedelta(hours=2),
                    seats=1,
                    pickup_mode="meeting_point",
                    max_walk_m=500,
                    status="booked" if hour in (7, 16) else ("cancelled" if hour == 19 else "open"),
                )
            )
    RideBooking.objects.bulk_create(bookings, batch_size=2000)
    RideRequest.objects.bulk_create(requests, batch_size=2000)
    summary.ride_offers, summary.ride_bookings, summary.ride_requests = len(offers), len(bookings), len(requests)


WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _buergerbus(rng: random.Random, days: list[date], tz: ZoneInfo, residents, summary: HistorySummary) -> None:
    from gtfs.domain.times import gtfs_time_to_datetime
    from gtfs.models import BuergerbusBooking, FeedKind, StopTime, Trip
    from gtfs.selectors import active_version_ids

    trips = list(
        Trip.objects.filter(version_id__in=active_version_ids(kind=FeedKind.COMMUNITY_BUS))
        .select_related("service", "version")
        .order_by("id")
    )
    rows = []
    for trip in trips:
        stops = list(
            StopTime.objects.filter(trip=trip)
            .order_by("stop_sequence")
            .values_list("stop_id", "stop_sequence", "departure_time")
        )
        if len(stops) < 2:
            continue
        trip_tz = ZoneInfo(trip.version.timezone)
        for day in days:
            if not getattr(trip.service, WEEKDAY_FIELDS[day.weekday()]):
                continue
            market = day.weekday() == 2  # Wednesday: market day in Ahornstadt
            free = trip.capacity
            for _ in range(rng.choice((0, 1, 1, 2, 3) if not market else (2, 3, 4, 5))):
                seats = 1 if rng.random() < 0.8 else 2
                if seats > free:
                    break
                free -= seats
                board = rng.randrange(0, len(stops) - 1)
                alight = rng.randrange(board + 1, len(stops))
                when = stops[board][2] or 0
                rows.append(
                    BuergerbusBooking(
                        trip=trip,
                        service_date=day,
                        from_stop_id=stops[board][0],
                        to_stop_id=stops[alight][0],
                        from_sequence=stops[board][1],
                        to_sequence=stops[alight][1],
                        departure_at=gtfs_time_to_datetime(day, when, trip_tz),
                        seats=seats,
                        passenger=rng.choice(residents),
                        status="confirmed" if rng.random() < 0.92 else "cancelled",
                    )
                )
    BuergerbusBooking.objects.bulk_create(rows, batch_size=2000)
    summary.buergerbus_bookings = len(rows)


def _best_option(rng: random.Random, village: int, hour: int, weekend: bool) -> dict:
    """Minutes (waiting included) and transfers of the best option of a demo search: mostly a
    direct bus of 15-35 minutes; off-peak from the far villages (odd ``village``) often a long
    wait or a trip over Ahornstadt with three transfers (poor, see ``domain.unmet``)."""
    off_peak = hour in (6, 13, 19) or weekend
    if village % 2 == 1 and off_peak and rng.random() < 0.6:
        return {"best_minutes": rng.choice((75, 90, 120)), "best_transfers": rng.choice((0, 1, 3))}
    return {"best_minutes": rng.choice((15, 20, 25, 35)), "best_transfers": rng.choice((0, 0, 1))}


def _searches(rng: random.Random, days: list[date], tz: ZoneInfo, summary: HistorySummary) -> None:
    from mobility.demo.region import VILLAGES
    from stats.models import SearchLog
    from stats.services import search_log_entry

    centre, *outer = VILLAGES
    # The best option's figures come from a generator of their own, so the counts drawn above
    # stay what they were before these figures were logged.
    quality = random.Random(SEED + 1)
    entries = []
    for day in days:
        weekend = day.weekday() >= 5
        for n, village in enumerate(outer):
            for hour in (6, 7, 8, 11, 13, 16, 17, 19, 21):
                searches = rng.choice((0, 1, 1, 2, 2, 3)) + (2 if hour in (7, 16, 17) and not weekend else 0)
                unmet = hour >= 21 or (hour == 19 and n % 2 == 1) or (weekend and hour in (6, 7, 19))
                for k in range(searches):
                    inbound = k % 3 == 2
                    origin, dest = (centre, village) if inbound else (village, centre)
                    entries.append(
                        search_log_entry(
                            origin_lat=origin.lat,
                            origin_lon=origin.lon,
                            dest_lat=dest.lat,
                            dest_lon=dest.lon,
                            when=_local(tz, day, hour, rng.randrange(0, 60)),
                            results=0 if unmet else rng.choice((1, 2, 3, 4)),
                            modes=["bus", "buergerbus", "ride"],
                            **({} if unmet else _best_option(quality, n, hour, weekend)),
                        )
                    )
    SearchLog.objects.bulk_create(entries, batch_size=5000)
    summary.searches = len(entries)


@transaction.atomic
def history_generate(*, today: date, days: int = HISTORY_DAYS) -> HistorySummary:
    """Replace the fictional residents' history with ``days`` days ending yesterday."""
    from carsharing.models import Reservation
    from gtfs.models import BuergerbusBooking
    from rides.models import RideOffer, RideRequest
    from stats.models import SearchLog

    tz = ZoneInfo(settings.TIME_ZONE)
    rng = random.Random(SEED)
    residents = _residents()
    Reservation.objects.filter(user__in=residents).delete()
    Reservation.objects.filter(start__lt=_local(tz, today, 0), purpose__in=_OFFICIAL_PURPOSES).delete()
    BuergerbusBooking.objects.filter(passenger__in=residents).delete()
    RideOffer.objects.filter(driver__in=residents).delete()  # their bookings go with them
    RideRequest.objects.filter(rider__in=residents).delete()
    SearchLog.objects.all().delete()
    span = [today - timedelta(days=n) for n in range(days, 0, -1)]
    summary = HistorySummary()
    _carsharing(rng, span, tz, residents, summary)
    _rides(rng, span, tz, residents, summary)
    _buergerbus(rng, span, tz, residents, summary)
    _searches(rng, span, tz, summary)
    return summary
