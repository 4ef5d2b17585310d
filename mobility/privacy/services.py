"""Export (Art. 15/20), erasure (Art. 17) and the access audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from mobility.accounts.models import User
from mobility.errors import NotFound

from .models import ErasureRecord, PersonalDataAccess
from .registry import privacy_modules


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user``, one section per app."""
    data: dict[str, Any] = {"generated_at": timezone.now().isoformat(), "user_id": user.pk}
    for label, module in privacy_modules():
        exporter = getattr(module, "export_personal_data", None)
        if exporter is not None:
            data[label] = exporter(user)
    return data


@transaction.atomic
def user_erase(*, user_id: int, requested_by_subject: bool = True) -> ErasureRecord:
    """Erase a person's account: every app erases or replaces its personal fields.

    Bookings and payments stay for statistics and bookkeeping, without the person. Runs in
    one transaction: either everything is erased or nothing is.
    """
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None or ErasureRecord.objects.filter(subject_ref=user_id).exists():
        raise NotFound("No such account.", code="user_not_found")
    summary: dict[str, Any] = {}
    # Notifications, then accounts, go last: the others still see the user's fields while
    # they erase, and notifications their services send on the way are deleted too.
    last = {"notifications": 1, "accounts": 2}
    modules = sorted(privacy_modules(), key=lambda item: last.get(item[0], 0))
    for label, module in modules:
        eraser = getattr(module, "erase_personal_data", None)
        if eraser is not None:
            summary[label] = eraser(user)
    return ErasureRecord.objects.create(subject_ref=user_id, requested_by_subject=requested_by_subject, summary=summary)


def personal_data_access_record_many(
    *, actor: User, subjects: list[User], what: str, reason: str, path: str = ""
) -> None:
    """Log that ``actor`` viewed several people's personal data at once (a list page): one
    entry per person shown, as if each had been opened."""
    role = "operator" if actor.is_operator else "staff" if actor.is_town_staff else "other"
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(
            actor=actor,
            actor_role=role,
            subject=subject,
            subject_ref=subject.pk,
            what=what[:100],
            reason=(reason or "not given")[:200],
            path=path[:300],
        )
        for subject in subjects
        if subject.pk != actor.pk
    )


#: ``subject_ref`` of an entry about a person without an account (e.g. a Bürgerbus driver), who
#: is then named in ``what`` by the record's own id.
NO_ACCOUNT_REF = 0


def personal_data_access_record(*, actor: User, subject: User | None, what: str, reason: str, path: str = "") -> None:
    """Log that ``actor`` (staff or operator) viewed or changed ``subject``'s personal data.

    ``subject`` None: a person without an account (``subject_ref`` ``NO_ACCOUNT_REF``).
    """
    if subject is not None and actor.pk == subject.pk:
        return
    role = "operator" if actor.is_operator else "staff" if actor.is_town_staff else "other"
    PersonalDataAccess.objects.create(
        actor=actor,
        actor_role=role,
        subject=subject,
        subject_ref=subject.pk if subject is not None else NO_ACCOUNT_REF,
        what=what[:100],
        reason=(reason or "not given")[:200],
        path=path[:300],
    )
