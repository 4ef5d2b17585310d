"""Bürgerbus editor: lines."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gtfs import selectors_editor, services
from mobility.errors import DomainError

from ..operator_base import operator_page
from .common import _add_error, _editor_object, _form_page, back_to_overview, rule_text


class LineForm(forms.Form):
    short_name = forms.CharField(label=_("Liniennummer"), max_length=100)
    long_name = forms.CharField(label=_("Linienname"), max_length=255, required=False)
    booking_rule = forms.ChoiceField(label=_("Anmelderegel"), required=False, choices=())
    prefix = "linie"

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["booking_rule"].choices = [("", gettext("keine (fährt immer)"))] + [
            (str(rule.pk), rule_text(rule)) for rule in rules
        ]


def _line_values(data: dict) -> dict:
    """The line form's cleaned data as the arguments of ``bb_line_create`` and ``bb_line_update``."""
    return {
        "short_name": data["short_name"],
        "long_name": data["long_name"],
        "booking_rule_id": int(data["booking_rule"]) if data["booking_rule"] else None,
    }


def _rules_now() -> list:
    return selectors_editor.editor_rules()


@operator_page
def line_create(request: HttpRequest) -> HttpResponse:
    rules = _rules_now()
    if request.method != "POST":
        return _form_page(request, "line", LineForm(rules=rules))
    form = LineForm(request.POST, rules=rules)
    if form.is_valid():
        try:
            line = services.bb_line_create(**_line_values(form.cleaned_data), user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Linie %(name)s angelegt.") % {"name": line.short_name})
            return back_to_overview(request)
    return _form_page(request, "line", form, status=400)


@operator_page
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a line or give it another booking rule (its trips take the new rule too)."""
    line = _editor_object(selectors_editor.editor_line, line_id=pk)
    rules = _rules_now()
    if request.method != "POST":
        form = LineForm(
            rules=rules,
            initial={
                "short_name": line.short_name,
                "long_name": line.long_name,
                "booking_rule": str(line.booking_rule_id or ""),
            },
        )
        return _form_page(request, "line", form, obj=line, name=line.short_name)
    form = LineForm(request.POST, rules=rules)
    if form.is_valid():
        try:
            line = services.bb_line_update(line_id=line.pk, **_line_values(form.cleaned_data), user=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, gettext("Linie %(name)s gespeichert.") % {"name": line.short_name})
            return back_to_overview(request)
    return _form_page(request, "line", form, status=400, obj=line, name=line.short_name)
