"""Forms of the car-sharing member pages. German labels; the rules stay in ``carsharing.services``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

#: Start times in the 15-minute grid, local time.
START_TIMES = [(f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in range(24) for m in (0, 15, 30, 45)]
#: Reservations are booked by the hour.
HOURS = [(str(h), _("%(n)d Std.") % {"n": h}) for h in (*range(1, 25), 36, 48, 72, 96, 120, 144, 168)]
EXTRA_HOURS = [(str(h), _("%(n)d Std. länger") % {"n": h}) for h in (1, 2, 3, 4, 6, 12, 24)]


class QuickSelect(forms.Select):
    """A ``<select>`` rendered in Python: Django renders every ``<option>`` through a template
    include, which made the 96 start times a third of the vehicle page's server time."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = "" if value is None else str(value[0] if isinstance(value, list | tuple) and value else value)
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) == chosen else ""}>{escape(label)}</option>'
            for key, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308 - every part escaped


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MembershipForm(forms.Form):
    licence_number = forms.CharField(
        label=_("Führerscheinnummer"),
        max_length=40,
        help_text=_("Feld 5 auf Ihrem Führerschein. Wir prüfen ihn vor der ersten Fahrt im Rathaus."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    licence_expiry = forms.DateField(
        label=_("Gültig bis"),
        help_text=_("Feld 4b auf Ihrem Führerschein."),
        widget=DateInput(),
    )

    def clean_licence_number(self) -> str:
        return self.cleaned_data["licence_number"].strip().upper()


class ReserveForm(forms.Form):
    # A list of the bookable days rather than a date picker: one keystroke per day with the
    # keyboard, the same in every browser, and nothing outside the booking horizon to pick.
    day = forms.TypedChoiceField(label=_("Tag"), coerce=date.fromisoformat, widget=QuickSelect)
    start_time = forms.ChoiceField(label=_("Abholung um"), choices=START_TIMES, widget=QuickSelect)
    hours = forms.ChoiceField(label=_("Dauer"), choices=HOURS, initial="2", widget=QuickSelect)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from carsharing import conf

        today = timezone.localdate()
        days = [today + timedelta(days=n) for n in range(conf.get("CARSHARING_MEMBER_HORIZON_DAYS") + 1)]
        self.fields["day"].choices = [(d.isoformat(), formats.date_format(d, "l, d.m.Y")) for d in days]

    def window(self) -> tuple[datetime, datetime]:
        """The chosen window as aware datetimes (local time zone); call after ``is_valid()``."""
        tz = ZoneInfo(settings.TIME_ZONE)
        hour, minute = (int(part) for part in self.cleaned_data["start_time"].split(":"))
        start = datetime.combine(self.cleaned_data["day"], time(hour, minute)).replace(tzinfo=tz)
        # Whole hours of real time, also across a DST change.
        end = (start.astimezone(ZoneInfo("UTC")) + timedelta(hours=int(self.cleaned_data["hours"]))).astimezone(tz)
        return start, end


class ExtendForm(forms.Form):
    extra_hours = forms.ChoiceField(label=_("Verlängern um"), choices=EXTRA_HOURS)


class CheckOutForm(forms.Form):
    odometer_km = forms.IntegerField(
        label=_("Kilometerstand bei Rückgabe"), min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    energy_level_pct = forms.IntegerField(
        label=_("Tank- oder Akkustand in Prozent"), min_value=0, max_value=100, initial=100
    )
    damage_report = forms.CharField(
        label=_("Schäden oder Verschmutzung"),
        required=False,
        max_length=2000,
        help_text=_("Nur ausfüllen, wenn etwas nicht in Ordnung ist."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DefectForm(forms.Form):
    description = forms.CharField(
        label=_("Was ist kaputt oder fehlt?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    blocks_use = forms.BooleanField(
        label=_("Das Auto kann so nicht sicher gefahren werden (es wird sofort gesperrt)."), required=False
    )
