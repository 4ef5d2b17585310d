"""Staff console: the driver's manifest of a Bürgerbus trip on one day, as a printable page
(print stylesheet) and as a PDF (drawn with matplotlib, which the statistics charts use
already; DejaVu Sans ships with it, so umlauts need no system font).

Only what the volunteer driver needs (see :func:`gtfs.selectors_console.driver_manifest`):
stop, time, how many board and alight, seats taken, and a first name and phone number for
bookings taken by phone. Showing those contacts is recorded in the access log.
"""

from __future__ import annotations

import io
from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gtfs import selectors_console as bb
from mobility.errors import NotFound
from mobility.privacy.services import personal_data_access_record_many

from ..console import staff_required
from .console_staff import console_message

MANIFEST_REASON = "driver's manifest"


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise Http404(_("Diesen Tag gibt es nicht.")) from exc
    if not 2000 <= day.year <= 2100:
        raise Http404(_("Diesen Tag gibt es nicht."))
    return day


@staff_required
@require_GET
def manifests(request: HttpRequest) -> HttpResponse:
    day = _day(request.GET["datum"]) if request.GET.get("datum") else timezone.localdate()
    context = {"day": day, "trips": bb.manifest_trips(service_date=day)}
    return render(request, "web/console/staff/manifests.html", context)


def _manifest(request: HttpRequest, trip_id: int, day: str) -> bb.Manifest:
    service_date = _day(day)
    try:
        manifest = bb.driver_manifest(trip_id=trip_id, service_date=service_date)
    except NotFound as exc:
        raise Http404(console_message(exc)) from exc
    subjects = manifest.contact_passengers
    if subjects:
        personal_data_access_record_many(
            actor=request.user,
            subjects=subjects,
            what="driver's manifest: first name and phone",
            reason=MANIFEST_REASON,
            path=request.path,
        )
    return manifest


@staff_required
@require_GET
def manifest(request: HttpRequest, trip_id: int, day: str) -> HttpResponse:
    data = _manifest(request, trip_id, day)
    return render(request, "web/console/staff/manifest.html", {"manifest": data})


def _hm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else "–"


def manifest_pdf_bytes(data: bb.Manifest) -> bytes:
    """One A4 page (more if the trip is long): title, the table of stops, the contacts."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    title = _("Fahrerliste Bürgerbus %(line)s, %(day)s") % {
        "line": data.trip.route.short_name,
        "day": formats.date_format(data.service_date, "l, d.m.Y"),
    }
    header = [_("Haltestelle"), _("Zeit"), _("Ein"), _("Aus"), _("Besetzt"), _("Anrufen (nur Telefonbuchungen)")]
    rows = [
        [
            stop.stop_name,
            _hm(stop.time),
            str(stop.boarding or ""),
            str(stop.alighting or ""),
            f"{stop.onboard_after}/{data.capacity}",
            "; ".join(f"{c.first_name} {c.phone} ({c.seats})" for c in stop.contacts),
        ]
        for stop in data.stops
    ]
    per_page = 28
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": "Mobil in Lindenau", "Producer": "matplotlib"}) as pdf:
        for first in range(0, max(len(rows), 1), per_page):
            fig = Figure(figsize=(8.27, 11.69))
            fig.text(0.06, 0.95, title, fontsize=14, fontweight="bold", family="DejaVu Sans")
            fig.text(
                0.06,
                0.925,
                _("Fahrt %(trip)s, %(seats)d von %(capacity)d Plätzen gebucht")
                % {
                    "trip": data.trip.headsign or data.trip.trip_id,
                    "seats": data.seats_booked,
                    "capacity": data.capacity,
                },
                fontsize=10,
                family="DejaVu Sans",
            )
            ax = fig.add_axes((0.06, 0.06, 0.88, 0.84))
            ax.axis("off")
            chunk = rows[first : first + per_page] or [["", "", "", "", "", ""]]
            table = ax.table(
                cellText=chunk,
                colLabels=header,
                colWidths=[0.3, 0.08, 0.06, 0.06, 0.1, 0.4],
                loc="upper left",
                cellLoc="left",
            )
            table.auto_set_font_size(False)
            table.set_fontsize(9)
            table.scale(1, 1.6)
            for (row, _col), cell in table.get_celld().items():
                if row == 0:
                    cell.set_text_props(fontweight="bold")
            pdf.savefig(fig)
    return buffer.getvalue()


@staff_required
@require_GET
def manifest_pdf(request: HttpRequest, trip_id: int, day: str) -> HttpResponse:
    data = _manifest(request, trip_id, day)
    response = HttpResponse(manifest_pdf_bytes(data), content_type="application/pdf")
    filename = f"fahrerliste-{data.trip.route.short_name}-{data.service_date.isoformat()}-{data.trip.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
