"""The resident's data export and erasure; the operator's access audit log."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsOperator
from api.schema import error_responses
from api.throttles import AuthRateThrottle
from mobility.errors import ValidationFailed
from mobility.privacy.models import PersonalDataAccess
from mobility.privacy.selectors import access_log
from mobility.privacy.services import personal_data_export, user_erase

ErasureOutput = inline_serializer(
    "ErasureOutput", {"erased": serializers.BooleanField(), "summary": serializers.DictField()}
)


class DataExportView(APIView):
    """Everything the platform holds about the signed-in person, as JSON (GDPR Art. 15 and 20)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **error_responses(401)})
    def get(self, request):
        response = Response(personal_data_export(user=request.user))
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response


class ErasureInput(serializers.Serializer):
    password = serializers.CharField(write_only=True)


class ErasureView(APIView):
    """Delete the signed-in person's account (GDPR Art. 17); the password confirms it."""

    throttle_classes = [AuthRateThrottle]

    @extend_schema(request=ErasureInput, responses={200: ErasureOutput, **error_responses(400, 401, 429)})
    def post(self, request):
        data = ErasureInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.check_password(data.validated_data["password"]):
            raise ValidationFailed("The password is wrong.", code="invalid_credentials")
        record = user_erase(user_id=request.user.pk)
        return Response({"erased": True, "summary": record.summary})


class OperatorErasureView(APIView):
    """The operator erases an account on the person's written request."""

    permission_classes = [IsOperator]

    @extend_schema(request=None, responses={200: ErasureOutput, **error_responses(401, 403, 404)})
    def post(self, request, pk: int):
        record = user_erase(user_id=pk, requested_by_subject=False)
        return Response({"erased": True, "summary": record.summary}, status=status.HTTP_200_OK)


class AccessLogOutput(serializers.ModelSerializer):
    class Meta:
        model = PersonalDataAccess
        fields = ["id", "actor", "actor_role", "subject_ref", "what", "reason", "path", "created_at"]


class AccessLogView(generics.ListAPIView):
    """Who (staff, operator) looked at whose personal data, when and why. Operator only."""

    permission_classes = [IsOperator]
    serializer_class = AccessLogOutput

    @extend_schema(parameters=[OpenApiParameter("subject", int, description="Only entries about this user id")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        subject = self.request.query_params.get("subject")
        if subject and not subject.isdigit():
            raise ValidationFailed("subject must be a user id.", code="invalid_filter")
        return access_log(subject_ref=int(subject) if subject else None)
