"""The demo region in a throw-away SQLite database, for the page benchmarks (in-process client)."""

from __future__ import annotations

import os
import tempfile
from io import StringIO
from pathlib import Path


def demo_site(prefix: str, log=print) -> Path:
    """Point Django at a fresh SQLite file and data directory, migrate, build the demo region.

    Throttles are lifted (the benchmark is one client asking many times). Returns the directory.
    """
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "mobility.settings",
            "DATABASE_URL": "",
            "REDIS_URL": "",
            "SQLITE_PATH": str(tmp / "db.sqlite3"),
            "DATA_DIR": str(tmp / "data"),
            "MEDIA_ROOT": str(tmp / "media"),
            "AUTH_THROTTLE_RATE": "100000/min",
            "SEARCH_THROTTLE_RATE": "100000/min",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    log("building the demo region …")
    call_command("migrate", "--noinput", verbosity=0)
    call_command("demo", stdout=StringIO())
    return tmp
