"""The operator console at ``/betrieb/`` (added to ``web.urls``). Operator role required."""

from django.urls import path

from .views import (
    operator,
    operator_buergerbus,
    operator_fleet,
    operator_people,
    operator_roadgraph,
    operator_timetables,
)

urlpatterns = [
    path("betrieb/", operator.dashboard, name="operator_dashboard"),
    path("betrieb/export/", operator.export, name="operator_export"),
    path("betrieb/bericht/<str:month>.pdf", operator.monthly_report, name="operator_monthly_report"),
    path("betrieb/diagramme/<slug:name>.svg", operator.chart, name="operator_dashboard_chart"),
    path("betrieb/nachfrage-karte.<slug:fmt>", operator.unmet_map_file, name="operator_unmet_map"),
    path("betrieb/fahrplaene/", operator_timetables.timetables, name="operator_timetables"),
    path("betrieb/fahrplaene/<int:feed_id>/", operator_timetables.feed_detail, name="operator_feed"),
    path(
        "betrieb/fahrplaene/<int:feed_id>/aktivieren/", operator_timetables.feed_activate, name="operator_feed_activate"
    ),
    path(
        "betrieb/fahrplaene/importe/<int:import_id>/",
        operator_timetables.import_detail,
        name="operator_timetable_import",
    ),
    path(
        "betrieb/fahrplaene/importe/<int:import_id>/stand/",
        operator_timetables.import_status,
        name="operator_timetable_import_status",
    ),
    path("betrieb/flotte/", operator_fleet.fleet, name="operator_fleet"),
    path(
        "betrieb/flotte/fahrzeuge/<int:vehicle_id>/betrieb/",
        operator_fleet.vehicle_service,
        name="operator_vehicle_service",
    ),
    path("betrieb/flotte/stationen/neu/", operator_fleet.station_create, name="operator_station_create"),
    path("betrieb/flotte/fahrzeuge/neu/", operator_fleet.vehicle_create, name="operator_vehicle_create"),
    path("betrieb/flotte/tarife/<int:vehicle_type_id>/", operator_fleet.tariff_edit, name="operator_fleet_tariff"),
    path("betrieb/personen/", operator_people.people, name="operator_people"),
    path("betrieb/personen/fahrer-loeschen/", operator_people.driver_erase, name="operator_driver_erase"),
    path("betrieb/personen/<int:user_id>/", operator_people.person, name="operator_people_detail"),
    path("betrieb/personen/<int:user_id>/rollen/", operator_people.person_roles, name="operator_people_roles"),
    path("betrieb/personen/<int:user_id>/loeschen/", operator_people.person_erase, name="operator_people_erase"),
    path("betrieb/zugriffsprotokoll/", operator_people.access_log, name="operator_access_log"),
    path("betrieb/buergerbus/", operator_buergerbus.editor, name="operator_buergerbus"),
    path("betrieb/buergerbus/haltestellen/", operator_buergerbus.stop_create, name="operator_buergerbus_stop"),
    path("betrieb/buergerbus/regeln/", operator_buergerbus.rule_create, name="operator_buergerbus_rule"),
    path("betrieb/buergerbus/linien/", operator_buergerbus.line_create, name="operator_buergerbus_line"),
    path("betrieb/buergerbus/fahrten/", operator_buergerbus.trip_create, name="operator_buergerbus_trip"),
    path("betrieb/buergerbus/haltestellen/lage/", operator_buergerbus.stop_hint, name="operator_buergerbus_stop_hint"),
    path(
        "betrieb/buergerbus/haltestellen/<int:pk>/", operator_buergerbus.stop_edit, name="operator_buergerbus_stop_edit"
    ),
    path(
        "betrieb/buergerbus/haltestellen/<int:pk>/loeschen/",
        operator_buergerbus.stop_delete,
        name="operator_buergerbus_stop_delete",
    ),
    path("betrieb/buergerbus/regeln/<int:pk>/", operator_buergerbus.rule_edit, name="operator_buergerbus_rule_edit"),
    path(
        "betrieb/buergerbus/regeln/<int:pk>/loeschen/",
        operator_buergerbus.rule_delete,
        name="operator_buergerbus_rule_delete",
    ),
    path("betrieb/buergerbus/linien/<int:pk>/", operator_buergerbus.line_edit, name="operator_buergerbus_line_edit"),
    path(
        "betrieb/buergerbus/linien/<int:pk>/loeschen/",
        operator_buergerbus.line_delete,
        name="operator_buergerbus_line_delete",
    ),
    path("betrieb/buergerbus/fahrten/<int:pk>/", operator_buergerbus.trip_edit, name="operator_buergerbus_trip_edit"),
    path(
        "betrieb/buergerbus/fahrten/<int:pk>/loeschen/",
        operator_buergerbus.trip_delete,
        name="operator_buergerbus_trip_delete",
    ),
    path("betrieb/buergerbus/vorschau/", operator_buergerbus.preview, name="operator_buergerbus_preview"),
    path("betrieb/buergerbus/gtfs.zip", operator_buergerbus.export, name="operator_buergerbus_export"),
    path("betrieb/strassennetz/", operator_roadgraph.roadgraph, name="operator_roadgraph"),
    path("betrieb/strassennetz/importe/<str:job_id>/", operator_roadgraph.roadgraph_job, name="operator_roadgraph_job"),
    path(
        "betrieb/strassennetz/importe/<str:job_id>/stand/",
        operator_roadgraph.roadgraph_job_status,
        name="operator_roadgraph_job_status",
    ),
]
