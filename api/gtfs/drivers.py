"""Bürgerbus drivers, qualifications and the duty roster, for the town-hall staff.

Reading drivers shows personal data (name, phone, birth date): every list is written to the
access log like the other staff views.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsOperator, IsTownStaff
from api.privacy.audit import audit_personal_data_views
from api.schema import error_responses
from api.validators import validate_supported_date
from gtfs import drivers as services
from gtfs import selectors as gtfs_selectors
from gtfs.models import BuergerbusDriver, QualificationKind
from mobility.errors import ValidationFailed


# -- serializers ------------------------------------------------------------------------------
class DriverInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    phone = serializers.RegexField(r"^[0-9 +()/-]{0,40}$", max_length=40, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[validate_supported_date]
    )


class QualificationInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QualificationKind.choices)
    valid_until = serializers.DateField(validators=[validate_supported_date], help_text="Last valid day (inclusive)")


class DriverOutput(serializers.ModelSerializer):
    valid_until = serializers.SerializerMethodField(help_text="Last valid day per qualification kind (newest check)")

    class Meta:
        model = BuergerbusDriver
        fields = ["id", "name", "phone", "birth_date", "active", "valid_until"]

    def get_valid_until(self, driver) -> dict:
        return {kind: (day.isoformat() if day else None) for kind, day in services.valid_until_by_kind(driver).items()}


class RosterInput(serializers.Serializer):
    trip = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="A Bürgerbus trip id (active version)")
    service_date = serializers.DateField(validators=[validate_supported_date])
    driver = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class DriverProblemOutput(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True)


class RosterOutput(serializers.Serializer):
    id = serializers.IntegerField(source="entry.pk")
    trip_id = serializers.CharField(source="entry.trip_id")
    service_date = serializers.DateField(source="entry.service_date")
    driver = serializers.IntegerField(source="entry.driver_id")
    driver_name = serializers.CharField(source="entry.driver.name")
    warnings = DriverProblemOutput(source="problems", many=True)


class DriverErasureInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, help_text="Why (e.g. the driver's written request of 2 Dec); written to the access log"
    )


class DriverErasureOutput(serializers.Serializer):
    driver = serializers.IntegerField(source="driver_id")
    pseudonym = serializers.CharField(help_text="The name the roster shows from now on")
    roster_entries_kept = serializers.IntegerField(help_text="Duties driven before today, kept under the pseudonym")
    duties_released = serializers.IntegerField(help_text="Duties from today on, released: roster the trips again")
    qualifications_kept = serializers.IntegerField(help_text="Qualification checks kept (kind and last valid day)")


# -- views ------------------------------------------------------------------------------------
class DriverListView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(responses={200: DriverOutput(many=True), **error_responses(401, 403)})
    def get(self, request):
        """The Bürgerbus drivers with their qualifications (the view is logged)."""
        drivers = list(gtfs_selectors.driver_list_active())
        audit_personal_data_views(
            request, [d.user for d in drivers if d.user_id], what="Bürgerbus driver", default_reason="roster"
        )
        return Response(DriverOutput(drivers, many=True).data)

    @extend_schema(request=DriverInput, responses={201: DriverOutput, **error_responses(400, 401, 403)})
    def post(self, request):
        data = DriverInput(data=request.data)
        data.is_valid(raise_exception=True)
        driver = services.driver_create(**data.validated_data)
        return Response(DriverOutput(driver).data, status=status.HTTP_201_CREATED)


class DriverQualificationView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(request=QualificationInput, responses={201: DriverOutput, **error_responses(400, 401, 403, 404)})
    def post(self, request, pk: int):
        """Record a checked qualification (licence or medical check) with its last valid day."""
        data = QualificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        q = services.qualification_record(driver_id=pk, checked_by=request.user, **data.validated_data)
        return Response(DriverOutput(q.driver).data, status=status.HTTP_201_CREATED)


class DriverErasureView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(
        request=DriverErasureInput, responses={200: DriverErasureOutput, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        """Erase a driver's personal data on request, also without an account (operator; logged with the reason).

        Name, phone, birth date and account link go; the roster and the qualification checks stay
        under the pseudonym ``erased driver #<id>`` (FeV § 48: who drove was qualified).
        """
        data = DriverErasureInput(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.driver_erase(
            driver_id=pk, actor=request.user, reason=data.validated_data["reason"], path=request.path
        )
        return Response(DriverErasureOutput(done).data)


def _range(request) -> tuple:
    today = timezone.localdate()
    try:
        start = serializers.DateField().to_internal_value(request.query_params.get("from") or today.isoformat())
        end = serializers.DateField().to_internal_value(
            request.query_params.get("to") or (start + timedelta(days=30)).isoformat()
        )
    except serializers.ValidationError as exc:
        raise ValidationFailed("from and to are dates (YYYY-MM-DD).", code="invalid_date") from exc
    if end < start or (end - start).days > 366:
        raise ValidationFailed("to must be 0 to 366 days after from.", code="invalid_date")
    return start, end


class RosterView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(responses={200: RosterOutput(many=True), **error_responses(400, 401, 403)})
    def get(self, request):
        """Who drives which trip (``?from=&to=``, default the next 30 days), with warnings."""
        start, end = _range(request)
        rows = [
            services.RosterResult(entry=e, problems=services.driver_problems(e.driver, e.service_date))
            for e in services.roster_for(start=start, end=end)
        ]
        return Response(RosterOutput(rows, many=True).data)

    @extend_schema(request=RosterInput, responses={201: RosterOutput, **error_responses(400, 401, 403, 404)})
    def post(self, request):
        """Roster a driver for a trip and day (replacing the previous one; kept for the record)."""
        data = RosterInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = services.roster_assign(
            trip_pk=v["trip"], service_date=v["service_date"], driver_id=v["driver"], assigned_by=request.user
        )
        return Response(RosterOutput(result).data, status=status.HTTP_201_CREATED)


class RosterWarningsView(APIView):
    permission_classes = [IsTownStaff]

    @extend_schema(responses={200: RosterOutput(many=True), **error_responses(401, 403)})
    def get(self, request):
        """Rostered trips ahead whose driver will not be qualified that day (``GTFS_ROSTER_WARNING_DAYS``)."""
        return Response(RosterOutput(services.roster_warnings(), many=True).data)
