"""A full dump of the test database as text, to search for personal data after an erasure."""

import subprocess

from django.db import connection


def database_dump() -> str:
    if connection.vendor == "postgresql":
        # pg_dump is another session: it sees only committed rows, so a test inside a
        # transaction would search an empty dump and could never fail.
        if connection.in_atomic_block:
            raise RuntimeError("database_dump() on PostgreSQL needs django_db(transaction=True)")
        settings = connection.settings_dict
        result = subprocess.run(
            [
                "pg_dump",
                "--data-only",
                "-h",
                settings["HOST"] or "127.0.0.1",
                "-p",
                str(settings["PORT"] or 5432),
                "-U",
                settings["USER"] or "postgres",
                settings["NAME"],
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return result.stdout
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())
