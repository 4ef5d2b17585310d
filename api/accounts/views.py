"""Registration, login (app tokens), e-mail verification, password reset, profile, roles."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsOperator, IsTownStaff
from api.schema import error_responses
from api.throttles import AuthRateThrottle
from mobility.accounts import selectors, services
from mobility.errors import Forbidden, ValidationFailed
from mobility.privacy.services import personal_data_access_record, personal_data_access_record_many
from mobility.public_url import public_url

from . import serializers as s


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
        instance, token = services.app_token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token, "expiry": instance.expiry, "user": s.ProfileOutput(user).data})


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None, **error_responses(401)})
    def post(self, request):
        services.app_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    @extend_schema(request=None, responses={204: None, **error_responses(401)})
    def post(self, request):
        services.app_tokens_revoke_all(user=request.user)
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
        user = services.user_profile_update(user=request.user, **data.validated_data)
        return Response(s.OwnProfileOutput(user).data)


class UserListView(generics.ListAPIView):
    """Operator: all accounts. Every account on the page is recorded in the access audit log
    (``?reason=``), as when it is opened on its own."""

    permission_classes = [IsOperator]
    serializer_class = s.ProfileOutput

    def get_queryset(self):
        return selectors.users()

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

    def get_queryset(self):
        return selectors.users()

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

    def get_queryset(self):
        return selectors.cost_centres()

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsOperator()]
        return [IsTownStaff()]

    def perform_create(self, serializer):
        # The serializer validates (a known code is a 400 as before); the service writes, and a
        # code created by someone else at the same moment is a 409, not a 500.
        serializer.instance = services.cost_centre_create(**serializer.validated_data)


def _suspension_action(request, pk: int, action) -> Response:
    """Validate the operator's reason, run ``action`` (suspend or reinstate) and answer the record."""
    data = s.ReasonInput(data=request.data)
    data.is_valid(raise_exception=True)
    record = action(operator=request.user, user_id=pk, reason=data.validated_data["reason"])
    return Response(s.SuspensionOutput(record).data)


class UserSuspendView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(
        request=s.ReasonInput, responses={200: s.SuspensionOutput, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        """Operator: suspend an account (sign-in blocked, rides withdrawn, person notified; audited)."""
        return _suspension_action(request, pk, services.account_suspend)


class UserReinstateView(APIView):
    permission_classes = [IsOperator]

    @extend_schema(
        request=s.ReasonInput, responses={200: s.SuspensionOutput, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, pk: int):
        """Operator: lift a suspension (audited, person notified)."""
        return _suspension_action(request, pk, services.account_reinstate)
