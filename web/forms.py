"""Forms of the web app. Labels and help texts are German (gettext), validation stays in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Passwort"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class RegisterForm(forms.Form):
    display_name = forms.CharField(
        label=_("Ihr Name"),
        max_length=80,
        required=False,
        help_text=_("So sehen andere Sie, z. B. „Anna M.“"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(label=_("E-Mail-Adresse"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Passwort"),
        strip=False,
        help_text=_("Mindestens 10 Zeichen, nicht nur Ziffern."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PasswordResetConfirmForm(forms.Form):
    uid = forms.CharField(widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput)
    new_password = forms.CharField(
        label=_("Neues Passwort"),
        strip=False,
        help_text=_("Mindestens 10 Zeichen, nicht nur Ziffern."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class VerifyEmailForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Ihr Passwort zur Bestätigung"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(label=_("Ja, ich möchte mein Konto und meine Daten endgültig löschen."))


class SearchForm(forms.Form):
    """Wohin möchten Sie? Places are names from the platform's own places (resolved by the view)."""

    WHEN_CHOICES = [("now", _("Jetzt")), ("depart", _("Abfahrt um")), ("arrive", _("Ankunft bis"))]

    origin = forms.CharField(
        label=_("Von"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"list": "orte", "autocomplete": "off", "placeholder": _("z. B. Rathaus Lindenau")}
        ),
    )
    destination = forms.CharField(
        label=_("Nach"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "orte", "autocomplete": "off", "placeholder": _("z. B. Birkenfeld")}),
    )
    when = forms.ChoiceField(label=_("Wann?"), choices=WHEN_CHOICES, initial="now", widget=forms.RadioSelect)
    date = forms.DateField(label=_("Datum"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Uhrzeit"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    seats = forms.IntegerField(label=_("Personen"), min_value=1, max_value=8, initial=1, required=False)

    def clean(self):
        data = super().clean()
        if data.get("when") in {"depart", "arrive"}:
            if not data.get("date"):
                self.add_error("date", _("Bitte wählen Sie ein Datum."))
            if not data.get("time"):
                self.add_error("time", _("Bitte wählen Sie eine Uhrzeit."))
        if not data.get("seats"):
            data["seats"] = 1
        return data
