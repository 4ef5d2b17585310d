# The first stop-time table had no version column; it is replaced (not altered) because
# Django cannot migrate a primary key to a composite one. No data of value exists yet.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gtfs", "0001_timetable_and_bookings")]

    operations = [migrations.DeleteModel(name="StopTime")]
