from django.core.management.base import BaseCommand

from mobility.privacy.retention import run_retention


class Command(BaseCommand):
    help = (
        "Apply the retention rules: coarsen or delete personal data older than each category's "
        "retention period (PRIVACY_RETENTION). With --dry-run nothing changes; it shows what would."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be changed")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        verb = "would affect" if dry_run else "affected"
        for outcome in run_retention(dry_run=dry_run):
            self.stdout.write(
                f"{outcome.category:<28} {outcome.days:>5} days  {verb} {outcome.affected:>6}  {outcome.description}"
            )
