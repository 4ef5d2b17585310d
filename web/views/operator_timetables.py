"""Timetables in the operator console: upload a GTFS file and watch its import, read the
validator's problems (sortable), activate a stored version (roll back), switch a feed off.

The upload goes through ``gtfs.feed_import.import_upload_create`` (hostile archives refused
at once, the import queued as a Celery task); the task reports each step over the uploader's
WebSocket and into the cache (``gtfs.import_progress``). Without JavaScript the import page
shows the last step and a button to look again.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gtfs import selectors, services
from gtfs.feed_import import import_upload_create
from gtfs.import_progress import STEPS, import_progress_get
from gtfs.models import FeedKind, GtfsImport
from mobility.errors import DomainError, NotFound

from .operator_base import operator_page

MESSAGES = {
    "gtfs_invalid_kind": _("Bitte wählen Sie die Art des Fahrplans aus der Liste."),
    "gtfs_feed_kind_mismatch": _("Diesen Fahrplan gibt es schon mit einer anderen Art."),
    "gtfs_archive_too_large": _("Die Datei ist zu groß."),
    "gtfs_not_a_zip": _("Das ist keine ZIP-Datei. Ein GTFS-Fahrplan ist eine ZIP-Datei mit Textdateien."),
    "gtfs_too_many_entries": _("Die ZIP-Datei enthält zu viele Dateien für einen Fahrplan."),
    "gtfs_path_traversal": _("Die ZIP-Datei enthält unzulässige Dateinamen."),
    "gtfs_nested_archive": _("Die ZIP-Datei enthält weitere Archive; bitte laden Sie den Fahrplan direkt hoch."),
    "gtfs_encrypted_entry": _("Die ZIP-Datei ist verschlüsselt."),
    "gtfs_compression_ratio": _("Die ZIP-Datei ist ungewöhnlich stark gepackt und wird nicht gelesen."),
    "import_queue_unavailable": _(
        "Der Import kann gerade nicht gestartet werden; nichts wurde gespeichert. "
        "Bitte laden Sie die Datei gleich noch einmal hoch."
    ),
    "feed_not_found": _("Diesen Fahrplan gibt es nicht."),
    "feed_version_not_found": _("Diese Version gehört nicht zu diesem Fahrplan (oder wurde schon gelöscht)."),
}
KIND_LABELS = {
    FeedKind.TRANSIT: _("Linienverkehr"),
    "community_bus": _("Bürgerbus"),
}
STATUS_LABELS = {
    GtfsImport.Status.QUEUED: _("wartet auf den Import"),
    GtfsImport.Status.RUNNING: _("wird importiert"),
    GtfsImport.Status.IMPORTED: _("importiert und aktiv"),
    GtfsImport.Status.UNCHANGED: _("unverändert (gleicher Inhalt wie die aktive Version)"),
    GtfsImport.Status.REFUSED: _("abgelehnt (Fehler im Fahrplan)"),
    GtfsImport.Status.FAILED: _("fehlgeschlagen"),
}
STEP_LABELS = {
    "queued": _("wartet"),
    "started": _("gestartet"),
    "checked archive": _("ZIP-Datei geprüft"),
    "unchanged": _("unverändert"),
    "read": _("Dateien gelesen"),
    "validated": _("geprüft"),
    "stops": _("Haltestellen geladen"),
    "calendar": _("Verkehrstage geladen"),
    "trips": _("Fahrten geladen"),
    "prepare stop_times": _("Fahrzeiten vorbereitet"),
    "stop_times": _("Fahrzeiten geladen"),
    "transfers": _("Umstiege geladen"),
    "finished": _("fertig"),
}
STATS_LABELS = {
    "agencies": _("Verkehrsunternehmen"),
    "stops": _("Haltestellen"),
    "routes": _("Linien"),
    "trips": _("Fahrten"),
    "stop_times": _("Fahrzeiten"),
    "services": _("Verkehrstage-Regeln"),
    "calendar_dates": _("Ausnahmetage"),
    "transfers": _("Umstiege"),
    "booking_rules": _("Anmelderegeln"),
}
SEVERITY_LABELS = {"error": _("Fehler"), "warning": _("Warnung")}
PROBLEM_COLUMNS = (
    ("severity", _("Schwere")),
    ("code", _("Code")),
    ("file", _("Datei")),
    ("row", _("Zeile")),
    ("message", _("Meldung (englisch, vom Prüfprogramm)")),
)
FINISHED = {
    GtfsImport.Status.IMPORTED,
    GtfsImport.Status.UNCHANGED,
    GtfsImport.Status.REFUSED,
    GtfsImport.Status.FAILED,
}


def _german(exc: DomainError) -> str:
    from ..errors import german_message

    return str(MESSAGES.get(exc.code) or german_message(exc))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("GTFS-Datei (ZIP)"),
        help_text=_("Ein vollständiger Fahrplan im GTFS-Format; er ersetzt nach der Prüfung die aktive Version."),
    )
    name = forms.CharField(
        label=_("Name des Fahrplans"),
        max_length=100,
        help_text=_("Derselbe Name wie bisher ersetzt diesen Fahrplan; ein neuer Name legt einen neuen an."),
    )
    kind = forms.ChoiceField(label=_("Art"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(value, KIND_LABELS.get(value, label)) for value, label in FeedKind.choices]
        self.fields["file"].widget.attrs["accept"] = ".zip,application/zip"


def _upload_error_field(code: str) -> str | None:
    """The form field a refused upload concerns (None: the whole form)."""
    if code in {"gtfs_feed_kind_mismatch", "gtfs_invalid_kind"}:
        return "kind"
    return "file" if code.startswith("gtfs_") else None


def _feed_rows() -> list[dict]:
    rows = []
    for feed in selectors.feed_list():
        version = feed.active_version
        rows.append(
            {
                "feed": feed,
                "kind": KIND_LABELS.get(feed.kind, feed.kind),
                "version": version,
                "stats": (version.stats or {}) if version else {},
                "warnings": len(version.warnings or []) if version else 0,
            }
        )
    return rows


def _import_row(record: GtfsImport) -> dict:
    return {"record": record, "status": STATUS_LABELS.get(record.status, record.status)}


@operator_page
def timetables(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                record = import_upload_create(
                    uploaded_file=form.cleaned_data["file"],
                    name=form.cleaned_data["name"].strip(),
                    kind=form.cleaned_data["kind"],
                    user=request.user,
                )
            except DomainError as exc:
                form.add_error(_upload_error_field(exc.code), _german(exc))
                status = {"gtfs_archive_too_large": 413, "import_queue_unavailable": 503}.get(exc.code, 400)
            else:
                return redirect("web:operator_timetable_import", import_id=record.pk)
        else:
            status = 400
        return render(request, "web/operator/timetables.html", _timetables_context(form), status=status)
    return render(request, "web/operator/timetables.html", _timetables_context(UploadForm()))


def _timetables_context(form: UploadForm) -> dict:
    return {
        "operator_nav": "timetables",
        "form": form,
        "feeds": _feed_rows(),
        "imports": [_import_row(record) for record in selectors.import_list(limit=20)],
    }


def _progress(record: GtfsImport) -> dict:
    """The last step of an import, for the page and the polling fragment."""
    reported = import_progress_get(import_id=record.pk) or {}
    step = reported.get("step") or ("queued" if record.status == GtfsImport.Status.QUEUED else "started")
    if record.status in FINISHED:
        step = "finished"
    done = STEPS.index(step) + 1 if step in STEPS else None
    return {
        "step": step,
        "step_label": STEP_LABELS.get(step, step),
        "done": done,
        "total": len(STEPS),
        "finished": record.status in FINISHED,
        "status_label": STATUS_LABELS.get(record.status, record.status),
    }


def _sorted_problems(problems: list[dict], sort: str, descending: bool) -> list[dict]:
    columns = {name for name, _label in PROBLEM_COLUMNS}
    if sort not in columns:
        return list(problems)

    def key(problem: dict):
        value = problem.get(sort)
        if sort == "row":
            return (value is None, value if isinstance(value, int) else 0)
        return (value is None, str(value or "").casefold())

    return sorted(problems, key=key, reverse=descending)


@operator_page
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    try:
        record = selectors.import_get(import_id=import_id)
    except NotFound:
        from django.http import Http404

        raise Http404("no such import") from None
    sort = request.GET.get("sort", "")
    descending = request.GET.get("order") == "desc"
    problems = [
        {**problem, "severity_label": SEVERITY_LABELS.get(problem.get("severity"), problem.get("severity"))}
        for problem in (record.problems or [])
        if isinstance(problem, dict)
    ]
    columns = []
    for name, label in PROBLEM_COLUMNS:
        active = sort == name
        next_order = "asc" if not active or descending else "desc"
        columns.append(
            {
                "name": name,
                "label": label,
                "aria_sort": ("descending" if descending else "ascending") if active else None,
                "href": f"?sort={name}&order={next_order}#probleme",
            }
        )
    context = {
        "operator_nav": "timetables",
        "record": record,
        "progress": _progress(record),
        "problems": _sorted_problems(problems, sort, descending),
        "columns": columns,
        "errors_count": sum(1 for p in problems if p.get("severity") == "error"),
        "warnings_count": sum(1 for p in problems if p.get("severity") == "warning"),
        "stats": [
            {"key": key, "label": STATS_LABELS.get(key, key), "value": value}
            for key, value in ((record.version.stats or {}) if record.version else {}).items()
        ],
    }
    return render(request, "web/operator/import.html", context)


@operator_page
def import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """The progress fragment (polled by the page when the WebSocket is not there)."""
    try:
        record = selectors.import_get(import_id=import_id)
    except NotFound:
        from django.http import Http404

        raise Http404("no such import") from None
    return render(request, "web/operator/_import_status.html", {"record": record, "progress": _progress(record)})


@operator_page
def feed_detail(request: HttpRequest, feed_id: int) -> HttpResponse:
    try:
        versions = list(selectors.feed_versions(feed_id=feed_id))
    except NotFound:
        from django.http import Http404

        raise Http404("no such feed") from None
    feed = selectors.feed_list().get(pk=feed_id)
    return render(
        request,
        "web/operator/feed.html",
        {
            "operator_nav": "timetables",
            "feed": feed,
            "kind": KIND_LABELS.get(feed.kind, feed.kind),
            "versions": versions,
        },
    )


@operator_page
@require_POST
def feed_activate(request: HttpRequest, feed_id: int) -> HttpResponse:
    """Activate a stored version (``version``) or switch the feed off (``version=off``)."""
    raw = request.POST.get("version", "")
    version_id: int | None
    if raw == "off":
        version_id = None
    elif raw.isdigit() and len(raw) < 19:
        version_id = int(raw)
    else:
        messages.error(request, gettext("Bitte wählen Sie eine Version."))
        return redirect("web:operator_feed", feed_id=feed_id)
    try:
        services.feed_activate_version(feed_id=feed_id, version_id=version_id)
    except DomainError as exc:
        if exc.code == "feed_not_found":
            from django.http import Http404

            raise Http404("no such feed") from None
        messages.error(request, _german(exc))
        return redirect("web:operator_feed", feed_id=feed_id)
    if version_id is None:
        messages.success(request, gettext("Der Fahrplan ist abgeschaltet. Suche und Abfahrten zeigen ihn nicht mehr."))
    else:
        messages.success(request, gettext("Version %(id)s ist jetzt aktiv.") % {"id": version_id})
    return redirect(reverse("web:operator_feed", kwargs={"feed_id": feed_id}))
