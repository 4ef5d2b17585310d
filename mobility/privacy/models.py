from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PersonalDataAccess(models.Model):
    """Audit log: a staff member or operator looked at another person's personal data.

    Readable by the operator only. ``subject_ref`` is kept when the subject's account is
    erased (the log itself holds no name, e-mail or address of the subject).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor")
    )
    actor_role = models.CharField(max_length=16, verbose_name=_("actor role"))
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("subject")
    )
    subject_ref = models.PositiveBigIntegerField(
        help_text=_("The subject's user id, kept after erasure"), verbose_name=_("subject reference")
    )
    what = models.CharField(
        max_length=100, help_text=_("Which data, e.g. 'profile' or 'membership licence'"), verbose_name=_("what")
    )
    reason = models.CharField(max_length=200, verbose_name=_("reason"))
    path = models.CharField(max_length=300, blank=True, verbose_name=_("path"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self) -> str:
        return gettext("user #%(actor)s viewed %(what)s of user #%(subject)s") % {
            "actor": self.actor_id,
            "what": self.what,
            "subject": self.subject_ref,
        }


class ErasureRecord(models.Model):
    """That an account was erased, and when; no personal data."""

    subject_ref = models.PositiveBigIntegerField(unique=True, verbose_name=_("subject reference"))
    requested_by_subject = models.BooleanField(default=True, verbose_name=_("requested by subject"))
    erased_at = models.DateTimeField(auto_now_add=True, verbose_name=_("erased at"))
    summary = models.JSONField(
        default=dict, help_text=_("Counts per category of what was erased or kept"), verbose_name=_("summary")
    )

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")

    def __str__(self) -> str:
        return gettext("Erasure of user #%(subject)s") % {"subject": self.subject_ref}
