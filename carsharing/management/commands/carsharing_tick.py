"""Run the time-based reservation moves once (what the periodic task does every minute)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from carsharing import services


class Command(BaseCommand):
    help = (
        "Expire held reservations whose hold ran out and mark confirmed ones without check-in "
        "after the grace period as no-shows (members pay the estimate). --now replays a moment."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO 8601 time with offset to act as 'now' (default: the current time)")

    def handle(self, *args, **options):
        now = None
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None or now.tzinfo is None:
                raise CommandError("--now must be an ISO 8601 time with a UTC offset")
        result = services.reservations_tick(now=now)
        self.stdout.write(f"expired {result['expired']}, no-shows {result['no_show']}")
