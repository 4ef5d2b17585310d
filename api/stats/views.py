"""Usage statistics for the operator and town-hall staff: anonymised tables and charts.

Access: the operator and town-hall staff (``IsTownStaff``). The figures are anonymous
(no ids, names or places; small cells suppressed), and staff prepare the council's slides,
so staff may read them too; residents get 403. No personal data is shown, so nothing is
written to the access audit log.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from api.permissions import IsTownStaff
from api.schema import error_responses
from mobility.errors import NotFound, ValidationFailed
from stats import conf
from stats.charts import CHARTS, chart_render
from stats.charts import FORMATS as CHART_FORMATS
from stats.exporters import FORMATS, filename, render
from stats.monthly_report import monthly_report_pdf
from stats.selectors.reports import report_build, report_query
from stats.selectors.unmet_map import unmet_map
from stats.unmet_exports import FORMATS as MAP_FORMATS
from stats.unmet_exports import render_unmet, unmet_filename
from stats.unmet_map_chart import unmet_map_render

from .serializers import (
    MonthQuerySerializer,
    RangeQuerySerializer,
    ReportQuerySerializer,
    ReportSerializer,
    UnmetMapQuerySerializer,
)


class FirstRenderer(BaseContentNegotiation):
    """``?format=`` chooses the export format here, not a DRF renderer: always render JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    if not serializer.is_valid():
        raise ValidationFailed("Invalid query parameters.", code="invalid_query", fields=serializer.errors)
    return serializer.validated_data


class ReportView(APIView):
    permission_classes = [IsTownStaff]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        operation_id="stats_report",
        summary="Anonymised usage statistics as JSON, CSV, XLSX or Parquet",
        parameters=[ReportQuerySerializer],
        responses={
            (200, "application/json"): ReportSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, FORMATS["xlsx"][0]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, FORMATS["parquet"][0]): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request):
        params = _validated(ReportQuerySerializer, request)
        query = report_query(
            section=params["section"], by=params["by"], period=params["period"], first=params["from"], last=params["to"]
        )
        report = report_build(query)
        fmt = params["format"]
        delimiter = ";" if params["delimiter"] == "semicolon" else ","
        body = render(report, fmt, int(conf.get("STATS_MIN_CELL")), delimiter=delimiter)
        response = HttpResponse(body, content_type=FORMATS[fmt][0])
        if fmt != "json":
            response["Content-Disposition"] = f'attachment; filename="{filename(report, fmt)}"'
        response["Cache-Control"] = "private, no-store"
        return response


class ChartView(APIView):
    permission_classes = [IsTownStaff]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        operation_id="stats_chart",
        summary="A chart for slides: utilisation-heatmap, monthly-trend or official-share (PNG or SVG)",
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(CHARTS)),
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(CHART_FORMATS)),
            RangeQuerySerializer,
        ],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request, name: str, fmt: str):
        if name not in CHARTS or fmt not in CHART_FORMATS:
            raise NotFound("No such chart.", code="unknown_chart")
        params = _validated(RangeQuerySerializer, request)
        report_query(section="carsharing", by="none", period="month", first=params["from"], last=params["to"])
        body = chart_render(name=name, fmt=fmt, first=params["from"], last=params["to"])
        response = HttpResponse(body, content_type=CHART_FORMATS[fmt])
        response["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
        response["Cache-Control"] = "private, no-store"
        return response


class MonthlyReportView(APIView):
    """The council's monthly report as one PDF, in the request's language (German by default)."""

    permission_classes = [IsTownStaff]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        operation_id="stats_monthly_report",
        summary="The monthly report for the council (PDF): car-sharing, Bürgerbus, ride-sharing, unmet demand",
        parameters=[MonthQuerySerializer],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        month = _validated(MonthQuerySerializer, request)["month"]
        body = monthly_report_pdf(month=month)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="mobilitaetsbericht-{month:%Y-%m}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class UnmetMapView(APIView):
    """Unmet demand per statistics zone (searches that found nothing or only poor options):
    GeoJSON or GeoPackage for QGIS, or the PNG map; anonymised like the other tables."""

    permission_classes = [IsTownStaff]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        operation_id="stats_unmet_map",
        summary="Unmet demand per statistics zone: GeoJSON (RFC 7946), GeoPackage or a PNG map",
        description=(
            "One square per origin zone (`side=destination`: per destination zone) with `searches`, "
            "`unmet` (found nothing or only poor options, "
            "see the README), `met`, `unmet_share` and `suppressed`; figures counting 1 to "
            "`STATS_MIN_CELL - 1` searches and their complements are null. The PNG draws the zones over "
            "the municipality's own road graph and village names (no map tiles)."
        ),
        parameters=[
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=[*MAP_FORMATS, "png"]),
            UnmetMapQuerySerializer,
        ],
        responses={
            (200, MAP_FORMATS["geojson"][0]): OpenApiResponse(OpenApiTypes.OBJECT),
            (200, MAP_FORMATS["gpkg"][0]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request, fmt: str):
        if fmt not in MAP_FORMATS and fmt != "png":
            raise NotFound("No such format.", code="unknown_format")
        params = _validated(UnmetMapQuerySerializer, request)
        first, last, side = params["from"], params["to"], params["side"]
        if fmt == "png":
            body = unmet_map_render(first=first, last=last, fmt="png", side=side)
            response = HttpResponse(body, content_type="image/png")
            response["Content-Disposition"] = (
                f'inline; filename="unerfuellte-nachfrage{"-ziele" if side == "destination" else ""}'
                f'-{first:%Y%m%d}-{last:%Y%m%d}.png"'
            )
        else:
            data = unmet_map(first=first, last=last, side=side)
            response = HttpResponse(render_unmet(data, fmt), content_type=MAP_FORMATS[fmt][0])
            disposition = "inline" if fmt == "geojson" else "attachment"
            response["Content-Disposition"] = f'{disposition}; filename="{unmet_filename(data, fmt)}"'
        response["Cache-Control"] = "private, no-store"
        return response
