"""Bürgerbus editor: booking rules."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gtfs import selectors_editor, services
from gtfs.domain.times import format_gtfs_time
from mobility.errors import DomainError

from ..operator_base import operator_page
from .common import _add_error, _editor_object, _form_page, back_to_overview, rule_text

BOOKING_TYPES = (
    ("0", _("ohne Voranmeldung (jederzeit)")),
    ("1", _("am selben Tag, mit Vorlauf in Minuten")),
    ("2", _("bis zu einer Uhrzeit an einem Vortag")),
)


class RuleForm(forms.Form):
    booking_type = forms.ChoiceField(label=_("Anmeldung"), choices=BOOKING_TYPES)
    prior_notice_duration_min = forms.IntegerField(
        label=_("Vorlauf in Minuten (am selben Tag)"), required=False, min_value=0, max_value=10080
    )
    prior_notice_last_day = forms.IntegerField(
        label=_("Spätestens so viele Tage vorher"), required=False, min_value=0, max_value=30
    )
    prior_notice_last_time = forms.CharField(label=_("bis Uhrzeit (HH:MM)"), required=False, max_length=8)
    message = forms.CharField(label=_("Hinweis für Fahrgäste"), required=False, max_length=500)
    phone_number = forms.CharField(label=_("Telefon für die Anmeldung"), required=False, max_length=64)
    prefix = "regel"

    def clean(self):
        """What the chosen kind of booking needs, each missing field named (the service would
        refuse the rule with one sentence for all of them)."""
        data = super().clean()

        def missing(name: str) -> bool:
            return data.get(name) in (None, "") and name not in self.errors

        kind = data.get("booking_type")
        if kind == "1" and missing("prior_notice_duration_min"):
            self.add_error("prior_notice_duration_min", gettext("Bitte geben Sie den Vorlauf in Minuten an."))
        if kind == "2" and missing("prior_notice_last_day"):
            days_missing = gettext("Bitte geben Sie an, wie viele Tage vorher (1 = am Vortag).")
            self.add_error("prior_notice_last_day", days_missing)
        if kind == "2" and missing("prior_notice_last_time"):
            self.add_error("prior_notice_last_time", gettext("Bitte geben Sie die Uhrzeit an (HH:MM)."))
        return data


def _rule_values(data: dict) -> dict:
    """The rule form's cleaned data as the arguments of ``bb_booking_rule_create`` and ``_update``."""
    return {
        "booking_type": int(data["booking_type"]),
        "prior_notice_duration_min": data["prior_notice_duration_min"],
        "prior_notice_last_day": data["prior_notice_last_day"],
        "prior_notice_last_time": data["prior_notice_last_time"] or None,
        "message": data["message"],
        "phone_number": data["phone_number"],
    }


@operator_page
def rule_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, "rule", RuleForm())
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            rule = services.bb_booking_rule_create(**_rule_values(form.cleaned_data), user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Anmelderegel angelegt: %(text)s.") % {"text": rule_text(rule)})
            return back_to_overview(request)
    return _form_page(request, "rule", form, status=400)


@operator_page
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a booking rule; every line that uses it follows."""
    rule = _editor_object(selectors_editor.editor_rule, rule_id=pk)
    if request.method != "POST":
        last_time = format_gtfs_time(rule.prior_notice_last_time)[:5] if rule.prior_notice_last_time is not None else ""
        form = RuleForm(
            initial={
                "booking_type": str(rule.booking_type),
                "prior_notice_duration_min": rule.prior_notice_duration_min,
                "prior_notice_last_day": rule.prior_notice_last_day,
                "prior_notice_last_time": last_time,
                "message": rule.message,
                "phone_number": rule.phone_number,
            }
        )
        return _form_page(request, "rule", form, obj=rule)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            rule = services.bb_booking_rule_update(
                rule_id=rule.pk, **_rule_values(form.cleaned_data), user=request.user
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Anmelderegel gespeichert: %(text)s.") % {"text": rule_text(rule)})
            return back_to_overview(request)
    return _form_page(request, "rule", form, status=400, obj=rule)
