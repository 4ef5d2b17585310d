"""Read side of the privacy records: the access log the operator reads."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from .models import ErasureRecord, PersonalDataAccess


def access_log(
    *,
    subject_ref: int | None = None,
    actor_id: int | None = None,
    actor_role: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[PersonalDataAccess]:
    """Who (staff, operator) viewed whose personal data, newest first, filtered; ``until`` is
    exclusive."""
    entries = PersonalDataAccess.objects.select_related("actor").order_by("-created_at", "-id")
    if subject_ref is not None:
        entries = entries.filter(subject_ref=subject_ref)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if actor_role:
        entries = entries.filter(actor_role=actor_role)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries


def erasure_of(*, subject_ref: int) -> ErasureRecord | None:
    return ErasureRecord.objects.filter(subject_ref=subject_ref).first()
