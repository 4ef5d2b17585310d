"""Car-sharing fixtures: a small fleet, an approved member, grid-aligned times, localstripe.

``localstripe`` starts the real localstripe server (PyPI) as a subprocess once per session
on a free port; ``stripe_on`` points the settings at it for one test.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from carsharing.domain.policy import ceil_to_grid
from tests.factories import MembershipFactory, StationFactory, TariffFactory, UserFactory, VehicleFactory


def aligned(hours_ahead: float = 24, *, now: datetime | None = None) -> datetime:
    """A 15-minute grid instant about ``hours_ahead`` hours after now."""
    base = ceil_to_grid(now or timezone.now(), 15)
    return base + timedelta(minutes=int(hours_ahead * 60) // 15 * 15)


@pytest.fixture
def fleet(db):
    station = StationFactory(name="Rathaus", lat=51.0, lon=12.0, address="Markt 1")
    far = StationFactory(name="Dorfplatz", lat=51.2, lon=12.3, address="Dorfstr. 3")
    ev = TariffFactory(vehicle_type__name="Kleinwagen E").vehicle_type
    cars = [
        VehicleFactory(plate="LD-E 1", vehicle_type=ev, station=station),
        VehicleFactory(plate="LD-E 2", vehicle_type=ev, station=station),
        VehicleFactory(plate="LD-E 3", vehicle_type=ev, station=far),
    ]
    return {"stations": [station, far], "type": ev, "vehicles": cars}


def make_member(email: str = "carla@example.org", *, expiry: date | None = None):
    user = UserFactory(email=email, display_name=email.split("@")[0], is_member=True)
    MembershipFactory(user=user, **({"licence_expiry": expiry} if expiry else {}))
    return user


@pytest.fixture
def carla(db):
    return make_member()


@pytest.fixture
def dora(db):
    return make_member("dora@example.org")


@pytest.fixture(scope="session")
def localstripe():
    """A real localstripe server for the whole session; yields its base URL."""
    pytest.importorskip("localstripe")
    from benchmarks._stack import free_port, start_localstripe, stop_process

    port = free_port()
    proc = start_localstripe(port)
    yield f"http://127.0.0.1:{port}"
    stop_process(proc)


WEBHOOK_SECRET = "whsec_test_carsharing"


@pytest.fixture
def stripe_on(settings, localstripe):
    settings.STRIPE_SECRET_KEY = "sk_test_carsharing"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.PAYMENTS_ENABLED = True
    return localstripe


def save_card(user, card: str = "pm_card_visa") -> None:
    """What Stripe.js does in the browser, then the app's save step: a confirmed SetupIntent."""
    import stripe
    from django.conf import settings

    from carsharing import services

    started = services.payment_setup_start(user=user)
    client = stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE})
    client.v1.setup_intents.confirm(started["setup_intent"], params={"payment_method": card})
    services.payment_method_save(user=user, setup_intent_id=started["setup_intent"])
