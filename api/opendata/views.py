"""Open data: GBFS v3.0 for the car-sharing and the ride offers as GTFS. Public, no sign-in.

Neither feed holds personal data (see ``carsharing.gbfs`` and ``rides.gtfs_export``).
Authentication is switched off on these views: a stale or foreign token must not turn an
open-data request into a 401, and no session or CSRF state is involved.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import error_responses
from carsharing import gbfs
from mobility.errors import NotFound
from mobility.public_url import public_url
from rides import gtfs_export

CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
#: The ride GTFS is built at most once a minute per cache (Redis in production): planners poll.
GTFS_CACHE_KEY = "opendata:rides-gtfs.zip"
GTFS_CACHE_SECONDS = 60


class _FixedFormat(BaseContentNegotiation):
    """Each feed has one format; a client asking for ``application/zip`` or ``text/html`` gets it
    rather than a 406 (feed readers send all kinds of ``Accept`` headers)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _OpenDataView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _FixedFormat


def _feed_url(request):
    def build(name: str) -> str:
        if name == "gbfs":
            return request.build_absolute_uri(reverse("gbfs-discovery"))
        return request.build_absolute_uri(reverse("gbfs-feed", kwargs={"feed": name}))

    return build


def _gbfs_response(request, name: str) -> Response:
    document = gbfs.gbfs_document(name, feed_url=_feed_url(request), public_url=public_url(request))
    headers = {**CORS_HEADERS, "Cache-Control": f"public, max-age={document['ttl']}"}
    return Response(document, headers=headers)


class GbfsDiscoveryView(_OpenDataView):
    @extend_schema(
        operation_id="gbfs_discovery",
        summary="GBFS v3.0 auto-discovery (gbfs.json)",
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="GBFS v3.0 gbfs.json")},
        tags=["open data"],
    )
    def get(self, request):
        return _gbfs_response(request, "gbfs")


class GbfsFeedView(_OpenDataView):
    @extend_schema(
        operation_id="gbfs_feed",
        summary="One GBFS v3.0 feed of the car-sharing",
        parameters=[
            OpenApiParameter(
                "feed", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[f for f in gbfs.FEEDS if f != "gbfs"]
            )
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A GBFS v3.0 document"),
            **error_responses(404),
        },
        tags=["open data"],
    )
    def get(self, request, feed: str):
        if feed not in gbfs.FEEDS:
            raise NotFound("No GBFS feed %(feed)s; see gbfs.json.", code="unknown_feed", params={"feed": repr(feed)})
        return _gbfs_response(request, feed)


class RidesGtfsView(_OpenDataView):
    @extend_schema(
        operation_id="rides_gtfs_export",
        summary="Ride offers as a GTFS feed (stop level, no names)",
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="GTFS zip"),
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
        },
        tags=["open data"],
    )
    def get(self, request):
        base = public_url(request)
        key = f"{GTFS_CACHE_KEY}:{base}"  # the agency_url names the served host
        content = cache.get(key)
        if content is None:
            content = gtfs_export.gtfs_zip(public_url=base)
            cache.set(key, content, GTFS_CACHE_SECONDS)
        etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(content, content_type="application/zip")
            response["Content-Disposition"] = 'attachment; filename="rides-gtfs.zip"'
        response["ETag"] = etag
        response["Cache-Control"] = f"public, max-age={GTFS_CACHE_SECONDS}"
        response["Access-Control-Allow-Origin"] = "*"
        return response
