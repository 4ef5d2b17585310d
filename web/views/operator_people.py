"""People in the operator console: find an account, change its roles, erase it on the
person's written request, and read the access log with filters.

Every look at another person's account is written to the access log with the reason the
operator gives (``mobility.privacy.services``): a search needs a reason, and so does opening
one account; nobody is listed without one, and the list never shows everyone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gtfs.drivers import driver_erase as buergerbus_driver_erase
from mobility.accounts import selectors as account_selectors
from mobility.accounts.services import user_update_roles
from mobility.errors import DomainError, NotFound
from mobility.privacy import selectors as privacy_selectors
from mobility.privacy.services import (
    personal_data_access_record,
    personal_data_access_record_many,
    user_erase,
)

from .operator_base import operator_page

ROLE_LABELS = {
    "resident": _("Bürgerin/Bürger"),
    "member": _("Carsharing-Mitglied"),
    "staff": _("Rathaus"),
    "operator": _("Betrieb"),
}
MESSAGES = {
    "cost_centre_required": _("Mitarbeitende im Rathaus brauchen eine Kostenstelle."),
    "unknown_cost_centre": _("Diese Kostenstelle gibt es nicht (mehr)."),
    "user_not_found": _("Dieses Konto gibt es nicht (mehr)."),
}


#: The driver erasure shares the page with the account search: its fields get their own names and ids.
DRIVER_PREFIX = "loeschen"
DRIVER_MESSAGES = {
    "driver_not_found": _("Diese Fahrer-Nr. gibt es nicht."),
    "driver_already_erased": _("Die Daten dieser Fahrerin oder dieses Fahrers sind schon gelöscht."),
}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("E-Mail-Adresse oder Name"),
        min_length=3,
        max_length=254,
        help_text=_("Mindestens drei Zeichen."),
    )
    grund = forms.CharField(
        label=_("Grund der Einsicht"),
        max_length=200,
        help_text=_("Wird mit Ihrem Namen im Zugriffsprotokoll gespeichert, z. B. „Anruf: Rolle Rathaus“."),
    )


class RolesForm(forms.Form):
    is_member = forms.BooleanField(label=_("Carsharing-Mitglied"), required=False)
    is_town_staff = forms.BooleanField(label=_("Rathaus (Dienstfahrten, Bürgerbus-Telefon)"), required=False)
    is_operator = forms.BooleanField(label=_("Betrieb"), required=False)
    cost_centre = forms.ChoiceField(label=_("Kostenstelle"), required=False, choices=())
    quiet_fields = ("is_member", "is_town_staff", "is_operator")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cost_centre"].choices = [("", gettext("keine"))] + [
            (centre.code, f"{centre.code} – {centre.name}") for centre in account_selectors.cost_centre_list()
        ]


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Die Person hat die Löschung schriftlich beantragt; ich habe ihre Identität geprüft."),
        required=True,
    )


class DriverEraseForm(forms.Form):
    """A Bürgerbus driver without an account (the account erasure never reaches them)."""

    fahrer = forms.IntegerField(
        label=_("Fahrer-Nr."),
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("Die Nummer aus der Fahrerliste des Bürgerbusses."),
    )
    grund = forms.CharField(
        label=_("Grund der Löschung"),
        max_length=200,
        help_text=_("Wird mit Ihrem Namen im Zugriffsprotokoll gespeichert, z. B. „Schriftlicher Antrag vom 2.12.“."),
    )
    confirm = forms.BooleanField(
        label=_("Die Person hat die Löschung schriftlich beantragt; ich habe ihre Identität geprüft."),
        required=True,
    )


def _roles(user) -> str:
    return ", ".join(str(ROLE_LABELS.get(role, role)) for role in user.roles)


def _reason(request: HttpRequest) -> str:
    return (request.POST.get("grund") or request.GET.get("grund") or "").strip()[:200]


@operator_page
def people(request: HttpRequest) -> HttpResponse:
    """Search accounts (with a reason, logged per account shown)."""
    results = None
    form = SearchForm(request.GET or None)
    if request.GET and form.is_valid():
        found = list(account_selectors.user_search(query=form.cleaned_data["q"], limit=20))
        personal_data_access_record_many(
            actor=request.user,
            subjects=found,
            what="account (search result)",
            reason=form.cleaned_data["grund"],
            path=request.path,
        )
        results = [
            {
                "user": user,
                "roles": _roles(user),
                "href": reverse("web:operator_people_detail", kwargs={"user_id": user.pk})
                + "?"
                + urlencode({"grund": form.cleaned_data["grund"]}),
            }
            for user in found
        ]
    return render(
        request,
        "web/operator/people.html",
        {"form": form, "results": results, "driver_form": DriverEraseForm(prefix=DRIVER_PREFIX)},
    )


@operator_page
@require_POST
def driver_erase(request: HttpRequest) -> HttpResponse:
    """Erase a Bürgerbus driver's personal data (``gtfs.drivers.driver_erase``; logged with the reason)."""
    form = DriverEraseForm(request.POST, prefix=DRIVER_PREFIX)
    if form.is_valid():
        try:
            done = buergerbus_driver_erase(
                driver_id=form.cleaned_data["fahrer"],
                actor=request.user,
                reason=form.cleaned_data["grund"],
                path=request.path,
            )
        except DomainError as exc:
            form.add_error("fahrer", DRIVER_MESSAGES.get(exc.code, exc.message))
        else:
            messages.success(
                request,
                gettext(
                    "Fahrer-Nr. %(id)s ist gelöscht. Gefahrene Dienste, die unter „%(pseudonym)s“ bleiben: "
                    "%(kept)s. Frei gewordene künftige Dienste, bitte neu besetzen: %(released)s."
                )
                % {
                    "id": done.driver_id,
                    "kept": done.roster_entries_kept,
                    "pseudonym": done.pseudonym,
                    "released": done.duties_released,
                },
            )
            return redirect("web:operator_people")
    return render(
        request,
        "web/operator/people.html",
        {"form": SearchForm(), "results": None, "driver_form": form},
        status=400,
    )


