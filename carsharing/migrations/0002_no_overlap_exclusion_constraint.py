"""PostgreSQL only: no two blocking reservations of one vehicle overlap (buffers included).

The exclusion constraint is the last word against double bookings, whatever path writes the
rows. SQLite has no such constraint; there the write transactions are serialised
(IMMEDIATE) and the service checks overlaps under that lock.
"""

from django.db import migrations

BLOCKING = "('held', 'confirmed', 'active', 'returned', 'settled')"  # = models.BLOCKING_STATUSES


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "ALTER TABLE carsharing_reservation ADD CONSTRAINT carsharing_no_overlap "
        "EXCLUDE USING gist (vehicle_id WITH =, tstzrange(start, blocked_until, '[)') WITH &&) "
        f"WHERE (status IN {BLOCKING})"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE carsharing_reservation DROP CONSTRAINT IF EXISTS carsharing_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("carsharing", "0001_fleet_members_reservations_payments")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
