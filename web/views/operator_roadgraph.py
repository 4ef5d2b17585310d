"""The road graph in the operator console: imported graphs with node and edge counts, a map
of what was kept, and importing an OSM extract (a Celery task; the page shows the ways read)."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from mobility.errors import DomainError
from rides import selectors
from rides.import_jobs import roadgraph_job_get, roadgraph_upload_create

from .operator_base import operator_page

MESSAGES = {
    "osm_invalid_name": _("Bitte nur Kleinbuchstaben, Ziffern und Bindestriche, z. B. „landkreis-2026“."),
    "osm_unsupported_file": _("Bitte laden Sie eine OSM-Datei hoch (.osm.pbf, .osm, .osm.gz oder .osm.bz2)."),
    "osm_file_too_large": _("Die Datei ist zu groß."),
    "osm_unreadable": _("Die Datei konnte nicht als OSM-Daten gelesen werden oder enthält keine befahrbaren Straßen."),
    "import_queue_unavailable": _(
        "Der Import kann gerade nicht gestartet werden; nichts wurde gespeichert. "
        "Bitte versuchen Sie es gleich noch einmal."
    ),
}
STATUS_LABELS = {
    "queued": _("wartet auf den Import"),
    "running": _("wird importiert"),
    "imported": _("importiert und aktiv"),
    "refused": _("abgelehnt"),
    "failed": _("fehlgeschlagen"),
}
FINISHED = {"imported", "refused", "failed"}


class RoadGraphForm(forms.Form):
    file = forms.FileField(label=_("OSM-Datei"), help_text=_(".osm.pbf, .osm, .osm.gz oder .osm.bz2"))
    name = forms.SlugField(
        label=_("Name des Straßennetzes"),
        max_length=80,
        help_text=_("Derselbe Name ersetzt das Netz; Fahrten werden auf das neue Netz übertragen."),
    )


def _context(form: RoadGraphForm) -> dict:
    return {"operator_nav": "roadgraph", "form": form, "graphs": list(selectors.roadgraph_list())}


@operator_page
def roadgraph(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RoadGraphForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                job_id = roadgraph_upload_create(
                    uploaded_file=form.cleaned_data["file"], name=form.cleaned_data["name"]
                )
            except DomainError as exc:
                field = "name" if exc.code == "osm_invalid_name" else "file"
                form.add_error(field, str(MESSAGES.get(exc.code, exc.message)))
                status = exc.status_code if exc.code in {"osm_file_too_large", "import_queue_unavailable"} else 400
            else:
                return redirect("web:operator_roadgraph_job", job_id=job_id)
        return render(request, "web/operator/roadgraph.html", _context(form), status=status)
    return render(request, "web/operator/roadgraph.html", _context(RoadGraphForm()))


def _job_context(job_id: str) -> dict:
    job = roadgraph_job_get(job_id=job_id)
    if job is None:
        raise Http404("no such import")
    status = job.get("status", "queued")
    message = job.get("message", "")
    if status == "refused" and job.get("code") in MESSAGES:
        message = str(MESSAGES[job["code"]])
    return {
        "job_id": job_id,
        "job": job,
        "status_label": STATUS_LABELS.get(status, status),
        "finished": status in FINISHED,
        "message": message,
    }


@operator_page
def roadgraph_job(request: HttpRequest, job_id: str) -> HttpResponse:
    return render(request, "web/operator/roadgraph_job.html", {"operator_nav": "roadgraph", **_job_context(job_id)})


@operator_page
def roadgraph_job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    return render(request, "web/operator/_roadgraph_status.html", _job_context(job_id))
