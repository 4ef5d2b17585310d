"""Worker-level cache of compiled timetables backed by ``.npz`` files (no Django).

Layout: ``<directory>/<version key>/<service date ISO>.npz`` where the version key is
``TimetableCache.version_key(active feed version ids)``. Files are written to a temporary name
and renamed into place, so a worker never reads a half-written file; any worker (or a Celery
task) may build a missing file. Each process memoises the last few timetables it used.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

from .timetable import Timetable, load_timetable, save_timetable

#: Bumped whenever compiled timetables change meaning (2: days apart by their GTFS zeros, not
#: 24 h; earlier service days looked back as far as the feed's times need), so old files are not read.
COMPILE_FORMAT = 2


class TimetableCache:
    """``get(version_ids, date, build)`` → the compiled timetable, from memory, file or ``build()``."""

    def __init__(self, directory: str | Path, *, max_entries: int = 3, mmap: bool = True) -> None:
        self.directory = Path(directory)
        self.max_entries = max_entries
        self.mmap = mmap
        self._memo: OrderedDict[tuple[str, dt.date], Timetable] = OrderedDict()
        self._lock = threading.Lock()
        #: Other data derived from the same feed versions, memoised by its owner (keyed by the
        #: version tokens), so it lives and is forgotten together with this cache.
        self.extras: dict[object, object] = {}

    @staticmethod
    def version_key(version_ids: Iterable[int | str]) -> str:
        """Stable key of a set of active feed versions: the sorted ids joined by ``-``."""
        ids = sorted({str(v) for v in version_ids}, key=lambda s: (len(s), s))
        if not ids:
            raise ValueError("no active feed versions")
        if any(not s.replace("_", "").isalnum() for s in ids):
            raise ValueError("version ids must be alphanumeric")
        return "-".join(ids)

    def path_for(self, key: str, date: dt.date) -> Path:
        return self.directory / key / f"{date.isoformat()}.v{COMPILE_FORMAT}.npz"

    def get(self, version_ids: Iterable[int | str], date: dt.date, build: Callable[[], Timetable]) -> Timetable:
        """The timetable of ``date`` for these feed versions; builds and saves it if missing."""
        key = self.version_key(version_ids)
        with self._lock:
            tt = self._memo.get((key, date))
            if tt is not None:
                self._memo.move_to_end((key, date))
                return tt
        path = self.path_for(key, date)
        if path.is_file():
            tt = load_timetable(path, mmap=self.mmap)
        else:
            tt = build()
            self._write(tt, path)
        with self._lock:
            self._memo[(key, date)] = tt
            while len(self._memo) > self.max_entries:
                self._memo.popitem(last=False)
        return tt

    def _write(self, tt: Timetable, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        os.close(fd)
        try:
            save_timetable(tt, tmp)
            os.replace(tmp, path)  # atomic: readers see the old state or the whole new file
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def prune(self, keep_keys: Iterable[str]) -> list[str]:
        """Delete the directories of version keys not in ``keep_keys``; returns what was deleted."""
        keep = set(keep_keys)
        removed = []
        if self.directory.is_dir():
            for child in self.directory.iterdir():
                if child.is_dir() and child.name not in keep:
                    shutil.rmtree(child, ignore_errors=True)
                    removed.append(child.name)
        with self._lock:
            for memo_key in [k for k in self._memo if k[0] not in keep]:
                del self._memo[memo_key]
        return sorted(removed)
