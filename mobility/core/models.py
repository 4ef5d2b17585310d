from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key`` header.

    A repeated key from the same user returns this response instead of running the request
    again; ``request_hash`` detects a key reused for a different request.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty while in progress")
    response_body = models.JSONField(null=True, blank=True)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="While in progress: after this a retry may take the request over"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class DemoLoad(models.Model):
    """Which app's demo data is in this database, so ``manage.py demo`` runs each loader once."""

    app_label = models.CharField(max_length=100, unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"demo: {self.app_label}"
