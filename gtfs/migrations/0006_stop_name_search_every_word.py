"""Stop search keys fold "ae/oe/ue" at the start of every word now ("Bad Oehringen" finds
"Bad Öhringen"), not only at the start of the name: recompute the stored keys."""

from django.db import migrations

BATCH = 2000


def recompute(apps, schema_editor):
    from gtfs.domain.names import search_key

    Stop = apps.get_model("gtfs", "Stop")
    changed = []
    for stop in Stop.objects.only("id", "name", "name_search").iterator(chunk_size=BATCH):
        key = search_key(stop.name)[:300]
        if key != stop.name_search:
            stop.name_search = key
            changed.append(stop)
        if len(changed) >= BATCH:
            Stop.objects.bulk_update(changed, ["name_search"])
            changed = []
    if changed:
        Stop.objects.bulk_update(changed, ["name_search"])


class Migration(migrations.Migration):
    dependencies = [("gtfs", "0005_buergerbus_booking_cancel_reason")]
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
