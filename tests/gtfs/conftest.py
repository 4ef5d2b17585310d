"""Helpers for the GTFS tests: build small feeds in memory, read raw CSV from real zips."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

MINIMAL_FEED: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Test Bus,https://example.org,Europe/Berlin\n",
    "stops.txt": (
        "stop_id,stop_name,stop_lat,stop_lon\n"
        "S1,Mühlacker Bahnhof,48.95,8.84\nS2,Marktplatz,48.96,8.85\nS3,Schulzentrum,48.97,8.86\n"
    ),
    "routes.txt": "route_id,agency_id,route_short_name,route_long_name,route_type\nR1,A,801,Testlinie,3\n",
    "trips.txt": "route_id,service_id,trip_id,trip_headsign\nR1,WD,T1,Schulzentrum\nR1,WD,T2,Schulzentrum\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,S1,1\nT1,08:05:00,08:06:00,S2,2\nT1,08:10:00,08:10:00,S3,3\n"
        "T2,23:50:00,23:50:00,S1,1\nT2,24:05:00,24:05:00,S2,2\nT2,25:10:00,25:10:00,S3,3\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20240101,20241231\n"
    ),
    "calendar_dates.txt": "service_id,date,exception_type\nWD,20240501,2\nWD,20240504,1\n",
}


def build_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


@pytest.fixture
def make_feed(tmp_path):
    """``make_feed(**changes)`` writes MINIMAL_FEED with files replaced (None drops one)."""
    counter = {"n": 0}

    def build(files: dict[str, str | bytes | None] | None = None, name: str | None = None) -> Path:
        counter["n"] += 1
        content = dict(MINIMAL_FEED)
        for key, value in (files or {}).items():
            if value is None:
                content.pop(key, None)
            else:
                content[key] = value
        return build_zip(tmp_path / (name or f"feed{counter['n']}.zip"), content)

    return build


def raw_rows(path: Path, member: str) -> list[dict[str, str]]:
    """The rows of one file inside a GTFS zip, read with the csv module only."""
    with zipfile.ZipFile(path) as archive:
        names = {Path(n).name: n for n in archive.namelist()}
        if member not in names:
            return []
        with archive.open(names[member]) as handle:
            return [
                {k.strip(): (v or "").strip() for k, v in row.items() if k}
                for row in csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8-sig"))
            ]
