"""Admin side of privacy: the audit log (read-only) and auditing of admin change pages."""

from __future__ import annotations

from django.contrib import admin

from .models import ErasureRecord, PersonalDataAccess
from .services import personal_data_access_record


class AuditedPersonalDataAdmin(admin.ModelAdmin):
    """Records a view of a change page in the access audit log when the page shows another
    person's data. ``audit_subject_field`` names the person (``None``: the object itself is
    the person, as for users)."""

    audit_subject_field: str | None = "user"
    audit_what = ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "status_code", 200) == 200:
            obj = self.get_object(request, object_id)
            subject = (
                obj if obj is None or self.audit_subject_field is None else getattr(obj, self.audit_subject_field, None)
            )
            if subject is not None:
                personal_data_access_record(
                    actor=request.user,
                    subject=subject,
                    what=self.audit_what or f"admin: {self.model._meta.verbose_name_raw}",
                    reason=request.GET.get("reason", "administration"),
                    path=request.path,
                )
        return response


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "actor_role", "subject_ref", "what", "reason"]
    list_filter = ["actor_role", "what"]
    search_fields = ["reason", "what"]

    def has_module_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_operator)

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(request.user.is_active and request.user.is_operator)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ErasureRecord)
class ErasureRecordAdmin(PersonalDataAccessAdmin):
    list_display = ["erased_at", "subject_ref", "requested_by_subject"]
    list_filter = ["requested_by_subject"]
    search_fields: list[str] = []
