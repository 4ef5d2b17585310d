"""Users and their roles.

Roles are flags, because one person can hold several: every registered user is a
*resident*; *member* (car-sharing, approved by staff), *staff* (town-hall employee with a
cost centre) and *operator* (runs the platform) are added on top. Django's own ``is_staff``
only opens the admin site and follows from the staff and operator roles.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    MEMBER = "member", _("Car-sharing member")
    STAFF = "staff", _("Town-hall staff")
    OPERATOR = "operator", _("Operator")


class CostCentre(models.Model):
    """A town-hall budget line that official trips are charged to (Kostenstelle)."""

    code = models.CharField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("cost centre")
        verbose_name_plural = _("cost centres")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_operator", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_verified", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True, verbose_name=_("e-mail address"))
    display_name = models.CharField(
        max_length=80, blank=True, help_text=_("Shown to other users"), verbose_name=_("display name")
    )
    phone = models.CharField(
        max_length=40, blank=True, help_text=_("Shared only after a confirmed booking"), verbose_name=_("phone")
    )
    email_verified = models.BooleanField(default=False, verbose_name=_("e-mail address verified"))
    is_member = models.BooleanField(default=False, verbose_name=_("car-sharing member"))
    is_town_staff = models.BooleanField(default=False, verbose_name=_("town-hall staff"))
    is_operator = models.BooleanField(default=False, verbose_name=_("operator"))
    cost_centre = models.ForeignKey(
        CostCentre, null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("cost centre")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    declares_woman = models.BooleanField(
        default=False,
        help_text=_(
            "Self-declared in the profile, used only for the 'women only' ride-sharing option; "
            "the user may clear it at any time"
        ),
        verbose_name=_("declares herself a woman"),
    )
    is_staff = models.BooleanField(
        default=False, help_text=_("May log in to the admin site (derived from roles)"), verbose_name=_("admin access")
    )
    date_joined = models.DateTimeField(default=timezone.now, verbose_name=_("date joined"))
    language = models.CharField(
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Language of e-mails, notifications and the API; empty: the browser's (German by default)"),
        verbose_name=_("language"),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["id"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or gettext("user #%(id)s") % {"id": self.pk}

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.lower()
        self.is_staff = self.is_superuser or self.is_town_staff or self.is_operator
        super().save(*args, **kwargs)

    @property
    def roles(self) -> list[str]:
        roles = [Role.RESIDENT.value]
        if self.is_member:
            roles.append(Role.MEMBER.value)
        if self.is_town_staff:
            roles.append(Role.STAFF.value)
        if self.is_operator:
            roles.append(Role.OPERATOR.value)
        return roles

    def has_role(self, role: str) -> bool:
        return role in self.roles


class SuspensionAction(models.TextChoices):
    SUSPEND = "suspend", _("Suspended")
    REINSTATE = "reinstate", _("Reinstated")


class AccountSuspension(models.Model):
    """Audit log of the operator suspending or reinstating an account (who, when, why)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="suspensions", verbose_name=_("user"))
    action = models.CharField(max_length=10, choices=SuspensionAction.choices, verbose_name=_("action"))
    reason = models.CharField(max_length=300, verbose_name=_("reason"))
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by"))
    summary = models.JSONField(
        default=dict, blank=True, help_text=_("What the suspension withdrew, per app"), verbose_name=_("summary")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("account suspension")
        verbose_name_plural = _("account suspensions")

    def __str__(self) -> str:
        return f"{self.action} user #{self.user_id}"
