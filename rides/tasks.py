"""Background jobs: a new offer looks for riders who are already waiting."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from mobility.notifications.services import notify

from . import conf
from .domain.matching import match_requests_for_offer, waiting_request
from .matching_index import load_graph, occurrence_plan, offer_occurrences
from .models import SEAT_HOLDING, OfferStatus, RequestStatus, RideOffer, RideRequest
from .selectors import ride_query_for_request


@shared_task(name="rides.offer_match_waiting_requests")
def offer_match_waiting_requests(offer_id: int) -> int:
    """Notify riders whose open request fits the new offer, and the driver how many there are.

    Returns the number of requests notified.
    """
    offer = RideOffer.objects.select_related("graph", "driver").filter(pk=offer_id, status=OfferStatus.ACTIVE).first()
    if offer is None:
        return 0
    graph = load_graph(offer.graph)
    today = timezone.localdate()
    days = offer_occurrences(offer, today, today + timedelta(days=conf.match_horizon_days()))
    if not days:
        return 0
    requests = list(
        RideRequest.objects.filter(
            graph=offer.graph, status=RequestStatus.OPEN, latest_arrival__gt=timezone.now()
        ).exclude(rider_id=offer.driver_id)
    )
    if not requests:
        return 0
    by_key = {r.pk: r for r in requests}
    waiting = [waiting_request(graph, r.pk, ride_query_for_request(graph, r)) for r in requests]
    found: dict[int, tuple] = {}
    for day in days:
        held = offer.bookings.filter(occurrence_date=day, status__in=SEAT_HOLDING)
        plan = occurrence_plan(graph, offer, day, held)
        for match in match_requests_for_offer(graph, plan, waiting):
            found.setdefault(match.key, (day, match))
    for request_id, (day, match) in found.items():
        notify(
            by_key[request_id].rider,
            "ride_offer_matches",
            {"request": request_id, "offer": offer.pk, "date": day.isoformat(), "pickup_time": match.pickup_time_s},
        )
    if found:
        notify(offer.driver, "ride_requests_waiting", {"offer": offer.pk, "requests": len(found)})
    return len(found)


@shared_task(name="rides.expire_pending_bookings")
def expire_pending_bookings() -> int:
    """Periodic: unanswered seat requests lapse (see ``bookings_expire_pending``)."""
    from .services import bookings_expire_pending

    return bookings_expire_pending()


@shared_task(name="rides.complete_past_offers")
def complete_past_offers() -> int:
    """Periodic: offers whose last ride is over become completed (see ``offers_complete_past``)."""
    from .services import offers_complete_past

    return offers_complete_past()


@shared_task(name="rides.roadgraph_import")
def roadgraph_import_task(job_id: str, path: str, name: str, activate: bool = True) -> dict:
    """Import an OSM extract uploaded in the operator console (see ``rides.import_jobs``)."""
    from .import_jobs import roadgraph_import_job_run

    return roadgraph_import_job_run(job_id=job_id, path=path, name=name, activate=activate)
