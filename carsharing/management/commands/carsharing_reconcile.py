"""Catch up with Stripe: re-read open PaymentIntents, retry calls whose answer was lost."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from carsharing import services
from carsharing.models import PaymentKind, PaymentRecord, PaymentStatus


class Command(BaseCommand):
    help = (
        "Reconcile car-sharing payments with Stripe: every authorisation, capture, release or charge "
        "that is not final is re-read from Stripe (or retried with its original idempotency key). "
        "Safe to run at any time and repeatedly; catches webhook events that never arrived."
    )

    def handle(self, *args, **options):
        records = list(
            PaymentRecord.objects.filter(
                status__in=(PaymentStatus.PENDING, PaymentStatus.AUTHORISED),
                kind__in=(PaymentKind.AUTHORISE, PaymentKind.CAPTURE, PaymentKind.RELEASE, PaymentKind.CHARGE),
            ).order_by("pk")
        )
        progress = tqdm(records, desc="payments", unit="record", disable=options["verbosity"] < 1)
        result = services.payments_reconcile(records=progress)
        if options["verbosity"] >= 1:
            self.stdout.write(f"synced {result['synced']}, retried {result['retried']}")
