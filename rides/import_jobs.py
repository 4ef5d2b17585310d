"""Road-graph imports started from the operator console: the uploaded OSM extract is stored,
imported by a Celery task (``rides.roadgraph_import``) and its progress kept in the cache.

A job is identified by a random id; its state (``queued`` → ``running`` → ``imported`` or
``refused``/``failed``, the number of ways read, the graph's node and edge counts) lives in the
cache for ``JOB_TTL_S``. The imported :class:`~rides.models.RoadGraph` row is the record; the
job state is only what the page shows while it waits.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache

from mobility.errors import ServiceUnavailable, ValidationFailed

logger = logging.getLogger(__name__)

#: How long a job's state stays readable (seconds).
JOB_TTL_S = 24 * 3600
#: The largest OSM extract accepted from the console (bytes).
MAX_UPLOAD_BYTES = 500 * 1024 * 1024
#: File endings the importer reads (pyosmium decides by the ending).
SUFFIXES = (".osm.pbf", ".osm.gz", ".osm.bz2", ".osm", ".pbf")


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "osm-uploads"


def _key(job_id: str) -> str:
    return f"roadgraph-import:{job_id}"


def roadgraph_job_get(*, job_id: str) -> dict[str, Any] | None:
    """The state of an import job, or None (unknown, expired, or a malformed id)."""
    if not job_id.isalnum() or len(job_id) > 64:
        return None
    return cache.get(_key(job_id))


def _job_set(job_id: str, **state: Any) -> dict[str, Any]:
    current = cache.get(_key(job_id)) or {}
    current.update(state)
    cache.set(_key(job_id), current, JOB_TTL_S)
    return current


def roadgraph_upload_create(*, uploaded_file, name: str, activate: bool = True) -> str:
    """Store an uploaded OSM extract and queue its import; returns the job id.

    Refuses a file too large (413 ``osm_file_too_large``), one whose ending the importer does
    not read (400 ``osm_unsupported_file``), and — when the queue (Redis) is down — answers 503
    ``import_queue_unavailable`` with nothing left behind."""
    from django.utils.text import slugify

    if slugify(name) != name or not name:
        raise ValidationFailed("The name must be a slug.", code="osm_invalid_name", fields={"name": [name]})
    original = (uploaded_file.name or "").lower()
    suffix = next((s for s in SUFFIXES if original.endswith(s)), None)
    if suffix is None:
        raise ValidationFailed(
            "Upload an OSM file (.osm.pbf, .osm, .osm.gz or .osm.bz2).",
            code="osm_unsupported_file",
            fields={"file": [original]},
        )
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            "The file has %(size)s bytes; at most %(limit)s are accepted.",
            params={"size": uploaded_file.size, "limit": MAX_UPLOAD_BYTES},
            code="osm_file_too_large",
            status_code=413,
        )
    job_id = secrets.token_hex(12)
    os.makedirs(upload_dir(), exist_ok=True)
    target = upload_dir() / f"{job_id}{suffix}"
    with open(target, "wb") as handle:
        for chunk in uploaded_file.chunks():
            handle.write(chunk)
    _job_set(job_id, status="queued", name=name, file=original[:200], ways=0, size_bytes=uploaded_file.size)
    from kombu.exceptions import OperationalError as BrokerUnavailable
    from redis.exceptions import ConnectionError as RedisConnectionError

    from .tasks import roadgraph_import_task

    try:
        roadgraph_import_task.delay(job_id, str(target), name, activate)
    except (BrokerUnavailable, RedisConnectionError, ConnectionError) as exc:
        logger.warning("could not queue road-graph import %s: %r", job_id, exc)
        target.unlink(missing_ok=True)
        cache.delete(_key(job_id))
        raise ServiceUnavailable(
            "The import queue is unavailable; nothing was stored. Please upload again shortly.",
            code="import_queue_unavailable",
            headers={"Retry-After": "30"},
        ) from exc
    return job_id


def roadgraph_import_job_run(*, job_id: str, path: str, name: str, activate: bool = True) -> dict[str, Any]:
    """Run a queued import (the Celery task's body) and record its outcome in the job."""
    from mobility.errors import DomainError

    from .services import roadgraph_import

    _job_set(job_id, status="running")
    read = {"ways": 0}

    def progress(ways: int) -> None:
        read["ways"] += ways
        _job_set(job_id, ways=read["ways"])

    try:
        graph = roadgraph_import(path=Path(path), name=name, activate=activate, progress=progress)
    except DomainError as exc:
        return _job_set(job_id, status="refused", code=exc.code, message=exc.message)
    except Exception as exc:  # recorded for the operator; the import wrote nothing to the database
        logger.exception("road-graph import %s failed", job_id)
        return _job_set(job_id, status="failed", message=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        Path(path).unlink(missing_ok=True)
    return _job_set(
        job_id,
        status="imported",
        graph=graph.pk,
        nodes=graph.node_count,
        edges=graph.edge_count,
        bbox=graph.bbox,
        ways=read["ways"],
    )
