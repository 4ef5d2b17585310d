"""Query and response shapes of the statistics endpoints."""

from __future__ import annotations

from rest_framework import serializers

from api.validators import validate_supported_date, validate_supported_month
from stats.charts import CHARTS
from stats.domain.periods import PERIODS
from stats.exporters import FORMATS
from stats.selectors.reports import SECTIONS
from stats.selectors.unmet_map import SIDES

DIMENSIONS = sorted({d for dims in SECTIONS.values() for d in dims})


class RangeQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(
        help_text="First local date (YYYY-MM-DD), included", validators=[validate_supported_date]
    )
    to = serializers.DateField(help_text="Last local date (YYYY-MM-DD), included", validators=[validate_supported_date])

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class UnmetMapQuerySerializer(RangeQuerySerializer):
    side = serializers.ChoiceField(
        choices=list(SIDES),
        default="origin",
        help_text="Count a search in the zone it started from (origin) or the zone it went to (destination)",
    )


class MonthQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", help_text="The report's month, YYYY-MM", validators=[validate_supported_month]
    )

    def validate_month(self, value: str):
        from datetime import date

        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)


class ReportQuerySerializer(RangeQuerySerializer):
    section = serializers.ChoiceField(choices=list(SECTIONS), default="carsharing")
    by = serializers.ChoiceField(
        choices=DIMENSIONS,
        default="none",
        help_text="carsharing: none|vehicle|station|hour_of_week; rides: none|hour_of_week; "
        "buergerbus: none|line|trip; searches: none|zone_pair",
    )
    period = serializers.ChoiceField(choices=list(PERIODS), default="month")
    format = serializers.ChoiceField(choices=list(FORMATS), default="json")
    delimiter = serializers.ChoiceField(
        choices=["comma", "semicolon"],
        default="comma",
        help_text="CSV only: semicolon = for German Excel (decimal commas, German headers with units)",
    )


class ReportRowSerializer(serializers.Serializer):
    """One table line; the figure columns depend on ``section`` (missing = suppressed)."""

    period = serializers.CharField(help_text="ISO date of the period's first local day, or 'total'")
    suppressed = serializers.BooleanField()


class ReportSerializer(serializers.Serializer):
    section = serializers.CharField()
    by = serializers.CharField()
    period = serializers.CharField()
    from_ = serializers.CharField()
    to = serializers.CharField()
    rule = serializers.CharField()
    rows = ReportRowSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


CHART_NAMES = list(CHARTS)
