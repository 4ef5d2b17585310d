"""factory_boy factories for the shared core, the car-sharing, GTFS and ride-sharing models
(status strings are the models' enum values). Life cycles go through the services; factories
set up rows to look at."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from carsharing.models import (
    Membership,
    MembershipStatus,
    PaymentKind,
    PaymentRecord,
    PaymentStatus,
    Propulsion,
    Reservation,
    ReservationKind,
    ReservationStatus,
    Station,
    Tariff,
    Vehicle,
    VehicleType,
)
from gtfs.models import Feed, FeedKind, FeedVersion, GtfsImport, Stop
from mobility.accounts.models import CostCentre, User
from rides.models import MeetingPoint, MeetingPointKind, NoShowReport, PartyRole, ReportStatus

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class CostCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostCentre
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"KST-{n:04d}")
    name = factory.Sequence(lambda n: f"Cost centre {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    email_verified = True

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save()


# --- car-sharing ---------------------------------------------------------------------------------


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    name = factory.Sequence(lambda n: f"Station {n}")
    lat = 51.0
    lon = 12.0
    address = ""


class VehicleTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VehicleType
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Vehicle type {n}")
    seats = 4
    propulsion = Propulsion.ELECTRIC
    range_km = 250


class TariffFactory(factory.django.DjangoModelFactory):
    """The demo tariff: 4 €/h, at most 40 € a day, 20 ct/km after 50 km, 19 % VAT."""

    class Meta:
        model = Tariff

    vehicle_type = factory.SubFactory(VehicleTypeFactory)
    per_hour_cents = 400
    daily_cap_cents = 4000
    per_km_cents = 20
    included_km = 50


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    plate = factory.Sequence(lambda n: f"LD-F {n + 1}")
    vehicle_type = factory.SubFactory(VehicleTypeFactory)
    station = factory.SubFactory(StationFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    """An approved membership with a licence valid for three more years (``status=`` for others);
    the user is a member exactly when the membership is approved."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    licence_number = "B072RRE2I55"
    licence_expiry = factory.LazyFunction(lambda: date.today() + timedelta(days=3 * 365))
    status = MembershipStatus.APPROVED
    checked_at = factory.LazyFunction(timezone.now)
    decided_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def member_flag(self, create, extracted, **kwargs):
        approved = self.status == MembershipStatus.APPROVED
        if create and self.user.is_member != approved:
            self.user.is_member = approved
            self.user.save(update_fields=["is_member"])


class ReservationFactory(factory.django.DjangoModelFactory):
    """A row as a service would have stored it: ``blocked_until`` is the end plus the 15-minute
    buffer. For the life cycle use the services; this is for setting up a state to look at."""

    class Meta:
        model = Reservation

    vehicle = factory.SubFactory(VehicleFactory)
    user = factory.SubFactory(UserFactory)
    kind = ReservationKind.MEMBER
    status = ReservationStatus.CONFIRMED
    start = factory.LazyFunction(lambda: timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1))
    end = factory.LazyAttribute(lambda r: r.start + timedelta(hours=2))
    blocked_until = factory.LazyAttribute(lambda r: r.end + timedelta(minutes=15))


class PaymentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentRecord

    reservation = factory.SubFactory(ReservationFactory)
    kind = PaymentKind.AUTHORISE
    status = PaymentStatus.PENDING
    amount_cents = 800
    idempotency_key = factory.Sequence(lambda n: f"test-key-{n}")


# --- GTFS ------------------------------------------------------------------------------------------


class FeedFactory(factory.django.DjangoModelFactory):
    """A transit feed without a version (``kind=FeedKind.COMMUNITY_BUS`` for the Bürgerbus)."""

    class Meta:
        model = Feed

    name = factory.Sequence(lambda n: f"Feed {n}")
    kind = FeedKind.TRANSIT


class FeedVersionFactory(factory.django.DjangoModelFactory):
    """An empty timetable of a feed (not made the feed's active version)."""

    class Meta:
        model = FeedVersion

    feed = factory.SubFactory(FeedFactory)


class StopFactory(factory.django.DjangoModelFactory):
    """A stop of a version; without ``lat``/``lon`` it has no position (as GTFS allows)."""

    class Meta:
        model = Stop

    version = factory.SubFactory(FeedVersionFactory)
    stop_id = factory.Sequence(lambda n: f"stop-{n}")
    name = factory.Sequence(lambda n: f"Stop {n}")


class GtfsImportFactory(factory.django.DjangoModelFactory):
    """A finished import record (its file is gone, as after a real import)."""

    class Meta:
        model = GtfsImport

    feed_name = factory.Sequence(lambda n: f"Feed {n}")
    file_path = "/nonexistent"
    status = GtfsImport.Status.IMPORTED


# --- ride-sharing --------------------------------------------------------------------------------


class MeetingPointFactory(factory.django.DjangoModelFactory):
    """A Mitfahrbank (it gets its short code on save) near Herrenberg; ``kind=`` for others."""

    class Meta:
        model = MeetingPoint

    name = factory.Sequence(lambda n: f"Bank {n}")
    lat = 48.59
    lon = 8.86
    kind = MeetingPointKind.MITFAHRBANK


class NoShowReportFactory(factory.django.DjangoModelFactory):
    """The driver of ``booking`` (required) reports its rider as a no-show; the report is open."""

    class Meta:
        model = NoShowReport

    reporter_role = PartyRole.DRIVER
    reporter = factory.LazyAttribute(lambda r: r.booking.offer.driver)
    reported = factory.LazyAttribute(lambda r: r.booking.rider)
    status = ReportStatus.OPEN
