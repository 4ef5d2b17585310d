# PostgreSQL only: keep each feed version's stop times in their own partition
# (PARTITION BY LIST (version_id)). The import loads a new, unindexed partition table,
# builds its primary key and departure index in one pass each and attaches it, which is
# much faster than maintaining two B-trees row by row during COPY. Rows written through
# the API (the Bürgerbus timetable of a version created via the API) land in the default
# partition. SQLite keeps the plain table.

from django.db import migrations

FORWARD = [
    "ALTER TABLE gtfs_stoptime RENAME TO gtfs_stoptime_plain",
    "CREATE TABLE gtfs_stoptime (LIKE gtfs_stoptime_plain INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
    "PARTITION BY LIST (version_id)",
    "DROP TABLE gtfs_stoptime_plain",
    "ALTER TABLE gtfs_stoptime ADD CONSTRAINT gtfs_stoptime_pkey PRIMARY KEY (trip_id, stop_sequence, version_id)",
    "CREATE INDEX gtfs_stop_time_departure ON gtfs_stoptime (stop_id, departure_time)",
    "CREATE TABLE gtfs_stoptime_default PARTITION OF gtfs_stoptime DEFAULT",
]


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("gtfs", "0003_stop_times_by_version")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
