from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from mobility.privacy.admin import AuditedPersonalDataAdmin

from .models import CostCentre, User


@admin.register(User)
class UserAdmin(AuditedPersonalDataAdmin, BaseUserAdmin):
    audit_subject_field = None
    audit_what = "admin: profile"

    ordering = ["id"]
    list_display = ["id", "email", "display_name", "is_member", "is_town_staff", "is_operator", "is_active"]
    list_filter = ["is_member", "is_town_staff", "is_operator", "is_active", "email_verified"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "phone", "email_verified")}),
        (_("Roles"), {"fields": ("is_member", "is_town_staff", "cost_centre", "is_operator")}),
        (_("Access"), {"fields": ("is_active", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]


@admin.register(CostCentre)
class CostCentreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    search_fields = ["code", "name"]
