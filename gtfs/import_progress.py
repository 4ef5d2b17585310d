"""Live progress of a background GTFS import, for the operator watching it.

The Celery task reports each step twice: into the cache (so a page reloaded or polled without
JavaScript shows the last step) and over the channel layer to the uploader's WebSockets
(``/ws/notifications/`` answers it as ``{"type": "gtfs_import", …}``). Both are best effort:
the :class:`~gtfs.models.GtfsImport` row is the record, a lost progress message only means the
page shows the step a little later.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache

logger = logging.getLogger(__name__)

#: How long the last step of an import stays readable (seconds).
PROGRESS_TTL_S = 6 * 3600
#: The import's steps in the order the import passes them (``feed_import`` and ``_load``).
STEPS = (
    "queued",
    "started",
    "checked archive",
    "read",
    "validated",
    "stops",
    "calendar",
    "trips",
    "prepare stop_times",
    "stop_times",
    "transfers",
    "finished",
)


def _cache_key(import_id: int) -> str:
    return f"gtfs-import-progress:{int(import_id)}"


def import_progress_get(*, import_id: int) -> dict[str, Any] | None:
    """The last step reported for an import (``{"step", "status", "done", "total"}``), or None."""
    try:
        return cache.get(_cache_key(import_id))
    except Exception:  # the cache (Redis) is down: the page falls back to the record's status
        logger.warning("progress of import %s unreadable", import_id, exc_info=True)
        return None


def import_progress_report(*, import_id: int, user_id: int | None, status: str, step: str) -> dict[str, Any]:
    """Record ``step`` of an import and push it to the uploader's open sockets."""
    done = STEPS.index(step) + 1 if step in STEPS else None
    message = {"import": int(import_id), "status": status, "step": step, "done": done, "total": len(STEPS)}
    try:
        cache.set(_cache_key(import_id), message, PROGRESS_TTL_S)
    except Exception:
        logger.warning("progress of import %s not stored", import_id, exc_info=True)
    layer = get_channel_layer()
    if layer is not None and user_id is not None:
        from mobility.notifications.services import user_group_name

        try:
            async_to_sync(layer.group_send)(user_group_name(user_id), {"type": "gtfs.import", "progress": message})
        except Exception:
            logger.warning("progress of import %s not pushed", import_id, exc_info=True)
    return message