@operator_page
def person(request: HttpRequest, user_id: int) -> HttpResponse:
    """One account: roles to change, erasure. Opening it needs a reason, which is logged."""
    try:
        subject = account_selectors.user_get(user_id=user_id)
    except NotFound:
        raise Http404("no such account") from None
    reason = _reason(request)
    if not reason:
        return render(
            request,
            "web/operator/person_reason.html",
            {"subject_id": subject.pk},
            status=400 if "grund" in request.GET else 200,
        )
    personal_data_access_record(
        actor=request.user, subject=subject, what="account (roles)", reason=reason, path=request.path
    )
    return _person_page(request, subject, reason)


def _person_page(request, subject, reason, *, roles_form=None, erase_form=None, status=200) -> HttpResponse:
    roles_form = roles_form or RolesForm(
        initial={
            "is_member": subject.is_member,
            "is_town_staff": subject.is_town_staff,
            "is_operator": subject.is_operator,
            "cost_centre": subject.cost_centre.code if subject.cost_centre else "",
        }
    )
    return render(
        request,
        "web/operator/person.html",
        {
            "subject": subject,
            "roles": _roles(subject),
            "reason": reason,
            "erasure": privacy_selectors.erasure_of(subject_ref=subject.pk),
            "roles_form": roles_form,
            "erase_form": erase_form or EraseForm(),
            "is_self": subject.pk == request.user.pk,
        },
        status=status,
    )


def _subject_or_404(user_id: int):
    try:
        return account_selectors.user_get(user_id=user_id)
    except NotFound:
        raise Http404("no such account") from None


def _back(subject, reason: str) -> str:
    return reverse("web:operator_people_detail", kwargs={"user_id": subject.pk}) + "?" + urlencode({"grund": reason})


@operator_page
@require_POST
def person_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = _subject_or_404(user_id)
    reason = _reason(request) or gettext("Rollen geändert")
    form = RolesForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if subject.pk == request.user.pk and not data["is_operator"]:
            form.add_error("is_operator", gettext("Ihre eigene Rolle „Betrieb“ können Sie hier nicht entfernen."))
        else:
            try:
                user_update_roles(
                    user_id=subject.pk,
                    is_member=data["is_member"],
                    is_town_staff=data["is_town_staff"],
                    is_operator=data["is_operator"],
                    cost_centre_code=data["cost_centre"],
                )
            except DomainError as exc:
                field = "cost_centre" if exc.code in {"cost_centre_required", "unknown_cost_centre"} else None
                form.add_error(field, str(MESSAGES.get(exc.code, exc.message)))
            else:
                messages.success(request, gettext("Die Rollen sind geändert."))
                return redirect(_back(subject, reason))
    return _person_page(request, subject, reason, roles_form=form, status=400)


@operator_page
@require_POST
def person_erase(request: HttpRequest, user_id: int) -> HttpResponse:
    subject = _subject_or_404(user_id)
    reason = _reason(request) or gettext("Löschung auf Antrag")
    form = EraseForm(request.POST)
    if subject.pk == request.user.pk:
        form.add_error(None, gettext("Ihr eigenes Konto löschen Sie unter „Konto“."))
    if not form.is_valid():
        return _person_page(request, subject, reason, erase_form=form, status=400)
    try:
        record = user_erase(user_id=subject.pk, requested_by_subject=False)
    except NotFound:
        messages.error(request, str(MESSAGES["user_not_found"]))
        return redirect("web:operator_people")
    messages.success(
        request,
        gettext("Konto %(id)s ist gelöscht. Buchungen bleiben ohne Personenbezug für Statistik und Buchhaltung.")
        % {"id": record.subject_ref},
    )
    return redirect("web:operator_people")


class AccessLogFilter(forms.Form):
    person = forms.IntegerField(label=_("Konto-Nr. der betroffenen Person"), required=False, min_value=1)
    role = forms.ChoiceField(
        label=_("Wer hat eingesehen"),
        required=False,
        choices=(("", _("alle")), ("staff", _("Rathaus")), ("operator", _("Betrieb"))),
    )
    von = forms.DateField(label=_("von"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    bis = forms.DateField(label=_("bis einschließlich"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    quiet_fields = ("person", "role", "von", "bis")

    def clean(self):
        data = super().clean()
        if data.get("von") and data.get("bis") and data["bis"] < data["von"]:
            self.add_error("bis", gettext("„bis“ liegt vor „von“."))
        for name in ("von", "bis"):
            if data.get(name) and not (1900 <= data[name].year <= 2200):
                self.add_error(name, gettext("Bitte ein Datum zwischen 1900 und 2200."))
        if data.get("person") and data["person"] >= 2**63:
            self.add_error("person", gettext("Diese Konto-Nr. gibt es nicht."))
        return data


@operator_page
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilter(request.GET or None)
    entries = None
    status = 200
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        tz = timezone.get_current_timezone()
        since = datetime.combine(data["von"], time.min, tzinfo=tz) if data.get("von") else None
        until = datetime.combine(data["bis"] + timedelta(days=1), time.min, tzinfo=tz) if data.get("bis") else None
        entries = privacy_selectors.access_log(
            subject_ref=data.get("person"), actor_role=data.get("role") or None, since=since, until=until
        )
    else:
        status = 400
    page = None
    if entries is not None:
        page = Paginator(entries, 50).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "web/operator/access_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=status,
    )
