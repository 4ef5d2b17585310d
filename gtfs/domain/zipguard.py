"""Refuse hostile or broken GTFS uploads before they cost much.

Only the zip directory is read here (no decompression). Python's ``zipfile`` never
produces more than an entry's declared ``file_size`` and checks the CRC, so the declared
sizes are a safe upper bound for what the later reading can cost.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass

NESTED_ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".jar")


class ArchiveRefused(Exception):
    """The upload is not a GTFS zip we are willing to read. ``code`` is stable."""

    def __init__(self, code: str, template: str, params: dict[str, object] | None = None) -> None:
        self.code = code
        self.template = template  # English; translated where it becomes a DomainError
        self.params = params or {}
        self.message = template % self.params if self.params else template
        super().__init__(self.message)


@dataclass(frozen=True)
class ArchiveLimits:
    max_bytes: int  # size of the zip file itself
    max_entries: int
    max_uncompressed_bytes: int  # sum of all declared entry sizes
    max_ratio: int  # uncompressed / compressed, per entry and overall


@dataclass(frozen=True)
class ArchiveSummary:
    size_bytes: int
    entries: int
    uncompressed_bytes: int
    names: tuple[str, ...]


def inspect_archive(path: str, limits: ArchiveLimits) -> ArchiveSummary:
    """Check a GTFS zip's directory against ``limits``; raise :class:`ArchiveRefused`."""
    size = os.path.getsize(path)
    if size > limits.max_bytes:
        raise ArchiveRefused(
            "gtfs_archive_too_large",
            "The file has %(size)s bytes; at most %(limit)s are accepted.",
            {"size": size, "limit": limits.max_bytes},
        )
    if size == 0 or not zipfile.is_zipfile(path):
        raise ArchiveRefused("gtfs_not_a_zip", "The file is not a zip archive.")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveRefused(
            "gtfs_not_a_zip", "The zip archive cannot be read: %(reason)s", {"reason": str(exc)}
        ) from exc
    if len(infos) > limits.max_entries:
        raise ArchiveRefused(
            "gtfs_too_many_entries",
            "The archive has %(entries)s entries; at most %(limit)s are accepted.",
            {"entries": len(infos), "limit": limits.max_entries},
        )
    total = 0
    names: list[str] = []
    for info in infos:
        name = info.filename
        normalised = name.replace("\\", "/")
        parts = [part for part in normalised.split("/") if part]
        if normalised.startswith("/") or ".." in parts or (len(normalised) > 1 and normalised[1] == ":"):
            raise ArchiveRefused(
                "gtfs_path_traversal", "The archive entry %(name)s points outside the archive.", {"name": repr(name)}
            )
        if normalised.lower().endswith(NESTED_ARCHIVE_SUFFIXES):
            raise ArchiveRefused(
                "gtfs_nested_archive", "The archive contains another archive (%(name)s).", {"name": repr(name)}
            )
        if info.flag_bits & 0x1:
            raise ArchiveRefused(
                "gtfs_encrypted_entry", "The archive entry %(name)s is encrypted.", {"name": repr(name)}
            )
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ArchiveRefused(
                "gtfs_compression_ratio",
                "The archive entry %(name)s expands more than %(ratio)s times; refused as a zip bomb.",
                {"name": repr(name), "ratio": limits.max_ratio},
            )
        if not info.is_dir():
            names.append(normalised)
    if total > limits.max_uncompressed_bytes:
        raise ArchiveRefused(
            "gtfs_archive_too_large",
            "The archive expands to %(size)s bytes; at most %(limit)s are accepted.",
            {"size": total, "limit": limits.max_uncompressed_bytes},
        )
    if total > 1024 * 1024 and total > limits.max_ratio * max(size, 1):
        raise ArchiveRefused(
            "gtfs_compression_ratio",
            "The archive expands more than %(ratio)s times; refused as a zip bomb.",
            {"ratio": limits.max_ratio},
        )
    return ArchiveSummary(size_bytes=size, entries=len(infos), uncompressed_bytes=total, names=tuple(names))
