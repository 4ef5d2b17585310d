"""``ondemand.domain.osm_places`` on tiny hand-written extracts (no database, no shared data).

Every tag rule of ``kind_of`` at its edges, and ``places_from_osm`` on a five-object OSM XML
file and the same objects as a ``.pbf`` (the pyosmium conversion), compared object by object.
"""

from __future__ import annotations

import osmium
import pytest

from ondemand.domain.osm_places import MITFAHRBANK, PARKING, QUERY_TAGS, STOP, PlaceFound, kind_of, places_from_osm


def test_the_kinds_and_the_query():
    assert (MITFAHRBANK, PARKING, STOP) == ("mitfahrbank", "parking", "stop")
    assert QUERY_TAGS == {
        "highway": True,
        "public_transport": True,
        "park_ride": True,
        "amenity": True,
        "ride_sharing": True,
    }


@pytest.mark.parametrize(
    ("tags", "kind"),
    [
        ({"name": "Mitfahrbank"}, MITFAHRBANK),
        ({"name": "MITFAHRERBANK am Rathaus"}, MITFAHRBANK),  # any case, anywhere in the name
        ({"name": "Alte mitfahrbank"}, MITFAHRBANK),
        ({"name": "Mitfahrerbänke"}, None),
        ({"name": "Mitfahr bank"}, None),
        ({"name": ""}, None),
        ({"ride_sharing": "yes"}, MITFAHRBANK),
        ({"ride_sharing": "no"}, None),
        ({"ride_sharing": "YES"}, None),
        # the bench wins over the other rules
        ({"name": "Mitfahrbank", "highway": "bus_stop"}, MITFAHRBANK),
        ({"ride_sharing": "yes", "park_ride": "yes"}, MITFAHRBANK),
        ({"park_ride": "yes"}, PARKING),
        ({"park_ride": "bus"}, PARKING),
        ({"park_ride": "no"}, None),
        ({"park_ride": ""}, None),
        ({"park_ride": "yes", "highway": "bus_stop"}, PARKING),
        ({"highway": "bus_stop"}, STOP),
        ({"highway": "bus_station"}, None),
        ({"highway": "platform"}, None),
        ({"public_transport": "platform", "bus": "yes"}, STOP),
        ({"public_transport": "stop_position", "bus": "yes"}, STOP),
        ({"public_transport": "station", "bus": "yes"}, None),
        ({"public_transport": "platform", "bus": "no"}, None),
        ({"public_transport": "platform"}, None),
        ({"bus": "yes"}, None),
        ({}, None),
    ],
)
def test_kind_of_at_every_rule_edge(tags, kind):
    assert kind_of(tags) == kind


EXTRACT = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" version="1" lat="48.5900000" lon="8.8600000">
    <tag k="highway" v="bus_stop"/><tag k="name" v="Rathaus"/>
  </node>
  <node id="2" version="1" lat="48.5910000" lon="8.8610000">
    <tag k="amenity" v="bench"/><tag k="name" v="Mitfahrbank Kirche"/>
  </node>
  <node id="3" version="1" lat="48.5920000" lon="8.8620000">
    <tag k="amenity" v="bench"/><tag k="name" v="Bank"/>
  </node>
  <node id="4" version="1" lat="48.6000000" lon="8.8700000"/>
  <node id="5" version="1" lat="48.6000000" lon="8.8720000"/>
  <node id="6" version="1" lat="48.6020000" lon="8.8720000"/>
  <node id="7" version="1" lat="48.6020000" lon="8.8700000"/>
  <node id="8" version="1" lat="48.5800000" lon="8.8500000">
    <tag k="public_transport" v="platform"/><tag k="bus" v="yes"/><tag k="name" v="Bahnhof"/>
  </node>
  <node id="9" version="1" lat="48.5700000449" lon="8.8400000449">
    <tag k="highway" v="bus_stop"/>
  </node>
  <node id="12" version="1" lat="48.5600000" lon="8.8300000">
    <tag k="leisure" v="picnic_table"/><tag k="name" v="Mitfahrbank"/>
  </node>
  <way id="10" version="1">
    <nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="4"/>
    <tag k="amenity" v="parking"/><tag k="park_ride" v="yes"/><tag k="name" v="P+R Nord"/>
  </way>
  <way id="11" version="1">
    <nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="4"/>
    <tag k="amenity" v="parking"/><tag k="park_ride" v="no"/>
  </way>
  <relation id="10" version="1">
    <member type="node" ref="1" role=""/><member type="node" ref="8" role=""/>
    <tag k="type" v="route"/><tag k="route" v="bus"/>
  </relation>
</osm>
"""

EXPECTED_KEYS = [
    ("mitfahrbank", "Mitfahrbank Kirche", "node", 2),
    ("parking", "P+R Nord", "way", 10),
    ("stop", "", "node", 9),
    ("stop", "Bahnhof", "node", 8),
    ("stop", "Rathaus", "node", 1),
]


def _check(places: list[PlaceFound]) -> None:
    """Node 12 is named "Mitfahrbank" but has none of the queried tags (not a bench or stop):
    osmnx is asked only for ``QUERY_TAGS``, so it is not suggested."""
    assert [(p.kind, p.name, p.osm_type, p.osm_id) for p in places] == EXPECTED_KEYS
    bank, lot, unnamed, bahnhof, rathaus = places
    # rounded to 7 decimals (about 1 cm)
    assert (unnamed.lat, unnamed.lon) == (48.57, 8.84)
    assert (rathaus.lat, rathaus.lon) == (48.59, 8.86)
    assert (bank.lat, bank.lon) == (48.591, 8.861)
    assert (bahnhof.lat, bahnhof.lon) == (48.58, 8.85)
    # the area's point lies inside the square (48.600-48.602 N, 8.870-8.872 E)
    assert 48.6 < lot.lat < 48.602 and 8.87 < lot.lon < 8.872
    assert lot.lat == round(lot.lat, 7) and lot.lon == round(lot.lon, 7)
    assert all(isinstance(p.osm_id, int) and isinstance(p.lat, float) for p in places)


def test_places_from_an_osm_xml_file(tmp_path):
    path = tmp_path / "tiny.osm"
    path.write_text(EXTRACT, encoding="utf-8")
    _check(places_from_osm(path))
    _check(places_from_osm(str(path)))


def test_places_from_a_pbf_file_go_through_the_conversion(tmp_path):
    xml = tmp_path / "tiny.osm"
    xml.write_text(EXTRACT, encoding="utf-8")
    pbf = tmp_path / "tiny.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
            else:  # a route relation sharing the area's id: the conversion reads nodes and ways only
                writer.add_relation(obj)
    _check(places_from_osm(pbf))


def test_an_extract_without_any_queried_tag_gives_none(tmp_path):
    # osmnx raises InsufficientResponseError when no object has a queried tag
    path = tmp_path / "untagged.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
        '  <node id="1" version="1" lat="48.59" lon="8.86"><tag k="leisure" v="park"/></node>\n'
        '  <node id="2" version="1" lat="48.60" lon="8.87"/>\n'
        "</osm>\n",
        encoding="utf-8",
    )
    assert places_from_osm(path) == []


def test_an_extract_without_suggestions_gives_none(tmp_path):
    path = tmp_path / "empty.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
        '  <node id="1" version="1" lat="48.59" lon="8.86"><tag k="amenity" v="bench"/></node>\n'
        "</osm>\n",
        encoding="utf-8",
    )
    assert places_from_osm(path) == []
