"""Registration, login (app tokens), e-mail verification, password reset, profile, roles."""

from __future__ import annotations

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiParameter, extend_schema
from knox.models import get_token_model
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsOperator, IsTownStaff
from api.schema import error_responses
from api.throttles import AuthRateThrottle
from mobility.accounts import services
from mobility.accounts.models import CostCentre
from mobility.errors import Forbidden, ValidationFailed
from mobility.privacy.services import personal_data_access_record, personal_data_access_record_many
from mobility.public_url import public_url

from . import serializers as s

User = get_user_model()
AuthToken = get_token_model()


class PublicAuthView(APIView):
    """Registration, login and reset: no credentials needed, throttled per client."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]


class RegisterView(PublicAuthView):
    @extend_schema(request=s.RegisterInput, responses={201: s.ProfileOutput, **error_responses(400, 409, 429)})
    def post(self, request):
        data = s.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data, base_url=public_url(request))
        return Response(s.ProfileOutput(user).data, status=status.HTTP_201_CREATED)


class VerifyEmailView(PublicAuthView):
    @extend_schema(request=s.TokenInput, responses={200: s.ProfileOutput, **error_responses(400, 429)})
    def post(self, request):
        data = s.TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_verify_email(token=data.validated_data["token"])
        return Response(s.ProfileOutput(user).data)


class ResendVerificationView(PublicAuthView):
    @extend_schema(request=s.EmailInput, responses={202: None, **error_responses(400, 429)})
    def post(self, request):
        data = s.EmailInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_resend_verification(email=data.validated_data["email"], base_url=public_url(request))
        return Response(status=status.HTTP_202_ACCEPTED)


class LoginView(PublicAuthView):
    """Exchange e-mail and password for an app token (hashed at rest, expiring)."""

    @extend_schema(request=s.LoginInput, responses={200: s.LoginOutput, **error_responses(400, 403, 429)})
    def post(self, request):
        data = s.LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request, email=data.validated_data["email"].lower(), password=data.validated_data["password"]
        )
        if user is None:
            raise ValidationFailed("E-mail address or password is wrong.", code="invalid_credentials")
        if not user.email_verified:
            raise Forbidden("Please verify your e-mail address first.", code="email_not_verified")
        instance, token = AuthToken.objects.create(user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token, "expiry": instance.expiry, "user": s.ProfileOutput(user).data})


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None, **error_responses(401)})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    @extend_schema(request=None, responses={204: None, **error_responses(401)})
    def post(self, request):
        request.user.auth_token_set.all().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(PublicAuthView):
    @extend_schema(request=s.EmailInput, responses={202: None, **error_responses(400, 429)})
    def post(self, request):
        data = s.EmailInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"], base_url=public_url(request))
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicAuthView):
    @extend_schema(request=s.PasswordResetConfirmInput, responses={204: None, **error_responses(400, 429)})
    def post(self, request):
        data = s.PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: s.OwnProfileOutput, **error_responses(401)})
    def get(self, request):
        return Response(s.OwnProfileOutput(request.user).data)

    @extend_schema(request=s.ProfileUpdateInput, responses={200: s.OwnProfileOutput, **error_responses(400, 401)})
    def patch(self, request):
        data = s.ProfileUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = request.user
        for field, value in data.validated_data.items():
            setattr(user, field, value)
        user.save(update_fields=[*data.validated_data.keys(), "is_staff"])
        return Response(s.OwnProfileOutput(user).data)


class UserListView(generics.ListAPIView):
    """Operator: all accounts. Every account on the page is recorded in the access audit log
    (``?reason=``), as when it is opened on its own."""

    permission_classes = [IsOperator]
    serializer_class = s.ProfileOutput
    queryset = User.objects.select_related("cost_centre").order_by("id")

    @extend_schema(parameters=[OpenApiParameter("reason", str, description="Why the accounts are listed (audit log)")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        personal_data_access_record_many(
            actor=self.request.user,
            subjects=list(page if page is not None else queryset),
            what="profile list",
            reason=self.request.query_params.get("reason", "account administration"),
            path=self.request.path,
        )
        return page


class UserDetailView(generics.RetrieveAPIView):
    """Operator: one account. Every view is recorded in the access audit log (``?reason=``)."""

    permission_classes = [IsOperator]
    serializer_class = s.ProfileOutput
    queryset = User.objects.select_related("cost_centre")

    @extend_schema(parameters=[OpenApiParameter("reason", str, description="Why the profile is viewed (audit log)")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        user = super().get_object()
        personal_data_access_record(
            actor=self.request.user,
            subject=user,
            what="profile",
            reason=self.request.query_params.get("reason", "account administration"),
            path=self.request.path,
        )
        return user


class UserRolesView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(request=s.RolesInput, responses={200: s.ProfileOutput, **error_responses(400, 401, 403, 404)})
    def patch(self, request, pk: int):
        data = s.RolesInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = services.user_update_roles(user_id=pk, cost_centre_code=values.pop("cost_centre", None), **values)
        return Response(s.ProfileOutput(user).data)


class CostCentreListView(generics.ListCreateAPIView):
    """Staff read the cost centres; the operator creates them."""

    serializer_class = s.CostCentreSerializer
    queryset = CostCentre.objects.order_by("code")

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsOperator()]
        return [IsTownStaff()]


class UserSuspendView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(
        request=s.ReasonInput, responses={200: s.SuspensionOutput, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        """Operator: suspend an account (sign-in blocked, rides withdrawn, person notified; audited)."""
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.account_suspend(operator=request.user, user_id=pk, reason=data.validated_data["reason"])
        return Response(s.SuspensionOutput(record).data)


class UserReinstateView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(
        request=s.ReasonInput, responses={200: s.SuspensionOutput, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        """Operator: lift a suspension (audited, person notified)."""
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.account_reinstate(operator=request.user, user_id=pk, reason=data.validated_data["reason"])
        return Response(s.SuspensionOutput(record).data)
