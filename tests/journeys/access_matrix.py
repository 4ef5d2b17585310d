from datetime import timedelta

from django.utils import timezone

from tests.access import PUBLIC, Endpoint

ROWS = [
    Endpoint(
        "GET",
        "journey-search",
        PUBLIC,
        query=lambda ctx: {
            "from": "50.15,9.90",
            "to": "50.19,9.93",
            "depart_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    ),
]
