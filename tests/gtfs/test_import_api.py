"""Operator uploads: the archive check answers at once, the import runs as a Celery task."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gtfs import conf
from gtfs.models import Feed, GtfsImport, Stop

pytestmark = pytest.mark.django_db


def _upload(client, path, name="Regionalbus", kind="transit"):
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read(), content_type="application/zip")
    return client.post("/api/v1/gtfs/imports/", {"file": upload, "name": name, "kind": kind}, format="multipart")


def test_upload_runs_import_in_background_and_reports_status(
    client_for, otto, make_feed, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(otto)
    path = make_feed()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _upload(client, path)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and len(callbacks) == 1
    status = client.get(f"/api/v1/gtfs/imports/{response.json()['id']}/").json()
    assert status["status"] == "imported" and status["problems"] == []
    feed = Feed.objects.get(name="Regionalbus")
    assert status["version"] == feed.active_version_id
    assert Stop.objects.filter(version=feed.active_version).count() == 3
    record = GtfsImport.objects.get(pk=status["id"])
    assert record.created_by == otto and record.finished_at is not None
    assert not (tmp_path / record.file_path).exists()  # the upload is removed after the import
    # the same file again: recognised, nothing changes
    with django_capture_on_commit_callbacks(execute=True):
        again = _upload(client, path)
    assert client.get(f"/api/v1/gtfs/imports/{again.json()['id']}/").json()["status"] == "unchanged"
    assert Feed.objects.get(name="Regionalbus").active_version_id == feed.active_version_id


def test_upload_with_errors_is_refused_with_problems(client_for, otto, make_feed, django_capture_on_commit_callbacks):
    client = client_for(otto)
    bad = make_feed({"trips.txt": "route_id,service_id,trip_id\nR1,NOPE,T1\nR1,WD,T2\n"})
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, bad)
    status = client.get(f"/api/v1/gtfs/imports/{response.json()['id']}/").json()
    assert status["status"] == "refused"
    assert [(p["severity"], p["code"], p["file"], p["row"]) for p in status["problems"]] == [
        ("error", "unknown_service", "trips.txt", 2)
    ]
    assert not Feed.objects.exists() and not Stop.objects.exists()


def test_hostile_upload_refused_before_queueing(client_for, otto, tmp_path, monkeypatch):
    client = client_for(otto)
    not_zip = tmp_path / "feed.zip"
    not_zip.write_bytes(b"MZ\x90\x00 this is an executable, not a zip")
    response = _upload(client, not_zip)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "gtfs_not_a_zip"
    assert response.json()["error"]["fields"]["problems"][0]["code"] == "gtfs_not_a_zip"
    monkeypatch.setattr(conf, "GTFS_MAX_UPLOAD_BYTES", 10)
    response = _upload(client, not_zip)
    assert response.status_code == 413 and response.json()["error"]["code"] == "gtfs_archive_too_large"
    assert not GtfsImport.objects.exists()


def test_upload_input_errors(client_for, otto, alice, make_feed):
    client = client_for(otto)
    response = client.post("/api/v1/gtfs/imports/", {"name": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    response = _upload(client, make_feed(), kind="tram")
    assert response.status_code == 400
    assert _upload(client_for(alice), make_feed()).status_code == 403
    assert client.get("/api/v1/gtfs/imports/999/").status_code == 404
    assert not GtfsImport.objects.exists()
