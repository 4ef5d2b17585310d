"""Recording staff and operator views of other people's personal data (the access audit log)."""

from __future__ import annotations

from collections.abc import Iterable

from mobility.privacy.services import personal_data_access_record


def audit_personal_data_views(request, subjects: Iterable, *, what: str, default_reason: str) -> None:
    """One audit entry per distinct person shown; the reason comes from ``?reason=`` if given."""
    reason = request.query_params.get("reason") or default_reason
    seen: set[int] = set()
    for subject in subjects:
        if subject is None or subject.pk in seen:
            continue
        seen.add(subject.pk)
        personal_data_access_record(actor=request.user, subject=subject, what=what, reason=reason, path=request.path)
