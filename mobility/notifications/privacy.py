from mobility.privacy.retention import RetentionRule

from .models import Notification


def export_personal_data(user) -> dict:
    return {
        "notifications": [
            {
                "kind": n.kind,
                "payload": n.payload,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
            }
            for n in Notification.objects.filter(user=user).order_by("created_at")
        ]
    }


def erase_personal_data(user) -> dict:
    return {"notifications_deleted": Notification.objects.filter(user=user).delete()[0]}


def _expire(cutoff, dry_run: bool) -> int:
    old = Notification.objects.filter(created_at__lt=cutoff)
    return old.count() if dry_run else old.delete()[0]


RETENTION_RULES = [RetentionRule("notifications", "Notifications are deleted", 180, _expire)]
