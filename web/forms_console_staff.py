"""Forms of the town-hall staff console. German labels; the rules stay in the services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .forms_carsharing import START_TIMES, DateInput, QuickSelect

WEEKDAYS = [
    ("1", _("Montag")),
    ("2", _("Dienstag")),
    ("3", _("Mittwoch")),
    ("4", _("Donnerstag")),
    ("5", _("Freitag")),
    ("6", _("Samstag")),
    ("7", _("Sonntag")),
]
END_TIMES = [*START_TIMES[1:], ("24:00", "24:00")]


def _local(day: date, hhmm: str) -> datetime:
    tz = ZoneInfo(settings.TIME_ZONE)
    if hhmm == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


class OfficialTripForm(forms.Form):
    purpose = forms.CharField(label=_("Zweck der Fahrt"), max_length=200)
    cost_centre = forms.TypedChoiceField(label=_("Kostenstelle"), coerce=int)
    day = forms.DateField(label=_("Tag"), widget=DateInput())
    start_time = forms.ChoiceField(label=_("Von"), choices=START_TIMES, widget=QuickSelect)
    end_time = forms.ChoiceField(label=_("Bis"), choices=END_TIMES, widget=QuickSelect)
    passengers = forms.IntegerField(
        label=_("Personen (mit Fahrerin oder Fahrer)"),
        min_value=1,
        max_value=9,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    repeat = forms.BooleanField(label=_("Regelmäßige Dienstfahrt (jede Woche)"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("An diesen Wochentagen"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    until = forms.DateField(label=_("Bis einschließlich"), required=False, widget=DateInput())
    vehicle = forms.TypedChoiceField(label=_("Auto"), coerce=int, required=False, widget=forms.RadioSelect)

    quiet_fields = ("weekdays", "until", "vehicle", "repeat")

    def __init__(self, *args, cost_centres=(), vehicles=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cost_centre"].choices = [(c.pk, f"{c.code} {c.name}") for c in cost_centres]
        self.fields["vehicle"].choices = [
            (v.pk, f"{v.vehicle_type.name} ({v.plate}), {v.vehicle_type.seats} {_('Sitze')}, {v.station.name}")
            for v in vehicles
        ]

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start and end and _local(day, end) <= _local(day, start):
            self.add_error("end_time", _("Das Ende muss nach dem Beginn liegen."))
        if data.get("repeat"):
            if not data.get("weekdays"):
                self.add_error("weekdays", _("Bitte wählen Sie mindestens einen Wochentag."))
            if not data.get("until"):
                self.add_error("until", _("Bitte geben Sie an, bis wann die Fahrt regelmäßig stattfindet."))
            elif day and data["until"] < day:
                self.add_error("until", _("Das Enddatum liegt vor dem ersten Tag."))
            if end == "24:00":
                self.add_error("end_time", _("Eine regelmäßige Fahrt endet spätestens um 23:45 Uhr."))
        return data

    def window(self) -> tuple[datetime, datetime]:
        d = self.cleaned_data
        return _local(d["day"], d["start_time"]), _local(d["day"], d["end_time"])

    def times(self) -> tuple[time, time]:
        """Local start and end times of a recurring trip (which ends before midnight)."""
        d = self.cleaned_data
        return time.fromisoformat(d["start_time"]), time.fromisoformat(d["end_time"])


class ReleaseForm(forms.Form):
    start = forms.ChoiceField(label=_("Freigeben ab"), widget=QuickSelect)
    end = forms.ChoiceField(label=_("Freigeben bis"), widget=QuickSelect)

    def __init__(self, *args, instants: list[datetime] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.utils import formats, timezone

        choices = [
            (timezone.localtime(moment).isoformat(), formats.date_format(timezone.localtime(moment), "D d.m. H:i"))
            for moment in instants
        ]
        self.fields["start"].choices = choices[:-1]
        self.fields["end"].choices = choices[1:]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            data["start"] = datetime.fromisoformat(data["start"])
            data["end"] = datetime.fromisoformat(data["end"])
            if data["end"] <= data["start"]:
                self.add_error("end", _("Das Ende muss nach dem Beginn liegen."))
        return data


DEFAULT_DESK_REASON = _("Anruf: Bürgerbus-Buchung")


class CallerSearchForm(forms.Form):
    suche = forms.CharField(
        label=_("Anrufer suchen"),
        max_length=100,
        help_text=_("Name, Telefonnummer oder E-Mail-Adresse"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "accesskey": "a"}),
    )
    grund = forms.CharField(label=_("Grund der Einsicht"), max_length=200, initial=DEFAULT_DESK_REASON)


class DeskTripForm(forms.Form):
    linie = forms.TypedChoiceField(label=_("Linie"), coerce=int, widget=QuickSelect(attrs={"accesskey": "l"}))
    datum = forms.DateField(label=_("Tag"), widget=DateInput())
    von = forms.TypedChoiceField(label=_("Von"), coerce=int, widget=QuickSelect)
    nach = forms.TypedChoiceField(label=_("Nach"), coerce=int, widget=QuickSelect)
    plaetze = forms.IntegerField(
        label=_("Plätze"), min_value=1, max_value=8, initial=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )

    def __init__(self, *args, lines=(), stops=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["linie"].choices = [(r.pk, f"{r.short_name} {r.long_name}".strip()) for r in lines]
        stop_choices = [(s.pk, s.name) for s in stops]
        self.fields["von"].choices = stop_choices
        self.fields["nach"].choices = stop_choices

    def clean(self):
        data = super().clean()
        if data.get("von") and data.get("von") == data.get("nach"):
            self.add_error("nach", _("Start und Ziel sind gleich."))
        return data


class DeskBookingForm(forms.Form):
    """The booking itself: the trip chosen from the list, and who travels (a caller's account
    or, for a one-off caller, a name and a phone number for the driver)."""

    fahrt = forms.IntegerField(label=_("Fahrt"), widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name der anrufenden Person"), max_length=120, required=False)
    telefon = forms.CharField(
        label=_("Telefonnummer für die Fahrerin oder den Fahrer"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, one_off: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.one_off = one_off
        self.fields["name"].required = one_off
        self.fields["telefon"].required = one_off

    def clean_telefon(self) -> str:
        phone = self.cleaned_data["telefon"].strip()
        if phone and sum(ch.isdigit() for ch in phone) < 5:
            raise forms.ValidationError(_("Bitte geben Sie eine Telefonnummer mit mindestens 5 Ziffern an."))
        if phone and any(ch not in "0123456789 +-/()" for ch in phone):
            raise forms.ValidationError(_("Eine Telefonnummer enthält nur Ziffern, Leerzeichen und + - / ( )."))
        return phone


class DeskCancelForm(forms.Form):
    grund = forms.CharField(label=_("Grund der Stornierung"), max_length=300, initial=_("Abgesagt am Telefon"))


class MembershipDecisionForm(forms.Form):
    entscheidung = forms.ChoiceField(choices=[("zulassen", _("Zulassen")), ("ablehnen", _("Ablehnen"))])
    begruendung = forms.CharField(
        label=_("Begründung"),
        max_length=250,
        required=False,
        help_text=_("Bei einer Ablehnung nötig; die antragstellende Person erfährt sie."),
    )

    def clean(self):
        data = super().clean()
        data["begruendung"] = " ".join((data.get("begruendung") or "").split())
        if data.get("entscheidung") == "ablehnen" and not data["begruendung"]:
            self.add_error("begruendung", _("Bitte begründen Sie die Ablehnung."))
        return data
