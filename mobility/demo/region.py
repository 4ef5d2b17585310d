"""The fictional municipality of Lindenau, generated deterministically.

Everything here is made up by this module (no data is copied from elsewhere): five villages
around the town hall in Lindenau and the district town Ahornstadt, a road network as OSM
XML, a regional bus feed and a Bürgerbus feed as GTFS zips (the Bürgerbus has a
booking-only line with GTFS-Flex ``booking_rules.txt``), the car-sharing fleet and the
Mitfahrbänke (meeting points) as JSON. The same call always writes the same bytes.

Coordinates are WGS84 degrees; distances in metres; GTFS times are seconds after midnight
of the service day in Europe/Berlin (hours past 24 are the next morning).
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from mobility.geo import haversine_m

# Calendar validity of both feeds: long enough for any demo run.
FEED_START = "20250101"
FEED_END = "20301231"
# Public holidays without weekday service (calendar_dates exception_type 2).
HOLIDAYS = ["20251225", "20251226", "20260101", "20261225", "20261226", "20270101"]


@dataclass(frozen=True)
class Village:
    slug: str
    name: str
    lat: float
    lon: float
    grid: int  # streets per direction in the village core


VILLAGES: tuple[Village, ...] = (
    Village("lindenau", "Lindenau", 50.1500, 9.9000, 5),
    Village("birkenfeld", "Birkenfeld", 50.1720, 9.8650, 3),
    Village("eichenrode", "Eichenrode", 50.1290, 9.8700, 3),
    Village("tannhausen", "Tannhausen", 50.1610, 9.9480, 3),
    Village("buchwald", "Buchwald", 50.1340, 9.9420, 3),
    Village("ahornstadt", "Ahornstadt", 50.1930, 9.9350, 5),
)
VILLAGE = {v.slug: v for v in VILLAGES}

# Country roads between villages: (from, to, name, highway class, maxspeed).
ROADS: tuple[tuple[str, str, str, str, int], ...] = (
    ("lindenau", "birkenfeld", "Birkenfelder Straße", "secondary", 100),
    ("lindenau", "eichenrode", "Eichenröder Weg", "tertiary", 80),
    ("lindenau", "tannhausen", "Tannhäuser Landstraße", "secondary", 100),
    ("lindenau", "buchwald", "Buchwalder Straße", "tertiary", 80),
    ("lindenau", "ahornstadt", "Kreisstraße 12", "primary", 100),
    ("birkenfeld", "ahornstadt", "Ahornstädter Weg", "tertiary", 70),
    ("tannhausen", "ahornstadt", "Landstraße 3045", "secondary", 100),
    ("eichenrode", "buchwald", "Waldweg", "unclassified", 60),
    ("tannhausen", "buchwald", "Mühlenweg", "unclassified", 60),
)

GRID_SPACING_M = 140.0
_M_PER_DEG_LAT = 111_320.0


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    d_lat = north_m / _M_PER_DEG_LAT
    d_lon = east_m / (_M_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(lat + d_lat, 7), round(lon + d_lon, 7)


@dataclass(frozen=True)
class RegionFiles:
    directory: Path
    road_network_osm: Path
    regional_bus_gtfs: Path
    buergerbus_gtfs: Path
    fleet_json: Path
    meeting_points_json: Path


# --- Road network -------------------------------------------------------------------------


class _OsmBuilder:
    def __init__(self) -> None:
        self.nodes: list[tuple[int, float, float]] = []
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self._next_node = 1
        self._next_way = 1

    def node(self, lat: float, lon: float) -> int:
        node_id = self._next_node
        self._next_node += 1
        self.nodes.append((node_id, lat, lon))
        return node_id

    def way(self, node_ids: list[int], tags: dict[str, str]) -> None:
        self.ways.append((self._next_way, node_ids, tags))
        self._next_way += 1

    def xml(self) -> str:
        out = io.StringIO()
        out.write("<?xml version='1.0' encoding='UTF-8'?>\n")
        out.write('<osm version="0.6" generator="mobility-demo">\n')
        lats = [lat for _, lat, _ in self.nodes]
        lons = [lon for _, _, lon in self.nodes]
        out.write(f'  <bounds minlat="{min(lats)}" minlon="{min(lons)}" maxlat="{max(lats)}" maxlon="{max(lons)}"/>\n')
        for node_id, lat, lon in self.nodes:
            out.write(f'  <node id="{node_id}" version="1" lat="{lat}" lon="{lon}"/>\n')
        for way_id, node_ids, tags in self.ways:
            out.write(f'  <way id="{way_id}" version="1">\n')
            for node_id in node_ids:
                out.write(f'    <nd ref="{node_id}"/>\n')
            for key, value in tags.items():
                out.write(f"    <tag k={quoteattr(key)} v={quoteattr(value)}/>\n")
            out.write("  </way>\n")
        out.write("</osm>\n")
        return out.getvalue()


_STREET_NAMES = ["Hauptstraße", "Kirchgasse", "Schulstraße", "Gartenweg", "Lindenallee", "Bachstraße"]
_CROSS_NAMES = ["Am Anger", "Brunnenweg", "Mühlgasse", "Feldstraße", "Rosenweg", "Bergstraße"]


def _village_grid(osm: _OsmBuilder, village: Village) -> dict[tuple[int, int], int]:
    """A street grid centred on the village; returns (row, col) -> node id."""
    n = village.grid
    half = (n - 1) / 2
    ids: dict[tuple[int, int], int] = {}
    for row in range(n):
        for col in range(n):
            lat, lon = _offset(village.lat, village.lon, (row - half) * GRID_SPACING_M, (col - half) * GRID_SPACING_M)
            ids[(row, col)] = osm.node(lat, lon)
    for row in range(n):
        tags = {"highway": "residential", "name": f"{_STREET_NAMES[row % 6]}", "maxspeed": "30"}
        if village.grid >= 5 and row == 1:
            tags["oneway"] = "yes"  # a one-way street in the bigger places
        osm.way([ids[(row, col)] for col in range(n)], tags)
    for col in range(n):
        tags = {"highway": "residential", "name": f"{_CROSS_NAMES[col % 6]}", "maxspeed": "30"}
        if village.grid >= 5 and col == n - 2:
            tags["oneway"] = "-1"
        osm.way([ids[(row, col)] for row in range(n)], tags)
    # A footpath across the square: not drivable, importers must drop it.
    osm.way([ids[(0, 0)], ids[(n - 1, n - 1)]], {"highway": "footway", "name": "Kirchpfad"})
    return ids


def _centre_node(grid: dict[tuple[int, int], int], village: Village) -> int:
    mid = village.grid // 2
    return grid[(mid, mid)]


def build_road_network() -> str:
    osm = _OsmBuilder()
    grids = {v.slug: _village_grid(osm, v) for v in VILLAGES}
    for a_slug, b_slug, name, highway, maxspeed in ROADS:
        a, b = VILLAGE[a_slug], VILLAGE[b_slug]
        start, end = _centre_node(grids[a_slug], a), _centre_node(grids[b_slug], b)
        length = haversine_m(a.lat, a.lon, b.lat, b.lon)
        steps = max(2, int(length // 300))
        chain = [start]
        for i in range(1, steps):
            f = i / steps
            # A gentle deterministic bend so roads are not perfectly straight.
            bend = math.sin(f * math.pi) * 120.0
            lat = a.lat + (b.lat - a.lat) * f
            lon = a.lon + (b.lon - a.lon) * f
            lat, lon = _offset(lat, lon, bend, -bend / 2)
            chain.append(osm.node(lat, lon))
        chain.append(end)
        osm.way(chain, {"highway": highway, "name": name, "maxspeed": str(maxspeed)})
    # A railway line that importers must ignore.
    rail = [osm.node(*_offset(VILLAGE["lindenau"].lat, VILLAGE["lindenau"].lon, -600 + 300 * i, 900)) for i in range(5)]
    osm.way(rail, {"railway": "rail", "name": "Nebenbahn"})
    return osm.xml()


# --- GTFS -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStop:
    stop_id: str
    name: str
    village: str
    north_m: float
    east_m: float

    @property
    def position(self) -> tuple[float, float]:
        v = VILLAGE[self.village]
        return _offset(v.lat, v.lon, self.north_m, self.east_m)


STOPS: tuple[DemoStop, ...] = (
    DemoStop("LIN-RH", "Lindenau Rathaus", "lindenau", 0, 0),
    DemoStop("LIN-SCH", "Lindenau Schulstraße", "lindenau", -280, 140),
    DemoStop("BIR-DP", "Birkenfeld Dorfplatz", "birkenfeld", 0, 0),
    DemoStop("EIC-KI", "Eichenrode Kirche", "eichenrode", 0, 0),
    DemoStop("TAN-ML", "Tannhausen Mühle", "tannhausen", 0, 0),
    DemoStop("BUC-FW", "Buchwald Feuerwehr", "buchwald", 0, 0),
    DemoStop("AHO-BF", "Ahornstadt Bahnhof", "ahornstadt", 0, 0),
    DemoStop("AHO-MK", "Ahornstadt Markt", "ahornstadt", 280, -140),
)
STOP = {s.stop_id: s for s in STOPS}


#: calendar.txt's columns, in both demo feeds.
CALENDAR_COLUMNS = [
    "service_id",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "start_date",
    "end_date",
]


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _csv(rows: list[dict[str, object]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in columns})
    return out.getvalue()


def _write_zip(path: Path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])


def _travel_seconds(a: str, b: str, kmh: float) -> int:
    sa, sb = STOP[a].position, STOP[b].position
    metres = haversine_m(*sa, *sb) * 1.3  # road detour over the straight line
    seconds = metres / (kmh / 3.6)
    return int(math.ceil(seconds / 60.0)) * 60  # whole minutes, like printed timetables


def _trip_times(stop_ids: list[str], start: int, kmh: float, dwell: int = 0) -> list[tuple[str, int, int]]:
    out = []
    t = start
    for i, stop_id in enumerate(stop_ids):
        if i > 0:
            t += _travel_seconds(stop_ids[i - 1], stop_id, kmh)
        out.append((stop_id, t, t + dwell))
        t += dwell
    return out


def _stops_rows(stop_ids: list[str]) -> list[dict[str, object]]:
    rows = []
    for stop_id in stop_ids:
        s = STOP[stop_id]
        lat, lon = s.position
        rows.append({"stop_id": s.stop_id, "stop_name": s.name, "stop_lat": f"{lat:.6f}", "stop_lon": f"{lon:.6f}"})
    return rows


def build_regional_feed() -> dict[str, str]:
    """Regionalbus Lindenau-Land: lines R10 and R20 to the district town, all week."""
    lines = {
        "R10": ("R10", "Birkenfeld – Lindenau – Tannhausen – Ahornstadt", ["BIR-DP", "LIN-RH", "TAN-ML", "AHO-BF"]),
        "R20": ("R20", "Eichenrode – Lindenau – Buchwald – Ahornstadt", ["EIC-KI", "LIN-SCH", "BUC-FW", "AHO-MK"]),
    }
    # service_id -> (weekday flags Mon..Sun, first departure, last departure, headway)
    services = {
        "WK": ((1, 1, 1, 1, 1, 0, 0), 5 * 3600 + 30 * 60, 22 * 3600 + 30 * 60, 3600),
        "SA": ((0, 0, 0, 0, 0, 1, 0), 7 * 3600, 21 * 3600, 2 * 3600),
        "SO": ((0, 0, 0, 0, 0, 0, 1), 9 * 3600, 19 * 3600, 2 * 3600),
    }
    trips, stop_times = [], []
    for route_id, (_, _, stop_ids) in lines.items():
        offset = 0 if route_id == "R10" else 15 * 60
        for service_id, (_, first, last, headway) in services.items():
            for direction in (0, 1):
                sequence = stop_ids if direction == 0 else list(reversed(stop_ids))
                headsign = STOP[sequence[-1]].name
                t = first + offset
                n = 0
                while t <= last:
                    trip_id = f"{route_id}-{service_id}-{direction}-{n:02d}"
                    trips.append(
                        {
                            "route_id": route_id,
                            "service_id": service_id,
                            "trip_id": trip_id,
                            "trip_headsign": headsign,
                            "direction_id": direction,
                        }
                    )
                    for seq, (stop_id, arr, dep) in enumerate(_trip_times(sequence, t, 55, dwell=60), start=1):
                        stop_times.append(
                            {
                                "trip_id": trip_id,
                                "arrival_time": _hms(arr),
                                "departure_time": _hms(dep),
                                "stop_id": stop_id,
                                "stop_sequence": seq,
                            }
                        )
                    n += 1
                    t += headway
        # A late weekday trip that runs past midnight (service day times beyond 24:00).
        late_id = f"{route_id}-WK-0-late"
        trips.append(
            {
                "route_id": route_id,
                "service_id": "WK",
                "trip_id": late_id,
                "trip_headsign": STOP[stop_ids[-1]].name,
                "direction_id": 0,
            }
        )
        for seq, (stop_id, arr, dep) in enumerate(_trip_times(stop_ids, 23 * 3600 + 50 * 60 + offset, 55, 60), 1):
            stop_times.append(
                {
                    "trip_id": late_id,
                    "arrival_time": _hms(arr),
                    "departure_time": _hms(dep),
                    "stop_id": stop_id,
                    "stop_sequence": seq,
                }
            )
    all_stops = sorted({s for _, _, ids in lines.values() for s in ids})
    calendar = [
        {
            "service_id": sid,
            **dict(
                zip(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], flags, strict=True)
            ),
            "start_date": FEED_START,
            "end_date": FEED_END,
        }
        for sid, (flags, *_rest) in services.items()
    ]
    calendar_dates = [{"service_id": "WK", "date": day, "exception_type": 2} for day in HOLIDAYS]
    calendar_dates += [{"service_id": "SO", "date": day, "exception_type": 1} for day in HOLIDAYS]
    return {
        "agency.txt": _csv(
            [
                {
                    "agency_id": "RLL",
                    "agency_name": "Regionalbus Lindenau-Land (Demo)",
                    "agency_url": "https://regionalbus.lindenau.example",
                    "agency_timezone": "Europe/Berlin",
                    "agency_lang": "de",
                }
            ],
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
        ),
        "stops.txt": _csv(_stops_rows(all_stops), ["stop_id", "stop_name", "stop_lat", "stop_lon"]),
        "routes.txt": _csv(
            [
                {
                    "route_id": rid,
                    "agency_id": "RLL",
                    "route_short_name": short,
                    "route_long_name": long,
                    "route_type": 3,
                }
                for rid, (short, long, _) in lines.items()
            ],
            ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
        ),
        "trips.txt": _csv(trips, ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"]),
        "stop_times.txt": _csv(stop_times, ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]),
        "calendar.txt": _csv(
            calendar,
            CALENDAR_COLUMNS,
        ),
        "calendar_dates.txt": _csv(calendar_dates, ["service_id", "date", "exception_type"]),
        "transfers.txt": _csv(
            [
                {"from_stop_id": "LIN-RH", "to_stop_id": "LIN-SCH", "transfer_type": 2, "min_transfer_time": 300},
                {"from_stop_id": "LIN-SCH", "to_stop_id": "LIN-RH", "transfer_type": 2, "min_transfer_time": 300},
            ],
            ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"],
        ),
        "feed_info.txt": _csv(
            [
                {
                    "feed_publisher_name": "Gemeinde Lindenau (Demo)",
                    "feed_publisher_url": "https://lindenau.example",
                    "feed_lang": "de",
                    "feed_start_date": FEED_START,
                    "feed_end_date": FEED_END,
                    "feed_version": "demo-1",
                }
            ],
            [
                "feed_publisher_name",
                "feed_publisher_url",
                "feed_lang",
                "feed_start_date",
                "feed_end_date",
                "feed_version",
            ],
        ),
    }


BUERGERBUS_PHONE = "+49 6000 123456"


#: The Rufbus zone (GTFS-Flex ``locations.geojson``): Eichenrode and Buchwald with the land
#: between them, served door to door on weekday afternoons (lon, lat, a closed ring).
RUFBUS_ZONE_ID = "rufbus-eichenrode-buchwald"
RUFBUS_ZONE = [[9.855, 50.121], [9.957, 50.121], [9.957, 50.142], [9.855, 50.142], [9.855, 50.121]]
RUFBUS_WINDOW = ("13:00:00", "18:00:00")


def _rufbus_locations() -> str:
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": RUFBUS_ZONE_ID,
                "properties": {"stop_name": "Rufbus Eichenrode – Buchwald"},
                "geometry": {"type": "Polygon", "coordinates": [RUFBUS_ZONE]},
            }
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def build_buergerbus_feed() -> dict[str, str]:
    """Bürgerbus Lindenau e.V.: BB1 runs to a timetable, BB2 only when booked by 18:00 the day
    before, RB3 door to door in the zone around Eichenrode and Buchwald on weekday afternoons
    (booked at least an hour ahead; GTFS-Flex ``locations.geojson`` and pickup/drop-off windows)."""
    lines = {
        "BB1": ("BB1", "Dorfrunde Lindenau – Eichenrode – Buchwald", ["LIN-RH", "EIC-KI", "BUC-FW", "LIN-SCH"], False),
        "BB2": ("BB2", "Rufbus Lindenau – Birkenfeld – Tannhausen", ["LIN-RH", "BIR-DP", "TAN-ML"], True),
    }
    departures = {"BB1": [8 * 3600, 10 * 3600, 14 * 3600, 16 * 3600], "BB2": [9 * 3600, 13 * 3600, 17 * 3600]}
    trips, stop_times = [], []
    for route_id, (_, _, stop_ids, booking) in lines.items():
        for n, start in enumerate(departures[route_id]):
            sequence = stop_ids if n % 2 == 0 or route_id == "BB1" else list(reversed(stop_ids))
            trip_id = f"{route_id}-{n + 1:02d}"
            trips.append(
                {
                    "route_id": route_id,
                    "service_id": "MOFR",
                    "trip_id": trip_id,
                    "trip_headsign": STOP[sequence[-1]].name,
                }
            )
            for seq, (stop_id, arr, dep) in enumerate(_trip_times(sequence, start, 40), start=1):
                row = {
                    "trip_id": trip_id,
                    "arrival_time": _hms(arr),
                    "departure_time": _hms(dep),
                    "stop_id": stop_id,
                    "stop_sequence": seq,
                }
                if booking:
                    # GTFS: 2 = must phone/book ahead.
                    row.update(
                        {
                            "pickup_type": 2,
                            "drop_off_type": 2,
                            "pickup_booking_rule_id": "BB2-VORTAG",
                            "drop_off_booking_rule_id": "BB2-VORTAG",
                        }
                    )
                stop_times.append(row)
    all_stops = sorted({s for _, _, ids, _ in lines.values() for s in ids})
    trips.append({"route_id": "RB3", "service_id": "MOFR", "trip_id": "RB3-NACHMITTAG", "trip_headsign": "Rufbus"})
    for seq, (pickup, drop_off) in enumerate(((2, 1), (1, 2)), start=1):
        stop_times.append(
            {
                "trip_id": "RB3-NACHMITTAG",
                "stop_sequence": seq,
                "location_id": RUFBUS_ZONE_ID,
                "start_pickup_drop_off_window": RUFBUS_WINDOW[0],
                "end_pickup_drop_off_window": RUFBUS_WINDOW[1],
                "pickup_type": pickup,
                "drop_off_type": drop_off,
                "pickup_booking_rule_id": "RB3-STUNDE" if pickup == 2 else "",
                "drop_off_booking_rule_id": "RB3-STUNDE" if drop_off == 2 else "",
            }
        )
    return {
        "locations.geojson": _rufbus_locations(),
        "agency.txt": _csv(
            [
                {
                    "agency_id": "BBL",
                    "agency_name": "Bürgerbus Lindenau e.V. (Demo)",
                    "agency_url": "https://buergerbus.lindenau.example",
                    "agency_timezone": "Europe/Berlin",
                    "agency_lang": "de",
                    "agency_phone": BUERGERBUS_PHONE,
                }
            ],
            ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang", "agency_phone"],
        ),
        "stops.txt": _csv(_stops_rows(all_stops), ["stop_id", "stop_name", "stop_lat", "stop_lon"]),
        "routes.txt": _csv(
            [
                {
                    "route_id": rid,
                    "agency_id": "BBL",
                    "route_short_name": short,
                    "route_long_name": long,
                    "route_type": 3,
                }
                for rid, (short, long, _, _) in lines.items()
            ]
            + [
                {
                    "route_id": "RB3",
                    "agency_id": "BBL",
                    "route_short_name": "RB3",
                    "route_long_name": "Rufbus Eichenrode – Buchwald (Haustür zu Haustür)",
                    "route_type": 3,
                }
            ],
            ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
        ),
        "trips.txt": _csv(trips, ["route_id", "service_id", "trip_id", "trip_headsign"]),
        "stop_times.txt": _csv(
            stop_times,
            [
                "trip_id",
                "arrival_time",
                "departure_time",
                "stop_id",
                "stop_sequence",
                "pickup_type",
                "drop_off_type",
                "pickup_booking_rule_id",
                "drop_off_booking_rule_id",
                "location_id",
                "start_pickup_drop_off_window",
                "end_pickup_drop_off_window",
            ],
        ),
        "calendar.txt": _csv(
            [
                {
                    "service_id": "MOFR",
                    "monday": 1,
                    "tuesday": 1,
                    "wednesday": 1,
                    "thursday": 1,
                    "friday": 1,
                    "saturday": 0,
                    "sunday": 0,
                    "start_date": FEED_START,
                    "end_date": FEED_END,
                }
            ],
            CALENDAR_COLUMNS,
        ),
        "calendar_dates.txt": _csv(
            [{"service_id": "MOFR", "date": day, "exception_type": 2} for day in HOLIDAYS],
            ["service_id", "date", "exception_type"],
        ),
        "booking_rules.txt": _csv(
            [
                {
                    "booking_rule_id": "BB2-VORTAG",
                    "booking_type": 2,
                    "prior_notice_last_day": 1,
                    "prior_notice_last_time": "18:00:00",
                    "message": "Der Rufbus BB2 fährt nur nach Anmeldung bis 18 Uhr am Vortag.",
                    "phone_number": BUERGERBUS_PHONE,
                    "info_url": "https://buergerbus.lindenau.example/rufbus",
                },
                {
                    "booking_rule_id": "RB3-STUNDE",
                    "booking_type": 1,
                    "prior_notice_duration_min": 60,
                    "message": "Der Rufbus RB3 holt Sie an der Haustür ab; bitte mindestens eine Stunde vorher buchen.",
                    "phone_number": BUERGERBUS_PHONE,
                    "info_url": "https://buergerbus.lindenau.example/rufbus",
                },
            ],
            [
                "booking_rule_id",
                "booking_type",
                "prior_notice_duration_min",
                "prior_notice_last_day",
                "prior_notice_last_time",
                "message",
                "phone_number",
                "info_url",
            ],
        ),
    }


# --- Car-sharing fleet and meeting points ----------------------------------------------------


def build_fleet() -> dict[str, list[dict[str, object]]]:
    def at(village: str, north: float, east: float) -> dict[str, float]:
        lat, lon = _offset(VILLAGE[village].lat, VILLAGE[village].lon, north, east)
        return {"lat": lat, "lon": lon}

    return {
        "stations": [
            {
                "name": "Rathaus Lindenau",
                **at("lindenau", 40, -60),
                "address": "Hauptstraße 1, Lindenau",
                "access_notes": "Parkplatz hinter dem Rathaus, Ladesäule links.",
            },
            {
                "name": "Dorfplatz Birkenfeld",
                **at("birkenfeld", 30, 20),
                "address": "Dorfplatz 3, Birkenfeld",
                "access_notes": "Neben dem Dorfgemeinschaftshaus.",
            },
            {
                "name": "Mühle Tannhausen",
                **at("tannhausen", -20, 40),
                "address": "Mühlenweg 2, Tannhausen",
                "access_notes": "Schlüsselbox am Carport, Code in der App.",
            },
        ],
        "vehicle_types": [
            {"name": "E-Kleinwagen", "seats": 4, "propulsion": "electric", "range_km": 260},
            {"name": "Kombi", "seats": 5, "propulsion": "combustion", "range_km": 750},
            {"name": "Neunsitzer", "seats": 9, "propulsion": "combustion", "range_km": 650},
        ],
        "vehicles": [
            {"plate": "LD-GL 101E", "type": "E-Kleinwagen", "station": "Rathaus Lindenau"},
            {"plate": "LD-GL 102E", "type": "E-Kleinwagen", "station": "Rathaus Lindenau"},
            {"plate": "LD-GL 201", "type": "Kombi", "station": "Dorfplatz Birkenfeld"},
            {"plate": "LD-GL 301", "type": "Neunsitzer", "station": "Mühle Tannhausen"},
        ],
        "tariffs": [
            {"vehicle_type": "E-Kleinwagen", "per_hour_cents": 450, "daily_cap_cents": 4500, "per_km_cents": 19},
            {"vehicle_type": "Kombi", "per_hour_cents": 550, "daily_cap_cents": 5500, "per_km_cents": 25},
            {"vehicle_type": "Neunsitzer", "per_hour_cents": 800, "daily_cap_cents": 7500, "per_km_cents": 32},
        ],
    }


def build_meeting_points() -> list[dict[str, object]]:
    points = []
    for village in VILLAGES:
        lat, lon = _offset(village.lat, village.lon, 70, 70)
        points.append({"name": f"Mitfahrbank {village.name}", "lat": lat, "lon": lon, "kind": "mitfahrbank"})
    return points


def build_region_files(out_dir: Path) -> RegionFiles:
    """Write every demo file into ``out_dir`` (created if needed) and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = RegionFiles(
        directory=out_dir,
        road_network_osm=out_dir / "lindenau-roads.osm",
        regional_bus_gtfs=out_dir / "regionalbus-lindenau.zip",
        buergerbus_gtfs=out_dir / "buergerbus-lindenau.zip",
        fleet_json=out_dir / "fleet.json",
        meeting_points_json=out_dir / "meeting-points.json",
    )
    files.road_network_osm.write_text(build_road_network(), encoding="utf-8")
    _write_zip(files.regional_bus_gtfs, build_regional_feed())
    _write_zip(files.buergerbus_gtfs, build_buergerbus_feed())
    files.fleet_json.write_text(json.dumps(build_fleet(), ensure_ascii=False, indent=2), encoding="utf-8")
    files.meeting_points_json.write_text(
        json.dumps(build_meeting_points(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return files
