"""Car-sharing member pages and the map's GeoJSON layers (added to ``web.urls``)."""

from django.urls import path

from .views import carsharing, map

urlpatterns = [
    path("carsharing/", carsharing.stations, name="carsharing"),
    path("carsharing/mitglied-werden/", carsharing.membership_apply, name="carsharing_membership"),
    path("carsharing/fahrzeuge/<int:vehicle_id>/", carsharing.vehicle, name="carsharing_vehicle"),
    path("carsharing/fahrzeuge/<int:vehicle_id>/preis/", carsharing.vehicle_quote, name="carsharing_quote"),
    path("carsharing/fahrzeuge/<int:vehicle_id>/reservieren/", carsharing.reserve, name="carsharing_reserve"),
    path("carsharing/reservierungen/", carsharing.reservations, name="carsharing_reservations"),
    path("carsharing/reservierungen/<int:reservation_id>/", carsharing.reservation, name="carsharing_reservation"),
    path(
        "carsharing/reservierungen/<int:reservation_id>/bestaetigen/",
        carsharing.reservation_confirm,
        name="carsharing_confirm",
    ),
    path(
        "carsharing/reservierungen/<int:reservation_id>/stornieren/",
        carsharing.reservation_cancel,
        name="carsharing_cancel",
    ),
    path(
        "carsharing/reservierungen/<int:reservation_id>/verlaengern/",
        carsharing.reservation_extend,
        name="carsharing_extend",
    ),
    path(
        "carsharing/reservierungen/<int:reservation_id>/starten/",
        carsharing.reservation_check_in,
        name="carsharing_check_in",
    ),
    path(
        "carsharing/reservierungen/<int:reservation_id>/beenden/",
        carsharing.reservation_check_out,
        name="carsharing_check_out",
    ),
    path("carsharing/reservierungen/<int:reservation_id>/schaden/", carsharing.defect_report, name="carsharing_defect"),
    path("carsharing/karte-hinterlegen/", carsharing.card, name="carsharing_card"),
    path("carsharing/karte-hinterlegt/", carsharing.card_done, name="carsharing_card_done"),
    # the map
    path("karte/", map.map_page, name="map"),
    path("karte/roads.geojson", map.roads, name="map_roads"),
    path("karte/stops.geojson", map.stops, name="map_stops"),
    path("karte/lines.geojson", map.lines, name="map_lines"),
    path("karte/meeting_points.geojson", map.meeting_points, name="map_meeting_points"),
    path("karte/stations.geojson", map.stations, name="map_stations"),
]
