"""``/api/v1/``: the API root, a map of the API with links a client can follow."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

# (key, URL name, what it is for); the order is the order a newcomer reads them in.
LINKS: tuple[tuple[str, str], ...] = (
    ("docs", "swagger-ui"),
    ("redoc", "redoc"),
    ("schema", "schema"),
    ("login", "auth-login"),
    ("register", "auth-register"),
    ("me", "me"),
    ("journeys", "journey-search"),
    ("stops", "gtfs-stop-list"),
    ("departures", "gtfs-departures"),
    ("routes", "gtfs-route-list"),
    ("feeds", "gtfs-feed-list"),
    ("buergerbus_bookings", "buergerbus-booking-list"),
    ("meeting_points", "ride-meeting-point-list"),
    ("ride_offers", "ride-offer-list"),
    ("ride_requests", "ride-request-list"),
    ("ride_bookings", "ride-booking-list"),
    ("carsharing_stations", "carsharing-stations"),
    ("carsharing_vehicles", "carsharing-vehicles"),
    ("carsharing_quote", "carsharing-quote"),
    ("carsharing_membership", "carsharing-my-membership"),
    ("carsharing_reservations", "carsharing-reservations"),
    ("notifications", "notification-list"),
    ("data_export", "me-data-export"),
    ("gbfs", "gbfs-discovery"),
    ("health", "healthz"),
    ("ready", "readyz"),
)


def api_links(request) -> dict[str, str]:
    """Absolute URLs of the API's entry points, for the host and port the client used."""
    return {key: request.build_absolute_uri(reverse(name)) for key, name in LINKS}


def _root_body(request) -> dict:
    return {
        "name": _("API der Mobilitätsplattform Lindenau"),
        "version": "v1",
        "description": _(
            "Bus und Bürgerbus, Mitfahren und Carsharing in einer Suche. "
            "Beginnen Sie mit journeys; die Dokumentation beschreibt jeden Endpunkt."
        ),
        "links": api_links(request),
    }


class ApiRootView(APIView):
    """The API root: what this API is and links to every entry point (docs, schema, search, …)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={
            200: inline_serializer(
                "ApiRoot",
                {
                    "name": serializers.CharField(),
                    "version": serializers.CharField(),
                    "description": serializers.CharField(),
                    "links": serializers.DictField(child=serializers.URLField()),
                },
            )
        }
    )
    def get(self, request):
        return Response(_root_body(request))
