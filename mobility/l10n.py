"""Dates, times, numbers and money as people read them, in the active language.

Only for text that people read (e-mails, notification texts, charts, reports, export
headers); JSON fields keep their machine formats (ISO 8601 with offset, integer cents).

German follows DIN 5008 and Duden: ``Di., 1. Dez. 2026, 07:20``, ``1.234,50 €``, ``12,5 %``.
English: ``Tue 1 Dec 2026, 07:20``, ``€1,234.50``, ``12.5%``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone, translation

_DE_WEEKDAYS = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")
_DE_MONTHS = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.")
_DE_MONTHS_FULL = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EN_MONTHS_FULL = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _german(language: str | None = None) -> bool:
    return (language or translation.get_language() or "de").lower().startswith("de")


def format_date(value: date, language: str | None = None) -> str:
    """``Di., 1. Dez. 2026`` / ``Tue 1 Dec 2026``."""
    if _german(language):
        return f"{_DE_WEEKDAYS[value.weekday()]}, {value.day}. {_DE_MONTHS[value.month - 1]} {value.year}"
    return f"{_EN_WEEKDAYS[value.weekday()]} {value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def format_datetime(value: datetime, language: str | None = None) -> str:
    """Local time (``TIME_ZONE``): ``Di., 1. Dez. 2026, 07:20`` / ``Tue 1 Dec 2026, 07:20``."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{format_date(value.date(), language)}, {value:%H:%M}"


def format_month(value: date, language: str | None = None) -> str:
    """``November 2026`` in either language."""
    names = _DE_MONTHS_FULL if _german(language) else _EN_MONTHS_FULL
    return f"{names[value.month - 1]} {value.year}"


def format_month_short(value: date, language: str | None = None) -> str:
    """Axis labels: ``Nov. 26`` / ``Nov 26``."""
    names = _DE_MONTHS if _german(language) else _EN_MONTHS
    return f"{names[value.month - 1]} {value:%y}"


def format_number(value: float | int | Decimal, decimals: int = 0, language: str | None = None) -> str:
    """``1.234,5`` / ``1,234.5``; rounded half up (as people and spreadsheets expect)."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"  # 1,234.50
    if _german(language):
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_money(cents: int, currency: str = "EUR", language: str | None = None) -> str:
    """``1.234,50 €`` / ``€1,234.50`` from integer cents (no float on the way)."""
    amount = format_number(Decimal(cents) / 100, 2, language)
    symbol = "€" if currency.upper() == "EUR" else currency.upper()
    if _german(language):
        return f"{amount}\u00a0{symbol}"
    return f"{symbol}{amount}" if symbol == "€" else f"{symbol}\u00a0{amount}"


def format_percent(share: float, decimals: int = 0, language: str | None = None) -> str:
    """A share 0..1 as ``12,5 %`` (German, with a narrow no-break space) / ``12.5%``."""
    number = format_number(share * 100, decimals, language)
    return f"{number}\u202f%" if _german(language) else f"{number}%"
