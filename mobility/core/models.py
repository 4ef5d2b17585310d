from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key`` header.

    A repeated key from the same user returns this response instead of running the request
    again; ``request_hash`` detects a key reused for a different request.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method = models.CharField(max_length=8, verbose_name=_("method"))
    path = models.CharField(max_length=500, verbose_name=_("path"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Empty while in progress"), verbose_name=_("status code")
    )
    response_body = models.JSONField(null=True, blank=True, verbose_name=_("response body"))
    lease_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("While in progress: after this a retry may take the request over"),
        verbose_name=_("lease until"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class DemoLoad(models.Model):
    """Which app's demo data is in this database, so ``manage.py demo`` runs each loader once."""

    app_label = models.CharField(max_length=100, unique=True, verbose_name=_("app"))
    loaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("loaded at"))

    class Meta:
        verbose_name = _("demo load")
        verbose_name_plural = _("demo loads")

    def __str__(self) -> str:
        return f"demo: {self.app_label}"
