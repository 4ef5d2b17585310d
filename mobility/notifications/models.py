from django.conf import settings
from django.db import models


class Notification(models.Model):
    """A message for one user; stored so that an offline user reads it later."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64, help_text="Stable machine-readable type, e.g. ride_booking_confirmed")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notif_user_unread")]

    def __str__(self) -> str:
        return f"{self.kind} → user #{self.user_id}"
