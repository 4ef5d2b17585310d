from django.conf import settings
from django.db import models


class PersonalDataAccess(models.Model):
    """Audit log: a staff member or operator looked at another person's personal data.

    Readable by the operator only. ``subject_ref`` is kept when the subject's account is
    erased (the log itself holds no name, e-mail or address of the subject).
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_role = models.CharField(max_length=16)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    subject_ref = models.PositiveBigIntegerField(help_text="The subject's user id, kept after erasure")
    what = models.CharField(max_length=100, help_text="Which data, e.g. 'profile' or 'membership licence'")
    reason = models.CharField(max_length=200)
    path = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "personal data access"

    def __str__(self) -> str:
        return f"{self.actor_id} viewed {self.what} of user #{self.subject_ref}"


class ErasureRecord(models.Model):
    """That an account was erased, and when; no personal data."""

    subject_ref = models.PositiveBigIntegerField(unique=True)
    requested_by_subject = models.BooleanField(default=True)
    erased_at = models.DateTimeField(auto_now_add=True)
    summary = models.JSONField(default=dict, help_text="Counts per category of what was erased or kept")

    def __str__(self) -> str:
        return f"erasure of user #{self.subject_ref}"
