"""Registration, e-mail verification, password reset and role changes."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from mobility.errors import Conflict, NotFound, ValidationFailed
from mobility.privacy.registry import app_modules
from mobility.public_url import public_url

from .models import AccountSuspension, CostCentre, SuspensionAction, User

_VERIFY_SALT = "mobility.accounts.verify-email"


def _validate_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "The password is too weak.", code="weak_password", fields={"password": list(exc.messages)}
        ) from exc


def email_verification_token(*, user: User) -> str:
    """A signed, expiring token naming the user and the address being verified."""
    return signing.dumps({"uid": user.pk, "email": user.email}, salt=_VERIFY_SALT)


def _send_templated_mail(user: User, template: str, context: dict[str, Any]) -> None:
    """Send ``accounts/email/<template>_subject.txt`` and ``_body.txt`` to ``user``, in the
    user's saved language (else German: the default, never the sender's request language)."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}_body.txt", context)
    send_mail(" ".join(subject.split()), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [user.email])


def _send_verification(user: User, base_url: str = "") -> None:
    """``base_url``: the public URL the link points at (``mobility.public_url``)."""
    token = email_verification_token(user=user)
    _send_templated_mail(
        user,
        "verify",
        {
            "token": token,
            "link": f"{base_url or public_url()}/verify-email?token={token}",
            "valid_days": max(1, settings.EMAIL_VERIFICATION_MAX_AGE.days),
        },
    )


@transaction.atomic
def user_register(*, email: str, password: str, display_name: str = "", base_url: str = "") -> User:
    """Create a resident account and send the verification e-mail after commit."""
    email = User.objects.normalize_email(email).lower()
    candidate = User(email=email, display_name=display_name)
    _validate_password(password, candidate)
    if User.objects.filter(email=email).exists():
        raise Conflict("An account with this e-mail address exists.", code="email_taken")
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, display_name=display_name)
    except IntegrityError as exc:  # a parallel registration won the race
        raise Conflict("An account with this e-mail address exists.", code="email_taken") from exc
    transaction.on_commit(lambda: _send_verification(user, base_url))
    return user


