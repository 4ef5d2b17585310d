"""What a suspended account gives up in ride-sharing (see ``mobility.accounts.services.account_suspend``).

Its offers with rides still to come are cancelled (riders holding seats are told), its
seat-holding bookings not yet picked up cancelled (drivers are told) and its open requests
closed, so nobody waits for a person who can no longer sign in. Rides already under way or
over stay as they are (they may still be rated or reported).
"""

from __future__ import annotations

from django.utils import timezone

from .models import SEAT_HOLDING, OfferStatus, RequestStatus, RideBooking, RideOffer, RideRequest

SUSPENDED_REASON = "account suspended by the operator"


def withdraw_suspended_user(user, reason: str) -> dict[str, int]:
    from . import services
    from .privacy import _has_future_rides

    now = timezone.now()
    active = RideOffer.objects.filter(driver=user, status=OfferStatus.ACTIVE)
    offers = [offer.pk for offer in active if _has_future_rides(offer, now)]
    for offer_id in offers:
        services.offer_cancel(driver=user, offer_id=offer_id, reason=SUSPENDED_REASON)
    live = RideBooking.objects.filter(rider=user, status__in=SEAT_HOLDING, pickup_time__gt=now)
    bookings = list(live.values_list("pk", flat=True))
    for booking_id in bookings:
        services.booking_cancel(user=user, booking_id=booking_id, reason=SUSPENDED_REASON)
    requests = RideRequest.objects.filter(rider=user, status=RequestStatus.OPEN).update(status=RequestStatus.CANCELLED)
    return {"offers_cancelled": len(offers), "bookings_cancelled": len(bookings), "requests_closed": requests}
