"""Reads of the personal-data access log."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import PersonalDataAccess


def access_log(*, subject_ref: int | None = None) -> QuerySet[PersonalDataAccess]:
    """The access log (the model's order), or only the entries about the user ``subject_ref``."""
    queryset = PersonalDataAccess.objects.all()
    return queryset if subject_ref is None else queryset.filter(subject_ref=subject_ref)
