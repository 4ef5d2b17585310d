"""The audit log's own part in export, erasure and retention."""

from __future__ import annotations

from .models import PersonalDataAccess
from .retention import RetentionRule


def export_personal_data(user) -> dict:
    accesses = PersonalDataAccess.objects.filter(subject=user).order_by("created_at")
    return {
        "accesses_to_my_data": [
            {"by_role": a.actor_role, "what": a.what, "reason": a.reason, "at": a.created_at.isoformat()}
            for a in accesses
        ]
    }


def erase_personal_data(user) -> dict:
    # The log stays (accountability) but no longer links to the account; the path may name it.
    masked = PersonalDataAccess.objects.filter(subject=user).update(subject=None, path="")
    return {"audit_entries_masked": masked}


def _expire_audit_log(cutoff, dry_run: bool) -> int:
    old = PersonalDataAccess.objects.filter(created_at__lt=cutoff)
    return old.count() if dry_run else old.delete()[0]


RETENTION_RULES = [
    RetentionRule("audit_log", "Access audit log entries are deleted", 730, _expire_audit_log),
]
