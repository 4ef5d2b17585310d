"""The production path of background work: a real Celery worker consuming from Redis."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gtfs.models import Feed, GtfsImport, Stop
from mobility.celery import app
from mobility.demo.region import build_region_files
from tests.conftest import close_other_database_sessions


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_gtfs_upload_is_imported_by_a_real_worker_through_redis(client_for, otto, tmp_path, settings):
    from celery.contrib.testing.worker import start_worker

    assert app.conf.broker_url.startswith("redis://")
    files = build_region_files(tmp_path / "demo")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
            upload = SimpleUploadedFile(
                "regionalbus.zip", files.regional_bus_gtfs.read_bytes(), content_type="application/zip"
            )
            response = client_for(otto).post(
                "/api/v1/gtfs/imports/", {"file": upload, "name": "Regionalbus", "kind": "transit"}, format="multipart"
            )
            assert response.status_code == 202, response.content
            assert response.json()["status"] == "queued"
            job = response.json()["id"]
            deadline = time.monotonic() + 90
            status = "queued"
            while time.monotonic() < deadline and status in {"queued", "running"}:
                time.sleep(0.5)
                status = GtfsImport.objects.get(pk=job).status
    finally:
        app.conf.task_always_eager = eager
        close_other_database_sessions()  # the worker thread's session
    assert status == "imported", GtfsImport.objects.get(pk=job).message
    feed = Feed.objects.get(name="Regionalbus")
    assert Stop.objects.filter(version=feed.active_version).count() == 8
