from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework import serializers

from mobility.accounts.models import AccountSuspension, CostCentre

User = get_user_model()


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    display_name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class TokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class EmailInput(serializers.Serializer):
    email = serializers.EmailField()


class LoginInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class PasswordResetConfirmInput(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=200)
    new_password = serializers.CharField(write_only=True)


class ProfileOutput(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    cost_centre = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    language = serializers.CharField(read_only=True, help_text="de, en, or empty: the browser's language")

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "phone",
            "language",
            "email_verified",
            "roles",
            "cost_centre",
            "date_joined",
        ]
        read_only_fields = fields


class OwnProfileOutput(ProfileOutput):
    """Your own profile, with what only you see: the self-declared attribute for "only women" rides."""

    class Meta(ProfileOutput.Meta):
        fields = [*ProfileOutput.Meta.fields, "declares_woman"]
        read_only_fields = fields


class ProfileUpdateInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    declares_woman = serializers.BooleanField(
        required=False,
        help_text="Self-declared, only for the 'only women' ride-sharing options; false deletes it",
    )
    phone = serializers.RegexField(r"^[0-9 +()/-]{0,40}$", max_length=40, required=False, allow_blank=True)
    # empty: follow Accept-Language
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES], required=False, allow_blank=True
    )


class LoginOutput(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()
    user = ProfileOutput()


class RolesInput(serializers.Serializer):
    is_member = serializers.BooleanField(required=False)
    is_town_staff = serializers.BooleanField(required=False)
    is_operator = serializers.BooleanField(required=False)
    cost_centre = serializers.CharField(required=False, allow_blank=True, max_length=32)


class CostCentreSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostCentre
        fields = ["id", "code", "name", "active"]
        read_only_fields = ["id"]


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class SuspensionOutput(serializers.ModelSerializer):
    """One entry of the suspension audit log."""

    class Meta:
        model = AccountSuspension
        fields = ["id", "user", "action", "reason", "by", "summary", "created_at"]
