"""Forms of the web app. Labels and help texts are German (gettext), validation stays in services."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
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


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Wie war die Fahrt?"),
        choices=[
            (5, _("5 – sehr gut")),
            (4, _("4 – gut")),
            (3, _("3 – in Ordnung")),
            (2, _("2 – nicht gut")),
            (1, _("1 – schlecht")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Bitte wählen Sie eine Bewertung.")},
    )
    text = forms.CharField(
        label=_("Ein paar Worte (freiwillig)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Andere sehen nur den Durchschnitt aus mindestens drei Bewertungen, nie Ihren Text."),
    )


class NoShowForm(forms.Form):
    note = forms.CharField(
        label=_("Was ist passiert? (freiwillig)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WomenOptionForm(forms.Form):
    declares_woman = forms.BooleanField(
        label=_("Ich bin eine Frau (Selbstauskunft)"),
        required=False,
        help_text=_(
            "Nur dafür: Sie können bei Mitfahrten „nur Fahrerinnen“ oder „nur Mitfahrerinnen“ nutzen. "
            "Wir prüfen nichts und speichern sonst nichts dazu. Haken entfernen löscht die Angabe."
        ),
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Ihr Passwort zur Bestätigung"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(label=_("Ja, ich möchte mein Konto und meine Daten endgültig löschen."))


# Suggestions: a <datalist> the server fills with every place; htmx narrows it while typing.
PLACE_INPUT = {
    "list": "orte",
    "autocomplete": "off",
    "hx-get": reverse_lazy("web:place_suggestions"),
    "hx-trigger": "input changed delay:250ms",
    "hx-target": "#orte",
    "hx-swap": "innerHTML",
    "hx-push-url": "false",  # the form pushes the results' URL; typing must not
    "hx-sync": "this:replace",
}


class SearchForm(forms.Form):
    """Wohin möchten Sie? Places are names from the platform's own places (resolved by the view)."""

    quiet_fields = ("date", "time", "seats", "women_drivers_only")  # optional, but not worth a "(freiwillig)"
    WHEN_CHOICES = [("now", _("Jetzt")), ("depart", _("Abfahrt um")), ("arrive", _("Ankunft bis"))]

    origin = forms.CharField(
        label=_("Von"),
        max_length=200,
        help_text=_("Haltestelle, Treffpunkt oder Carsharing-Station"),
        widget=forms.TextInput(attrs=PLACE_INPUT),
    )
    destination = forms.CharField(
        label=_("Nach"),
        max_length=200,
        widget=forms.TextInput(attrs=PLACE_INPUT),
    )
    when = forms.ChoiceField(label=_("Wann?"), choices=WHEN_CHOICES, initial="now", widget=forms.RadioSelect)
    date = forms.DateField(
        label=_("Datum"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=_("Uhrzeit"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    seats = forms.IntegerField(label=_("Personen"), min_value=1, max_value=8, initial=1, required=False)
    women_drivers_only = forms.BooleanField(
        label=_("Nur Fahrerinnen"),
        required=False,
        help_text=_("Mitfahrten nur bei Fahrerinnen, die das in ihrem Konto angegeben haben."),
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Offered only to people who declared themselves women (account page): the choice rests
        # on the same self-declared attribute, and others would find it confusing.
        if not (user is not None and user.is_authenticated and user.declares_woman):
            del self.fields["women_drivers_only"]

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


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund der Stornierung"),
        max_length=300,
        help_text=_("Zum Beispiel: „Termin fällt aus“. Die andere Seite bekommt den Grund mitgeteilt."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, reason_required: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if not reason_required:
            self.fields["reason"].help_text = _("Hilft dem Bürgerbus-Verein bei der Planung.")


WEEKDAY_CHOICES = [
    (0, _("Montag")),
    (1, _("Dienstag")),
    (2, _("Mittwoch")),
    (3, _("Donnerstag")),
    (4, _("Freitag")),
    (5, _("Samstag")),
    (6, _("Sonntag")),
]


class OfferForm(forms.Form):
    quiet_fields = ("weekdays", "until", "cost_share", "tolls", "women_riders_only")
    origin = forms.CharField(
        label=_("Von"),
        max_length=200,
        help_text=_("Haltestelle oder Treffpunkt, an dem Sie losfahren"),
        widget=forms.TextInput(attrs=PLACE_INPUT),
    )
    destination = forms.CharField(label=_("Nach"), max_length=200, widget=forms.TextInput(attrs=PLACE_INPUT))
    date = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(label=_("Abfahrt (Uhrzeit)"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    seats = forms.IntegerField(label=_("Freie Plätze"), min_value=1, max_value=8, initial=3)
    cost_share = forms.DecimalField(
        label=_("Kostenbeteiligung pro Platz (Euro)"),
        min_value=0,
        max_value=50,
        decimal_places=2,
        required=False,
        initial=0,
        help_text=_("0 heißt: kostenlos."),
    )
    women_riders_only = forms.BooleanField(
        label=_("Nur Frauen mitnehmen"),
        required=False,
        help_text=_("Dann können nur Personen buchen, die im Konto „Ich bin eine Frau“ angegeben haben."),
    )
    tolls = forms.DecimalField(
        label=_("Maut auf der Strecke (Euro, freiwillig)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        required=False,
        initial=0,
        help_text=_("Wird zu den Betriebskosten der Fahrt gezählt."),
    )
    max_detour_minutes = forms.IntegerField(label=_("Umweg höchstens (Minuten)"), min_value=0, max_value=60, initial=10)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Regelmäßig an diesen Tagen (freiwillig)"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    until = forms.DateField(
        label=_("Regelmäßig bis (Datum)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Nur bei regelmäßigen Fahrten."),
    )

    def clean(self):
        data = super().clean()
        if data.get("weekdays") and not data.get("until"):
            self.add_error("until", _("Bitte geben Sie an, bis wann die Fahrt regelmäßig stattfindet."))
        return data


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund (freiwillig)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(),
    )
