"""Sign in and out, register, verify the e-mail address, reset the password, my data, delete."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mobility.accounts import services as account_services
from mobility.errors import DomainError
from mobility.privacy.services import personal_data_export, user_erase
from mobility.public_url import public_url

from .. import forms
from ..errors import MESSAGES, add_domain_error
from ..throttle import auth_attempt_allowed
from .base import personal, safe_next

TOO_MANY = gettext_lazy("Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann noch einmal.")


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, reverse("web:start"))
    form = forms.LoginForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not auth_attempt_allowed(request, "login"):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            user = authenticate(
                request, email=form.cleaned_data["email"].lower(), password=form.cleaned_data["password"]
            )
            if user is None:
                form.add_error(None, MESSAGES["invalid_credentials"])
            elif not user.email_verified:
                form.add_error("email", MESSAGES["email_not_verified"])
            else:
                login(request, user)
                return redirect(next_url)
        if form.errors and status == 200:
            status = 400
    return render(request, "web/account/login.html", {"form": form, "next": next_url, "nav": "login"}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("Sie sind abgemeldet."))
    return redirect("web:start")


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = forms.RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not auth_attempt_allowed(request, "register"):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                account_services.user_register(**form.cleaned_data, base_url=public_url(request))
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return render(request, "web/account/register_done.html", {"email": form.cleaned_data["email"]})
        if form.errors and status == 200:
            status = 400
    return render(request, "web/account/register.html", {"form": form, "nav": "login"}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest) -> HttpResponse:
    """The link from the e-mail. GET shows a button (mail scanners open links); POST verifies."""
    form = forms.VerifyEmailForm(request.POST or {"token": request.GET.get("token", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            account_services.user_verify_email(token=form.cleaned_data["token"])
        except DomainError as exc:
            add_domain_error(form, exc)
            status = 400
        else:
            messages.success(request, _("Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden."))
            return redirect("web:login")
    elif request.method == "POST":
        status = 400
    return render(request, "web/account/verify_email.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = forms.EmailForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not auth_attempt_allowed(request, "reset"):
            form.add_error(None, TOO_MANY)
            status = 429
        elif form.is_valid():
            account_services.password_reset_request(email=form.cleaned_data["email"], base_url=public_url(request))
            return render(request, "web/account/password_reset_sent.html", {"email": form.cleaned_data["email"]})
        else:
            status = 400
    return render(request, "web/account/password_reset.html", {"form": form, "nav": "login"}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    initial = {"uid": request.GET.get("uid", ""), "token": request.GET.get("token", "")}
    form = forms.PasswordResetConfirmForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                account_services.password_reset_confirm(**form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc, field_map={"password": "new_password"})
            else:
                messages.success(request, _("Ihr Passwort ist geändert. Bitte melden Sie sich an."))
                return redirect("web:login")
        status = 400
    return render(request, "web/account/password_reset_confirm.html", {"form": form}, status=status)


@personal
def account(request: HttpRequest) -> HttpResponse:
    women_form = forms.WomenOptionForm(initial={"declares_woman": request.user.declares_woman})
    return render(
        request,
        "web/account/account.html",
        {"nav": "account", "delete_form": forms.DeleteAccountForm(), "women_form": women_form},
    )


@personal
@require_POST
def account_women_option(request: HttpRequest) -> HttpResponse:
    """Set or delete the self-declared attribute behind the "only women" ride options."""
    form = forms.WomenOptionForm(request.POST)
    form.is_valid()
    account_services.profile_set_declares_woman(user=request.user, value=bool(form.cleaned_data.get("declares_woman")))
    messages.success(request, _("Ihre Angabe ist gespeichert."))
    return redirect("web:account")


@personal
def account_export(request: HttpRequest) -> HttpResponse:
    """Everything the platform holds about me, as a JSON download (Art. 15/20 GDPR)."""
    data = personal_data_export(user=request.user)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meine-daten-{stamp}.json"'
    return response


@personal
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = forms.DeleteAccountForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            if not request.user.check_password(form.cleaned_data["password"]):
                form.add_error("password", _("Das Passwort stimmt nicht."))
            else:
                user_erase(user_id=request.user.pk, requested_by_subject=True)
                logout(request)
                return render(request, "web/account/deleted.html")
        return render(request, "web/account/delete.html", {"form": form, "nav": "account"}, status=400)
    return render(request, "web/account/delete.html", {"form": form, "nav": "account"})
