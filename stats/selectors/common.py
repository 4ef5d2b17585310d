"""Period truncation shared by the per-app selectors."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Case, DateField, Value, When
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def period_expr(field: str, period: str, tz: ZoneInfo, first: date, *, is_date: bool = False):
    """SQL expression giving the local period start of ``field`` (``all``: a constant)."""
    if period == "all":
        return Value(first, output_field=DateField())
    if is_date:
        return TRUNC[period](field, output_field=DateField())
    return TRUNC[period](field, tzinfo=tz, output_field=DateField())


#: Up to this many periods, :func:`period_case` is used instead of a truncation.
CASE_MAX_PERIODS = 62


def period_case(field: str, periods) -> Case:
    """The period label of ``field`` (an aware datetime column) as a CASE over the periods'
    ``[start, end)`` bounds (:func:`stats.domain.periods.periods_between`): plain comparisons
    the database does itself, where SQLite's truncation with a time zone calls back into
    Python for every row (the operator's CSV export spent half its time there)."""
    return Case(
        *[When(**{f"{field}__gte": p.start, f"{field}__lt": p.end}, then=Value(p.label)) for p in periods],
        output_field=DateField(),
    )


def as_date(value) -> date:
    """Normalise what the backends return for a truncated period to a ``date``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value
