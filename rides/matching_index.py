"""Per-process caches: loaded road graphs and the matcher's offer index.

The database is the source of truth. Every write that changes what can be matched bumps a
version token in the shared cache (Redis in production), and each worker process rebuilds
its index when its token is stale. Plans of offers whose bookings did not change are reused,
so a rebuild costs one pass over the active offers.
"""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mobility.errors import ServiceUnavailable

from . import conf
from .domain.matching import HeldSeats, OfferIndex, OfferPlan, plan_with_riders, simple_plan
from .domain.recurrence import occurrence_dates
from .domain.roadgraph import RoadGraph, RoadGraphError
from .models import SEAT_HOLDING, OfferStatus, RideBooking, RideOffer
from .models import RoadGraph as RoadGraphModel

VERSION_KEY = "rides:index-version"
_lock = threading.RLock()
_graphs: dict[tuple[int, str, str], RoadGraph] = {}
_indexes: dict[int, tuple[str, OfferIndex]] = {}
_plan_memo: dict[tuple, OfferPlan] = {}


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def load_graph(model: RoadGraphModel) -> RoadGraph:
    """The road graph of a ``RoadGraph`` row, memory-mapped once per process."""
    key = (model.pk, model.path, model.imported_at.isoformat() if model.imported_at else "")
    with _lock:
        graph = _graphs.get(key)
        if graph is None:
            try:
                graph = RoadGraph.load(model.path)
            except (RoadGraphError, OSError) as exc:
                raise ServiceUnavailable(
                    "The road graph %(name)s cannot be loaded; re-run osm_import.",
                    code="road_graph_unavailable",
                    params={"name": repr(model.name)},
                ) from exc
            for stale in [k for k in _graphs if k[0] == model.pk]:
                del _graphs[stale]
            _graphs[key] = graph
        return graph


def active_graph_model() -> RoadGraphModel:
    model = RoadGraphModel.objects.filter(active=True).order_by("-imported_at", "-id").first()
    if model is None:
        raise ServiceUnavailable("No road graph has been imported yet.", code="road_graph_missing")
    return model


def current_version() -> str:
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(VERSION_KEY)
    return str(token)


def bump_version() -> None:
    """Mark every worker's index stale: now (for reads in this transaction) and after commit.

    The second bump matters: a worker that rebuilt between the two saw the rows before the
    commit, and the new token makes it rebuild once more.
    """
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


def occurrence_departure(offer: RideOffer, day: date) -> datetime:
    """The departure of an offer on ``day``: the first departure's local time of day."""
    tz = local_tz()
    local = timezone.localtime(offer.departure, tz)
    return datetime.combine(day, time(local.hour, local.minute, local.second), tzinfo=tz)


def offer_occurrences(offer: RideOffer, start: date, end: date) -> list[date]:
    first = timezone.localtime(offer.departure, local_tz()).date()
    exceptions = [date.fromisoformat(d) for d in offer.recurrence_exceptions or []]
    return occurrence_dates(
        first,
        weekdays_mask=offer.recurrence_weekdays,
        until=offer.recurrence_until,
        exceptions=exceptions,
        start=start,
        end=end,
    )


def held_seats(bookings) -> list[HeldSeats]:
    return [
        HeldSeats(
            pickup_node=b.pickup_node,
            dropoff_node=b.dropoff_node,
            seats=b.seats,
            pickup_time_s=b.pickup_time.timestamp(),
            dropoff_time_s=b.dropoff_time.timestamp(),
        )
        for b in sorted(bookings, key=lambda b: (b.created_at, b.pk))
    ]


def occurrence_plan(graph: RoadGraph, offer: RideOffer, day: date, bookings) -> OfferPlan:
    """The plan of one ride: the driver's route with every seat-holding rider inserted."""
    base = simple_plan(
        (offer.pk, day.isoformat()),
        origin=offer.origin_node,
        destination=offer.destination_node,
        departure_s=occurrence_departure(offer, day).timestamp(),
        capacity=offer.seats,
        max_detour_s=offer.max_detour_minutes * 60.0,
        direct_s=offer.duration_s,
    )
    bookings = list(bookings)
    if not bookings:
        return base
    return plan_with_riders(graph, base, held_seats(bookings), conf.promise_tolerance_s())


def offer_index(model: RoadGraphModel) -> OfferIndex:
    """The index of all active rides on this graph from yesterday to the match horizon."""
    version = current_version()
    with _lock:
        cached = _indexes.get(model.pk)
        if cached is not None and cached[0] == version:
            return cached[1]
        graph = load_graph(model)
        today = timezone.localdate()
        start, end = today - timedelta(days=1), today + timedelta(days=conf.match_horizon_days())
        offers = list(
            RideOffer.objects.filter(graph=model, status=OfferStatus.ACTIVE, departure__date__lte=end)
            .filter(
                Q(recurrence_weekdays=0, departure__date__gte=start)
                | Q(recurrence_weekdays__gt=0, recurrence_until__gte=start)
            )
            .only(
                "id",
                "departure",
                "recurrence_weekdays",
                "recurrence_until",
                "recurrence_exceptions",
                "origin_node",
                "destination_node",
                "seats",
                "max_detour_minutes",
                "duration_s",
                "updated_at",
            )
        )
        bookings: dict[tuple[int, str], list[RideBooking]] = {}
        for booking in RideBooking.objects.filter(
            offer__in=[o.pk for o in offers], status__in=SEAT_HOLDING, occurrence_date__gte=start
        ):
            bookings.setdefault((booking.offer_id, booking.occurrence_date.isoformat()), []).append(booking)
        index = OfferIndex(graph)
        memo: dict[tuple, OfferPlan] = {}
        for offer in offers:
            for day in offer_occurrences(offer, start, end):
                held = bookings.get((offer.pk, day.isoformat()), [])
                signature = (
                    model.pk,
                    model.imported_at,
                    offer.pk,
                    day,
                    offer.updated_at,
                    tuple((b.pk, b.status, b.updated_at) for b in held),
                )
                plan = _plan_memo.get(signature) or occurrence_plan(graph, offer, day, held)
                memo[signature] = plan
                index.add(plan)
        _plan_memo.clear()
        _plan_memo.update(memo)
        _indexes[model.pk] = (version, index)
        return index


#: Counts ``reset`` calls, so other per-process caches of graph data can tell they are stale.
generation = 0


def reset() -> None:
    """Forget every cached graph and index (tests, and after an import)."""
    global generation
    with _lock:
        generation += 1
        _graphs.clear()
        _indexes.clear()
        _plan_memo.clear()
