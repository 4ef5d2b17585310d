"""Accounts in export, erasure and retention."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.utils import timezone
from knox.models import get_token_model

from mobility.privacy.retention import RetentionRule

from .models import User


def export_personal_data(user: User) -> dict:
    tokens = get_token_model().objects.filter(user=user).order_by("created")
    return {
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "phone": user.phone,
            "language": user.language,
            "email_verified": user.email_verified,
            "roles": user.roles,
            "cost_centre": user.cost_centre.code if user.cost_centre else None,
            "declares_woman": user.declares_woman,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "suspensions": [
            {"action": a.action, "reason": a.reason, "created_at": a.created_at.isoformat()}
            for a in user.suspensions.order_by("created_at", "pk")
        ],
        "app_tokens": [
            {"created": t.created.isoformat(), "expiry": t.expiry.isoformat() if t.expiry else None} for t in tokens
        ],
    }


def _user_sessions(user: User) -> list[str]:
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            keys.append(session.session_key)
    return keys


def erase_personal_data(user: User) -> dict:
    """Replace the account's personal fields; the row stays so bookings keep a pseudonymous owner."""
    tokens = get_token_model().objects.filter(user=user).delete()[0]
    sessions = Session.objects.filter(session_key__in=_user_sessions(user)).delete()[0]
    content_type = ContentType.objects.get_for_model(User)
    admin_log = LogEntry.objects.filter(content_type=content_type, object_id=str(user.pk)).update(
        object_repr=f"erased user #{user.pk}", change_message=""
    )
    user.email = f"erased-{user.pk}@erased.invalid"
    user.display_name = ""
    user.phone = ""
    user.language = ""
    user.declares_woman = False
    user.suspensions.update(reason="account erased", summary={})
    user.set_unusable_password()
    user.email_verified = False
    user.is_active = False
    user.is_member = user.is_town_staff = user.is_operator = user.is_superuser = False
    user.cost_centre = None
    user.last_login = None
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return {"tokens_deleted": tokens, "sessions_deleted": sessions, "admin_log_masked": admin_log}


def _remove_unconfirmed_accounts(cutoff, dry_run: bool) -> int:
    stale = User.objects.filter(email_verified=False, is_active=True, last_login__isnull=True, date_joined__lt=cutoff)
    stale = stale.exclude(is_operator=True).exclude(is_town_staff=True).exclude(is_superuser=True)
    return stale.count() if dry_run else stale.delete()[1].get("accounts.User", 0)


RETENTION_RULES = [
    RetentionRule(
        "unconfirmed_accounts", "Accounts whose e-mail was never verified are removed", 7, _remove_unconfirmed_accounts
    ),
]
