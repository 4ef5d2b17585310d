"""Archive checks before a GTFS upload is read (no database): every refusal at its limit."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from gtfs.domain.zipguard import ArchiveLimits, ArchiveRefused, ArchiveSummary, inspect_archive

MIB = 1024 * 1024
LIMITS = ArchiveLimits(max_bytes=10 * MIB, max_entries=5, max_uncompressed_bytes=8 * MIB, max_ratio=100)


def _zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in entries:
            if isinstance(name, zipfile.ZipInfo):
                archive.writestr(name, data)
            else:
                archive.writestr(name, data)
    return str(path)


def _refusal(path, limits=LIMITS) -> ArchiveRefused:
    with pytest.raises(ArchiveRefused) as info:
        inspect_archive(path, limits)
    assert str(info.value) == info.value.message
    return info.value


def test_a_plain_feed_is_summarised(tmp_path):
    path = _zip(tmp_path / "feed.zip", [("stops.txt", b"stop_id\n1\n"), ("sub/", b""), ("sub\\trips.txt", b"x")])
    summary = inspect_archive(path, LIMITS)
    assert summary == ArchiveSummary(
        size_bytes=os.path.getsize(path), entries=3, uncompressed_bytes=11, names=("stops.txt", "sub/trips.txt")
    )


def test_file_size_limit_is_inclusive(tmp_path):
    path = _zip(tmp_path / "feed.zip", [("stops.txt", b"stop_id\n")])
    size = os.path.getsize(path)
    exact = ArchiveLimits(max_bytes=size, max_entries=5, max_uncompressed_bytes=MIB, max_ratio=100)
    assert inspect_archive(path, exact).size_bytes == size
    smaller = ArchiveLimits(max_bytes=size - 1, max_entries=5, max_uncompressed_bytes=MIB, max_ratio=100)
    refusal = _refusal(path, smaller)
    assert (refusal.code, refusal.message) == (
        "gtfs_archive_too_large",
        f"The file has {size} bytes; at most {size - 1} are accepted.",
    )


@pytest.mark.parametrize("content", [b"", b"this is not a zip file at all", b"PK\x03\x04broken"])
def test_not_a_zip(tmp_path, content):
    path = tmp_path / "feed.zip"
    path.write_bytes(content)
    refusal = _refusal(str(path))
    assert (refusal.code, refusal.message) == ("gtfs_not_a_zip", "The file is not a zip archive.")


def test_an_unreadable_directory_is_refused(tmp_path):
    good = _zip(tmp_path / "good.zip", [("stops.txt", b"stop_id\n")])
    data = bytearray(Path(good).read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central : central + 4] = b"XX\x01\x02"  # the end record still points at a broken directory
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(data))
    refusal = _refusal(str(broken))
    assert refusal.code == "gtfs_not_a_zip"
    assert refusal.message.startswith("The zip archive cannot be read: ")


def test_entry_count_limit_is_inclusive(tmp_path):
    five = _zip(tmp_path / "five.zip", [(f"f{i}.txt", b"x") for i in range(5)])
    assert inspect_archive(five, LIMITS).entries == 5
    six = _zip(tmp_path / "six.zip", [(f"f{i}.txt", b"x") for i in range(6)])
    refusal = _refusal(six)
    assert (refusal.code, refusal.message) == (
        "gtfs_too_many_entries",
        "The archive has 6 entries; at most 5 are accepted.",
    )


@pytest.mark.parametrize("name", ["/etc/passwd", "../stops.txt", "a/../../b.txt", "C:stops.txt", "C:", "..\\stops.txt"])
def test_paths_outside_the_archive_are_refused(tmp_path, name):
    path = _zip(tmp_path / "feed.zip", [(name, b"x")])
    refusal = _refusal(path)
    assert refusal.code == "gtfs_path_traversal"
    assert refusal.message == f"The archive entry {zipfile.ZipFile(path).namelist()[0]!r} points outside the archive."


@pytest.mark.parametrize("name", ["a..b.txt", "x", "c/stops.txt", "..hidden.txt"])
def test_names_that_only_look_odd_are_fine(tmp_path, name):
    path = _zip(tmp_path / "feed.zip", [(name, b"x")])
    assert inspect_archive(path, LIMITS).names == (name,)


@pytest.mark.parametrize("name", ["inner.zip", "INNER.ZIP", "data.tar", "x.gz", "y.7z", "z.jar"])
def test_nested_archives_are_refused(tmp_path, name):
    refusal = _refusal(_zip(tmp_path / "feed.zip", [(name, b"x")]))
    assert (refusal.code, refusal.message) == (
        "gtfs_nested_archive",
        f"The archive contains another archive ({name!r}).",
    )


def test_encrypted_entries_are_refused(tmp_path):
    path = _zip(tmp_path / "feed.zip", [("stops.txt", b"x")], compression=zipfile.ZIP_STORED)
    data = bytearray(Path(path).read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1  # general purpose flag, bit 0: encrypted
    Path(path).write_bytes(bytes(data))
    refusal = _refusal(path)
    assert (refusal.code, refusal.message) == ("gtfs_encrypted_entry", "The archive entry 'stops.txt' is encrypted.")


def test_uncompressed_total_limit_is_inclusive(tmp_path):
    data = os.urandom(1000)
    limits = ArchiveLimits(max_bytes=MIB, max_entries=5, max_uncompressed_bytes=2000, max_ratio=100)
    path = _zip(tmp_path / "ok.zip", [("a.txt", data), ("b.txt", data)], compression=zipfile.ZIP_STORED)
    assert inspect_archive(path, limits).uncompressed_bytes == 2000
    path = _zip(tmp_path / "big.zip", [("a.txt", data), ("b.txt", data + b"x")], compression=zipfile.ZIP_STORED)
    refusal = _refusal(path, limits)
    assert (refusal.code, refusal.message) == (
        "gtfs_archive_too_large",
        "The archive expands to 2001 bytes; at most 2000 are accepted.",
    )


def test_an_entry_that_expands_too_much_is_a_zip_bomb(tmp_path):
    path = _zip(tmp_path / "bomb.zip", [("stop_times.txt", b"0" * (2 * MIB))])
    refusal = _refusal(path)
    assert (refusal.code, refusal.message) == (
        "gtfs_compression_ratio",
        "The archive entry 'stop_times.txt' expands more than 100 times; refused as a zip bomb.",
    )
    # Up to 1 MiB an entry may compress as well as it likes.
    small = _zip(tmp_path / "small.zip", [("stop_times.txt", b"0" * MIB)])
    assert inspect_archive(small, LIMITS).uncompressed_bytes == MIB
    # A generous ratio accepts the same entry.
    generous = ArchiveLimits(max_bytes=10 * MIB, max_entries=5, max_uncompressed_bytes=8 * MIB, max_ratio=10_000)
    assert inspect_archive(path, generous).uncompressed_bytes == 2 * MIB


def test_entry_ratio_exactly_at_the_limit(tmp_path):
    # Stored entries: compressed size == size, ratio 1. A limit of 1 accepts them (not "more than").
    data = os.urandom(MIB + 10)
    path = _zip(tmp_path / "stored.zip", [("shapes.txt", data)], compression=zipfile.ZIP_STORED)
    ones = ArchiveLimits(max_bytes=10 * MIB, max_entries=5, max_uncompressed_bytes=8 * MIB, max_ratio=1)
    assert inspect_archive(path, ones).uncompressed_bytes == MIB + 10


def test_many_small_entries_that_expand_too_much_together(tmp_path):
    # Each entry stays below 1 MiB (no per-entry check), the archive as a whole is a bomb.
    path = _zip(tmp_path / "bombs.zip", [(f"f{i}.txt", b"0" * (MIB // 2)) for i in range(3)])
    refusal = _refusal(path)
    assert (refusal.code, refusal.message) == (
        "gtfs_compression_ratio",
        "The archive expands more than 100 times; refused as a zip bomb.",
    )
    # Two of them stay at 1 MiB in total: accepted.
    two = _zip(tmp_path / "two.zip", [(f"f{i}.txt", b"0" * (MIB // 2)) for i in range(2)])
    assert inspect_archive(two, LIMITS).uncompressed_bytes == MIB


def test_the_one_mebibyte_threshold(tmp_path):
    # One byte above 1 MiB the ratio is checked, per entry and for the archive.
    entry = _zip(tmp_path / "entry.zip", [("stop_times.txt", b"0" * (MIB + 1))])
    assert _refusal(entry).message == (
        "The archive entry 'stop_times.txt' expands more than 100 times; refused as a zip bomb."
    )
    total = _zip(tmp_path / "total.zip", [("a.txt", b"0" * (MIB // 2)), ("b.txt", b"0" * (MIB // 2 + 1))])
    refusal = _refusal(total)
    assert (refusal.code, refusal.message) == (
        "gtfs_compression_ratio",
        "The archive expands more than 100 times; refused as a zip bomb.",
    )


def test_archive_ratio_exactly_at_the_limit_is_accepted(tmp_path):
    # 1,052,672 bytes (4096 x 257) in two entries below 1 MiB, padded with a zip comment to a
    # file of exactly 4096 bytes: the ratio is exactly 257.
    entries = [("a.txt", b"0" * 526_336), ("b.txt", b"0" * 526_336)]
    path = tmp_path / "exact.zip"
    _zip(path, entries)
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = b"x" * (4096 - os.path.getsize(path))
    assert os.path.getsize(path) == 4096
    at_limit = ArchiveLimits(max_bytes=MIB, max_entries=5, max_uncompressed_bytes=2 * MIB, max_ratio=257)
    assert inspect_archive(str(path), at_limit).uncompressed_bytes == 1_052_672
    below = ArchiveLimits(max_bytes=MIB, max_entries=5, max_uncompressed_bytes=2 * MIB, max_ratio=256)
    assert _refusal(str(path), below).code == "gtfs_compression_ratio"


def test_an_entry_claiming_no_compressed_bytes(tmp_path):
    # A hostile directory may claim 0 compressed bytes: counted as 1, so 1.5 MiB is > 1 MiB x 1.
    path = _zip(tmp_path / "liar.zip", [("shapes.txt", b"0" * (3 * MIB // 2))])
    data = bytearray(Path(path).read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + 20 : central + 24] = (0).to_bytes(4, "little")  # compressed size
    Path(path).write_bytes(bytes(data))
    assert zipfile.ZipFile(path).infolist()[0].compress_size == 0
    limits = ArchiveLimits(max_bytes=10 * MIB, max_entries=5, max_uncompressed_bytes=8 * MIB, max_ratio=MIB)
    assert _refusal(path, limits).code == "gtfs_compression_ratio"
