"""Book base-load blocks ahead as official reservations (idempotent)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from carsharing import services
from carsharing.models import BaseLoadBlock


class Command(BaseCommand):
    help = (
        "Materialise every base-load block for the coming weeks as confirmed official reservations. "
        "Days already done are skipped; hours members booked first stay theirs (only the free parts "
        "are booked). Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=None, help="How many weeks ahead (default: setting)")

    def handle(self, *args, **options):
        totals = {"days": 0, "reservations": 0, "days_partly_taken": 0}
        blocks = list(BaseLoadBlock.objects.values_list("pk", flat=True))
        for block_id in tqdm(blocks, desc="base-load blocks", unit="block", disable=options["verbosity"] < 1):
            result = services.base_load_materialise(weeks=options["weeks"], block_ids=[block_id])
            for key in totals:
                totals[key] += result[key]
        self.stdout.write(
            f"{totals['days']} days, {totals['reservations']} reservations, "
            f"{totals['days_partly_taken']} days partly taken by others"
        )
