"""The monthly report for the council: one PDF, German by default (matplotlib, no network).

A title page, then one page per topic, each with a chart over the twelve months up to the
report's month and two plain sentences on that month: car-sharing utilisation and the
official-trip share, Bürgerbus passengers per line, ride-sharing matches, and unmet demand as a
map of the statistics zones (searches that found nothing or only poor options, for the month).
Everything comes from the anonymised report tables, so a suppressed figure is said to be
hidden, never printed. ``manage.py stats_report --month 2026-11``, and
``GET /api/v1/stats/monthly-report/?month=2026-11`` for the operator and town-hall staff.
"""

from __future__ import annotations

import calendar
import io
import textwrap
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from mobility.l10n import format_date, format_month, format_number, format_percent  # noqa: E402

from . import conf  # noqa: E402
from .charts import area_name, buergerbus_figure, rides_figure, trend_figure  # noqa: E402
from .selectors.reports import Report, report_build, report_query  # noqa: E402
from .selectors.unmet_map import Backdrop, UnmetMap, map_backdrop, unmet_map, unmet_map_places  # noqa: E402
from .unmet_map_chart import map_bounds, unmet_map_figure  # noqa: E402

A4 = (11.69, 8.27)  # landscape: the charts are wide


def month_range(month: date) -> tuple[date, date]:
    return month.replace(day=1), month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _year_before(month: date) -> date:
    """The first day of the eleventh month before ``month`` (twelve months in all)."""
    index = month.year * 12 + month.month - 1 - 11
    return date(index // 12, index % 12 + 1, 1)


def _row(report: Report, month: date, column: str | None = None, value: str = "total"):
    table = report.table
    rows = table[table["period"] == month.isoformat()]
    if column:
        rows = rows[rows[column] == value]
    return rows.iloc[0] if len(rows) else None


def _value(row, name: str):
    if row is None:
        return None
    value = row[name]
    try:
        if value is None or value != value:
            return None
    except TypeError:
        return None
    return float(value)


def _hidden_sentence(month: date) -> str:
    k = int(conf.get("STATS_MIN_CELL"))
    return _("For %(month)s these figures are hidden: fewer than %(k)s trips – hidden for privacy reasons.") % {
        "month": format_month(month),
        "k": k,
    }


def carsharing_sentences(report: Report, month: date) -> list[str]:
    row = _row(report, month)
    utilisation, share = _value(row, "utilisation"), _value(row, "official_share")
    member, official = _value(row, "member_trips"), _value(row, "official_trips")
    if None in (utilisation, share, member, official):
        return [_hidden_sentence(month)]
    previous = _row(report, _previous_month(month))
    before = _value(previous, "utilisation")
    first = _("In %(month)s the municipality's cars were booked %(share)s of the time (%(trips)s trips).") % {
        "month": format_month(month),
        "share": format_percent(utilisation, 1),
        "trips": format_number(int(member + official)),
    }
    if before is not None:
        first += " " + _("In the month before it was %(share)s.") % {"share": format_percent(before, 1)}
    second = _(
        "Official trips of the town hall took %(share)s of the booked hours (%(official)s official trips, "
        "%(member)s trips by members)."
    ) % {
        "share": format_percent(share, 1),
        "official": format_number(int(official)),
        "member": format_number(int(member)),
    }
    return [first, second]


def _previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def buergerbus_sentences(report: Report, month: date) -> list[str]:
    total = _row(report, month, "line", "total")
    seats, bookings = _value(total, "seats"), _value(total, "bookings")
    if seats is None or bookings is None:
        return [_hidden_sentence(month)]
    table = report.table
    lines = table[(table["period"] == month.isoformat()) & (table["line"] != "total")]
    published = [(str(r["line"]), _value(r, "seats")) for _i, r in lines.iterrows() if _value(r, "seats") is not None]
    first = _("In %(month)s the Bürgerbus carried %(seats)s passengers on %(bookings)s bookings.") % {
        "month": format_month(month),
        "seats": format_number(int(seats)),
        "bookings": format_number(int(bookings)),
    }
    if published:
        line, most = max(published, key=lambda item: item[1])
        second = _("Most of them travelled on line %(line)s (%(seats)s passengers).") % {
            "line": line,
            "seats": format_number(int(most)),
        }
    else:
        second = _("The figures per line are hidden for privacy reasons.")
    return [first, second]


def rides_sentences(report: Report, month: date) -> list[str]:
    row = _row(report, month)
    matches, requests, km = _value(row, "matches"), _value(row, "requests"), _value(row, "shared_km")
    if None in (matches, requests):
        return [_hidden_sentence(month)]
    first = _("In %(month)s neighbours shared %(matches)s rides; %(requests)s ride requests were posted.") % {
        "month": format_month(month),
        "matches": format_number(int(matches)),
        "requests": format_number(int(requests)),
    }
    second = (
        _("The cars drove %(km)s km with company instead of alone.") % {"km": format_number(km or 0)}
        if km is not None
        else _("The kilometres driven together are hidden for privacy reasons.")
    )
    return [first, second]


def unmet_map_sentences(data: UnmetMap, places: list[str | None], month: date) -> list[str]:
    """Two sentences on the month's unmet-demand map (searches with nothing or only poor options)."""
    if data.unmet is None or data.searches is None:
        return [_hidden_sentence(month)]
    share = data.unmet / data.searches if data.searches else 0.0
    first = _(
        "In %(month)s %(unmet)s of %(searches)s searches for a connection found nothing "
        "or only poor options; that is %(share)s."
    ) % {
        "month": format_month(month),
        "unmet": format_number(data.unmet),
        "searches": format_number(data.searches),
        "share": format_percent(share, 1),
    }
    published = [(z.unmet, place or z.zone.code) for z, place in zip(data.zones, places, strict=True) if z.unmet]
    if published:
        most, where = max(published, key=lambda item: (item[0], item[1]))
        second = _(
            "Most of them started near %(place)s (%(n)s searches); the map shows where the buses, the "
            "Bürgerbus and the carpools did not serve people well."
        ) % {"place": where, "n": format_number(most)}
    else:
        second = _("The figures per zone are hidden for privacy reasons.")
    return [first, second]


SECTIONS = (
    ("carsharing", "none", trend_figure, carsharing_sentences),
    ("buergerbus", "line", buergerbus_figure, buergerbus_sentences),
    ("rides", "none", rides_figure, rides_sentences),
)


def _headings() -> dict[str, str]:
    return {
        "carsharing": _("Car-sharing: utilisation and official trips"),
        "buergerbus": _("Bürgerbus: passengers per line"),
        "rides": _("Ride-sharing: matches"),
        "searches": _("Unmet demand"),
    }


def _text_page(pdf: PdfPages, month: date, now: date) -> None:
    fig = plt.figure(figsize=A4)
    fig.text(0.08, 0.90, _("Mobility report"), fontsize=26, weight="bold")
    fig.text(0.08, 0.86, f"{area_name()} – {format_month(month)}", fontsize=16)
    fig.text(0.08, 0.83, _("Prepared on %(date)s for the municipal council.") % {"date": format_date(now)}, fontsize=10)
    y = 0.76
    fig.text(0.08, y, _("Contents"), fontsize=13, weight="bold")
    for n, heading in enumerate(_headings().values(), start=2):
        y -= 0.04
        fig.text(0.10, y, _("Page %(page)s: %(heading)s") % {"page": n, "heading": heading}, fontsize=11)
    k = int(conf.get("STATS_MIN_CELL"))
    about = _(
        "All figures are anonymous: they contain no names, addresses or exact places, and figures resting on "
        "fewer than %(k)s trips, bookings or searches are hidden for privacy reasons (and so are the figures from "
        "which they could be worked out). Each chart shows the twelve months up to %(month)s; the number under "
        "each month is the number of trips, bookings or searches behind it."
    ) % {"k": k, "month": format_month(month)}
    fig.text(0.08, y - 0.06, textwrap.fill(about, 130), fontsize=10, va="top", linespacing=1.5)
    pdf.savefig(fig)
    plt.close(fig)


def _section_page(pdf: PdfPages, heading: str, report: Report, draw, sentences: list[str], page: int) -> None:
    fig = plt.figure(figsize=A4)
    fig.text(0.06, 0.92, heading, fontsize=17, weight="bold")
    ax = fig.add_axes((0.08, 0.40, 0.74, 0.44))
    draw(report, ax=ax)
    text = "\n\n".join(textwrap.fill(sentence, 120) for sentence in sentences)
    fig.text(0.06, 0.20, text, fontsize=11, va="top", linespacing=1.5)
    fig.text(0.92, 0.04, str(page), fontsize=9, ha="right")
    pdf.savefig(fig)
    plt.close(fig)


def _unmet_month(first_day: date, last_day: date) -> tuple[UnmetMap, Backdrop, list[str | None]]:
    data = unmet_map(first=first_day, last=last_day)
    bounds = map_bounds(data)
    backdrop = map_backdrop(bounds=bounds) if bounds else Backdrop(roads=[], places=[])
    return data, backdrop, unmet_map_places(data)


def _map_page(pdf: PdfPages, heading: str, data: UnmetMap, backdrop: Backdrop, sentences: list[str], page: int):
    """The two sentences under the heading, the unmet-demand map below them (a map needs the
    page's height; beside it the sentences would share lines with the map's labels)."""
    fig = plt.figure(figsize=A4)
    fig.text(0.06, 0.92, heading, fontsize=17, weight="bold")
    text = "\n".join(textwrap.fill(sentence, 135) for sentence in sentences)
    fig.text(0.06, 0.885, text, fontsize=10.5, va="top", linespacing=1.4)
    ax = fig.add_axes((0.06, 0.14, 0.62, 0.58))
    unmet_map_figure(data, backdrop, ax=ax)
    ax.title.set_fontsize(10)
    fig.text(0.92, 0.04, str(page), fontsize=9, ha="right")
    pdf.savefig(fig)
    plt.close(fig)


def monthly_report_pdf(*, month: date, today: date | None = None) -> bytes:
    """The council's report for ``month`` (any day in it) as PDF bytes, in the active language."""
    first_day, last_day = month_range(month)
    start = _year_before(first_day)
    buffer = io.BytesIO()
    # No creation date, so the same data gives the same file.
    with PdfPages(buffer, metadata={"Title": _("Mobility report"), "CreationDate": None}) as pdf:
        _text_page(pdf, first_day, today or timezone.localdate())
        headings = _headings()
        for page, (section, by, draw, sentences) in enumerate(SECTIONS, start=2):
            report = report_build(report_query(section=section, by=by, period="month", first=start, last=last_day))
            _section_page(pdf, headings[section], report, draw, sentences(report, first_day), page)
        data, backdrop, places = _unmet_month(first_day, last_day)
        map_sentences = unmet_map_sentences(data, places, first_day)
        _map_page(pdf, headings["searches"], data, backdrop, map_sentences, len(SECTIONS) + 2)
    return buffer.getvalue()


def monthly_figures(*, month: date) -> dict[str, list[str]]:
    """The sentences of the report per section (for checks and the API's JSON twin)."""
    first_day, last_day = month_range(month)
    start = _year_before(first_day)
    out = {}
    for section, by, _draw, sentences in SECTIONS:
        report = report_build(report_query(section=section, by=by, period="month", first=start, last=last_day))
        out[section] = sentences(report, first_day)
    data = unmet_map(first=first_day, last=last_day)
    out["searches"] = unmet_map_sentences(data, unmet_map_places(data), first_day)
    return out