def user_verify_email(*, token: str) -> User:
    try:
        data = signing.loads(token, salt=_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationFailed("The verification link has expired.", code="token_expired") from exc
    except signing.BadSignature as exc:
        raise ValidationFailed("The verification link is not valid.", code="token_invalid") from exc
    user = User.objects.filter(pk=data.get("uid"), email=data.get("email")).first()
    if user is None:
        raise ValidationFailed("The verification link is not valid.", code="token_invalid")
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified", "is_staff"])
    return user


def user_resend_verification(*, email: str, base_url: str = "") -> None:
    user = User.objects.filter(email=email.lower(), email_verified=False, is_active=True).first()
    if user is not None:
        _send_verification(user, base_url)


def password_reset_request(*, email: str, base_url: str = "") -> None:
    """Mail a reset link if the account exists; say nothing either way (no account probing)."""
    user = User.objects.filter(email=email.lower(), is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    _send_templated_mail(
        user,
        "password_reset",
        {"uid": uid, "token": token, "link": f"{base_url or public_url()}/reset-password?uid={uid}&token={token}"},
    )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationFailed("The reset link is not valid.", code="token_invalid") from exc
    user = User.objects.select_for_update().filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise ValidationFailed("The reset link is not valid or has expired.", code="token_invalid")
    _validate_password(new_password, user)
    user.set_password(new_password)
    # A reset proves control of the address.
    user.email_verified = True
    user.save()
    # Every app token dies with the old password.
    _app_tokens(user).delete()
    return user


@transaction.atomic
def user_update_roles(
    *,
    user_id: int,
    is_member: bool | None = None,
    is_town_staff: bool | None = None,
    is_operator: bool | None = None,
    cost_centre_code: str | None = None,
) -> User:
    """Operator-only: grant or revoke roles. Staff need a cost centre."""
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    if is_member is not None:
        user.is_member = is_member
    if is_town_staff is not None:
        user.is_town_staff = is_town_staff
    if is_operator is not None:
        user.is_operator = is_operator
    if cost_centre_code is not None:
        if cost_centre_code == "":
            user.cost_centre = None
        else:
            centre = CostCentre.objects.filter(code=cost_centre_code, active=True).first()
            if centre is None:
                raise ValidationFailed(
                    "Unknown cost centre.", code="unknown_cost_centre", fields={"cost_centre": [cost_centre_code]}
                )
            user.cost_centre = centre
    if user.is_town_staff and user.cost_centre is None:
        raise ValidationFailed(
            "Town-hall staff need a cost centre.",
            code="cost_centre_required",
            fields={"cost_centre": ["required for staff"]},
        )
    user.save()
    return user


def user_profile_update(*, user: User, **fields: object) -> User:
    """The user changes their own profile fields (already validated by the caller's form)."""
    for field, value in fields.items():
        setattr(user, field, value)
    user.save(update_fields=[*fields.keys(), "is_staff"])
    return user


def _app_tokens(user: User) -> Any:
    """The queryset of ``user``'s app tokens (knox's ``auth_token_set``; knox is untyped)."""
    from knox.models import get_token_model

    return get_token_model().objects.filter(user=user)


def app_token_issue(*, user: User) -> tuple[object, str]:
    """A new app token for ``user``: (the stored token row, the secret shown once)."""
    from knox.models import get_token_model

    token, secret = get_token_model().objects.create(user)
    return token, secret


def app_token_revoke(*, token: object) -> None:
    """Sign one device out: its token stops working at once."""
    from knox.models import get_token_model

    if isinstance(token, get_token_model()):
        token.delete()


def app_tokens_revoke_all(*, user: User) -> int:
    """Sign every device of ``user`` out; returns how many tokens were revoked."""
    deleted: int = _app_tokens(user).delete()[0]
    return deleted


def cost_centre_create(*, code: str, name: str, active: bool = True) -> CostCentre:
    """A new cost centre; its code is unique (``Conflict(duplicate_code)``, decided by the
    unique index when two operators create the same code at the same moment)."""
    try:
        with transaction.atomic():
            return CostCentre.objects.create(code=code, name=name, active=active)
    except IntegrityError as exc:
        raise Conflict("A cost centre with this code exists.", code="duplicate_code") from exc


def _suspension_modules() -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) for every installed app with a ``suspension`` module offering
    ``withdraw_suspended_user(user, reason) -> dict`` (cancel what the person still holds)."""
    return app_modules("suspension")


@transaction.atomic
def account_suspend(*, operator: User, user_id: int, reason: str) -> AccountSuspension:
    """Operator-only: suspend an account (e.g. after upheld no-show reports).

    The person can no longer sign in: ``is_active`` is cleared (knox tokens and sessions
    stop authenticating), every app token is deleted and open sockets are closed; every app
    withdraws what the person still holds (``<app>.suspension``), others are told as usual.
    The person is notified (stored notification and e-mail); the action is audited.
    """
    from mobility.notifications.services import notify

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Please give a reason.", code="reason_required", fields={"reason": ["Required."]})
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    if user.pk == operator.pk:
        raise ValidationFailed("You cannot suspend yourself.", code="cannot_suspend_self")
    if not user.is_active:
        raise Conflict("The account is already suspended.", code="already_suspended")
    user.is_active = False
    user.save(update_fields=["is_active"])
    summary = {label: module.withdraw_suspended_user(user, reason) for label, module in _suspension_modules()}
    _revoke_tokens(user)
    record = AccountSuspension.objects.create(
        user=user, action=SuspensionAction.SUSPEND, reason=reason[:300], by=operator, summary=summary
    )
    notify(user, "account_suspended", {"reason": reason[:300]})
    email, subject = user.email, "Your account is suspended"
    body = f"Your account on the mobility platform was suspended.\n\nReason: {reason[:300]}\n"
    transaction.on_commit(lambda: send_mail(subject, body, None, [email], fail_silently=True))
    return record


@transaction.atomic
def account_reinstate(*, operator: User, user_id: int, reason: str) -> AccountSuspension:
    """Operator-only: lift a suspension; audited and the person is notified."""
    from mobility.notifications.services import notify

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Please give a reason.", code="reason_required", fields={"reason": ["Required."]})
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    if user.is_active:
        raise Conflict("The account is not suspended.", code="not_suspended")
    user.is_active = True
    user.save(update_fields=["is_active"])
    record = AccountSuspension.objects.create(
        user=user, action=SuspensionAction.REINSTATE, reason=reason[:300], by=operator
    )
    notify(user, "account_reinstated", {"reason": reason[:300]})
    return record


def _revoke_tokens(user: User) -> None:
    from django.contrib.sessions.models import Session

    from mobility.notifications.services import (
        revocation_group_for_token,
        sockets_close_for_revoked,
        user_group_name,
    )

    from .privacy import _user_sessions

    tokens = _app_tokens(user)
    keys = list(tokens.values_list("token_key", flat=True))
    tokens.delete()
    sessions = _user_sessions(user)
    Session.objects.filter(session_key__in=sessions).delete()
    groups = [revocation_group_for_token(k) for k in keys] + [user_group_name(user.pk)]

    def close_sockets() -> None:
        for group in groups:
            sockets_close_for_revoked(group)

    transaction.on_commit(close_sockets)


def profile_set_declares_woman(*, user: User, value: bool) -> User:
    """The self-declared attribute behind the "only women" ride options; ``False`` deletes it."""
    user.declares_woman = bool(value)
    user.save(update_fields=["declares_woman"])
    return user
