"""The fleet in the operator console: stations on the map, vehicles with their tariff and
defects, taking a car out of service (its upcoming reservations are cancelled, refunded and
their people told, by ``carsharing.services.vehicle_update``) and back into service."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from carsharing import selectors, services
from mobility.errors import DomainError

from ..journeys import euros as _euro
from .operator_base import operator_page


@operator_page
def fleet(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    by_type = {tariff.vehicle_type_id: tariff for tariff in selectors.tariff_list()}
    tariffs = []
    for vehicle_type in selectors.vehicle_types().order_by("name"):
        tariff = by_type.get(vehicle_type.pk)
        tariffs.append(
            {
                "type": vehicle_type,
                "tariff": tariff,
                "per_hour": _euro(tariff.per_hour_cents) if tariff else "",
                "daily_cap": _euro(tariff.daily_cap_cents) if tariff else "",
                "per_km": _euro(tariff.per_km_cents) if tariff else "",
                "vat_percent": tariff.vat_rate_bp / 100 if tariff else None,
            }
        )
    return render(
        request,
        "web/operator/fleet.html",
        {
            "stations": list(selectors.stations_with_vehicles()),
            "vehicles": selectors.fleet_vehicles(now=now),
            "tariffs": tariffs,
            "defects": list(selectors.defect_list(limit=30)),
        },
    )


@operator_page
@require_POST
def vehicle_service(request: HttpRequest, vehicle_id: int) -> HttpResponse:
    """``in_service=0`` takes the car out of service, ``in_service=1`` puts it back."""
    raw = request.POST.get("in_service")
    if raw not in {"0", "1"}:
        messages.error(request, gettext("Bitte wählen Sie „außer Betrieb“ oder „in Betrieb“."))
        return redirect("web:operator_fleet")
    in_service = raw == "1"
    try:
        vehicle = services.vehicle_update(vehicle_id=vehicle_id, in_service=in_service)
    except DomainError as exc:
        if exc.code == "vehicle_not_found":
            raise Http404("no such vehicle") from None
        messages.error(request, exc.message)
        return redirect("web:operator_fleet")
    if in_service:
        messages.success(request, gettext("%(plate)s ist wieder in Betrieb.") % {"plate": vehicle.plate})
    else:
        messages.success(
            request,
            gettext("%(plate)s ist außer Betrieb. Kommende Reservierungen sind storniert und erstattet.")
            % {"plate": vehicle.plate},
        )
    return redirect("web:operator_fleet")


# --- adding stations and vehicles, setting tariffs ------------------------------------------

FLEET_MESSAGES = {
    "duplicate_plate": _("Ein Fahrzeug mit diesem Kennzeichen gibt es schon."),
    "duplicate_name": _("Diesen Namen gibt es schon."),
}


def _euros(cents: int) -> Decimal:
    """Cents (or basis points) as a decimal with two places, as the form shows them."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class StationForm(forms.Form):
    name = forms.CharField(label=_("Name der Station"), max_length=120)
    lat = forms.FloatField(label=_("Breite (Grad, WGS84)"), min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Länge (Grad, WGS84)"), min_value=-180, max_value=180)
    address = forms.CharField(label=_("Adresse"), max_length=250, required=False)
    access_notes = forms.CharField(
        label=_("Hinweise zum Zugang"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("Kennzeichen"), max_length=20)
    vehicle_type = forms.ChoiceField(label=_("Fahrzeugtyp"), choices=())
    station = forms.ChoiceField(label=_("Station"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle_type"].choices = [(str(t.pk), t.name) for t in selectors.vehicle_types().order_by("name")]
        self.fields["station"].choices = [(str(s.pk), s.name) for s in selectors.stations().order_by("name")]


class MoneyInput(forms.TextInput):
    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})


class TariffForm(forms.Form):
    per_hour = forms.DecimalField(
        label=_("je Stunde (€)"), min_value=0, max_digits=8, decimal_places=2, localize=True, widget=MoneyInput
    )
    daily_cap = forms.DecimalField(
        label=_("höchstens je 24 Stunden (€)"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        localize=True,
        widget=MoneyInput,
    )
    per_km = forms.DecimalField(
        label=_("je km (€)"), min_value=0, max_digits=6, decimal_places=2, localize=True, widget=MoneyInput
    )
    included_km = forms.IntegerField(label=_("Freikilometer je Reservierung"), min_value=0, max_value=100000)
    vat_percent = forms.DecimalField(
        label=_("MwSt. (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        localize=True,
        widget=MoneyInput,
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("per_hour") is not None
            and data.get("daily_cap") is not None
            and data["daily_cap"] < data["per_hour"]
        ):
            self.add_error("daily_cap", gettext("Der Tageshöchstbetrag ist kleiner als eine Stunde."))
        return data


def _fleet_form(request, form, *, title, button, action, action_kwargs=None, status=200) -> HttpResponse:
    return render(
        request,
        "web/operator/fleet_form.html",
        {"form": form, "title": title, "button": button, "action": reverse(action, kwargs=action_kwargs or {})},
        status=status,
    )


@operator_page
def station_create(request: HttpRequest) -> HttpResponse:
    title, button = _("Neue Station"), _("Station anlegen")
    if request.method != "POST":
        return _fleet_form(request, StationForm(), title=title, button=button, action="web:operator_station_create")
    form = StationForm(request.POST)
    if form.is_valid():
        station = services.station_create(**form.cleaned_data)
        messages.success(request, gettext("Station „%(name)s“ angelegt.") % {"name": station.name})
        return redirect("web:operator_fleet")
    return _fleet_form(request, form, title=title, button=button, action="web:operator_station_create", status=400)


@operator_page
def vehicle_create(request: HttpRequest) -> HttpResponse:
    title, button = _("Neues Fahrzeug"), _("Fahrzeug anlegen")
    if request.method != "POST":
        return _fleet_form(request, VehicleForm(), title=title, button=button, action="web:operator_vehicle_create")
    form = VehicleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            vehicle = services.vehicle_create(
                plate=data["plate"],
                vehicle_type=selectors.vehicle_types().get(pk=int(data["vehicle_type"])),
                station=selectors.stations().get(pk=int(data["station"])),
            )
        except DomainError as exc:
            form.add_error(
                "plate" if exc.code == "duplicate_plate" else None, str(FLEET_MESSAGES.get(exc.code, exc.message))
            )
        else:
            messages.success(request, gettext("%(plate)s angelegt und in Betrieb.") % {"plate": vehicle.plate})
            return redirect("web:operator_fleet")
    return _fleet_form(request, form, title=title, button=button, action="web:operator_vehicle_create", status=400)


@operator_page
def tariff_edit(request: HttpRequest, vehicle_type_id: int) -> HttpResponse:
    vehicle_type = selectors.vehicle_types().filter(pk=vehicle_type_id).first()
    if vehicle_type is None:
        raise Http404("no such vehicle type")
    title = gettext("Tarif für %(name)s") % {"name": vehicle_type.name}
    button = _("Tarif speichern")
    kwargs = {"vehicle_type_id": vehicle_type.pk}
    if request.method != "POST":
        tariff = selectors.tariffs().filter(vehicle_type=vehicle_type).first()
        initial = (
            {
                "per_hour": _euros(tariff.per_hour_cents),
                "daily_cap": _euros(tariff.daily_cap_cents),
                "per_km": _euros(tariff.per_km_cents),
                "included_km": tariff.included_km,
                "vat_percent": _euros(tariff.vat_rate_bp),
            }
            if tariff
            else {"vat_percent": Decimal(19), "included_km": 0}
        )
        form = TariffForm(initial=initial)
        return _fleet_form(
            request, form, title=title, button=button, action="web:operator_fleet_tariff", action_kwargs=kwargs
        )
    form = TariffForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.tariff_set(
            vehicle_type=vehicle_type,
            per_hour_cents=_cents(data["per_hour"]),
            daily_cap_cents=_cents(data["daily_cap"]),
            per_km_cents=_cents(data["per_km"]),
            included_km=data["included_km"],
            vat_rate_bp=_cents(data["vat_percent"]),
        )
        messages.success(
            request,
            gettext("Der Tarif für %(name)s gilt ab jetzt für neue Reservierungen.") % {"name": vehicle_type.name},
        )
        return redirect("web:operator_fleet")
    return _fleet_form(
        request, form, title=title, button=button, action="web:operator_fleet_tariff", action_kwargs=kwargs, status=400
    )
