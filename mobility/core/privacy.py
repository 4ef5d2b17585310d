from mobility.privacy.retention import RetentionRule

from .models import IdempotencyRecord


def export_personal_data(user) -> dict:
    return {
        "idempotency_keys": [
            {"key": r.key, "method": r.method, "path": r.path, "created_at": r.created_at.isoformat()}
            for r in IdempotencyRecord.objects.filter(user=user).order_by("created_at")
        ]
    }


def erase_personal_data(user) -> dict:
    # Stored responses may repeat personal data (names, places): they go entirely.
    return {"idempotency_records_deleted": IdempotencyRecord.objects.filter(user=user).delete()[0]}


def _expire(cutoff, dry_run: bool) -> int:
    old = IdempotencyRecord.objects.filter(created_at__lt=cutoff)
    return old.count() if dry_run else old.delete()[0]


RETENTION_RULES = [
    RetentionRule("idempotency_records", "Stored responses to repeated requests are deleted", 2, _expire)
]
