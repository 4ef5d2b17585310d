"""Importing an OSM extract from the operator console: the real Herrenberg extract through
the upload form and the Celery task; the job page shows ways read, nodes and edges kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rides.models import RoadGraph
from tests.factories import UserFactory
from tests.web.conftest import csrf_token, page_text, signed_in

pytestmark = pytest.mark.django_db
EXTRACT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "osm" / "herrenberg-minimal.osm.pbf"


@pytest.fixture
def olga(db, settings, tmp_path):
    settings.RIDES_GRAPH_DIR = str(tmp_path / "graphs")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return signed_in(UserFactory(is_operator=True))


def _upload(client, name: str, content: bytes, filename: str):
    token = csrf_token(client, "/betrieb/strassennetz/")
    return client.post(
        "/betrieb/strassennetz/",
        {"file": SimpleUploadedFile(filename, content), "name": name, "csrfmiddlewaretoken": token},
    )


def test_import_an_osm_extract_and_watch_it(olga, tmp_path):
    if not EXTRACT.is_file():
        pytest.skip(f"missing {EXTRACT}")
    response = _upload(olga, "herrenberg", EXTRACT.read_bytes(), EXTRACT.name)
    assert response.status_code == 302
    job_url = response["Location"]
    assert job_url.startswith("/betrieb/strassennetz/importe/")
    graph = RoadGraph.objects.get(name="herrenberg")
    assert graph.active and graph.node_count > 100 and graph.edge_count > graph.node_count // 2
    text = page_text(olga.get(job_url))
    assert "Stand: importiert und aktiv" in text
    assert f"{graph.node_count} Knoten und {graph.edge_count} Kanten behalten" in text
    ways = int(text.split(" Wege gelesen")[0].rsplit(" ", 1)[1])
    assert ways > 0
    assert "Stand neu laden" not in text
    listing = page_text(olga.get("/betrieb/strassennetz/"))
    assert f"herrenberg {graph.node_count} {graph.edge_count}" in listing
    assert list((tmp_path / "media" / "osm-uploads").glob("*")) == []  # the upload is removed


def test_bad_uploads_are_refused_on_the_form(olga, tmp_path):
    response = _upload(olga, "Herrenberg Neu", b"<osm/>", "x.osm")
    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode() and "Enter a valid" not in page_text(response)
    response = _upload(olga, "neu", b"hello", "notes.txt")
    assert response.status_code == 400
    assert "Bitte laden Sie eine OSM-Datei hoch" in page_text(response)
    assert not RoadGraph.objects.exists()
    response = _upload(olga, "kaputt", b"this is not osm", "kaputt.osm")
    assert response.status_code == 302  # queued; the import itself refuses it
    text = page_text(olga.get(response["Location"]))
    assert "Stand: abgelehnt" in text, text
    assert "Die Datei konnte nicht als OSM-Daten gelesen werden" in text
    assert not RoadGraph.objects.exists()


def test_unknown_jobs_are_404(olga):
    assert olga.get("/betrieb/strassennetz/importe/abc123/").status_code == 404
    assert olga.get("/betrieb/strassennetz/importe/..%2F..%2Fetc/").status_code == 404


def test_roadgraph_pages_are_operator_only():
    resident = signed_in(UserFactory())
    assert resident.get("/betrieb/strassennetz/").status_code == 403
