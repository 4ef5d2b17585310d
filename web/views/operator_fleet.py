"""The fleet in the operator console: stations on the map, vehicles with their tariff and
defects, taking a car out of service (its upcoming reservations are cancelled, refunded and
their people told, by ``carsharing.services.vehicle_update``) and back into service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from carsharing import selectors, services
from mobility.errors import DomainError

from .operator_base import operator_page


def _euro(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{cents / 100:.2f}".replace(".", ",") + " €"


@operator_page
def fleet(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    tariffs = [
        {
            "tariff": tariff,
            "per_hour": _euro(tariff.per_hour_cents),
            "daily_cap": _euro(tariff.daily_cap_cents),
            "per_km": _euro(tariff.per_km_cents),
            "vat_percent": tariff.vat_rate_bp / 100,
        }
        for tariff in selectors.tariff_list()
    ]
    return render(
        request,
        "web/operator/fleet.html",
        {
            "operator_nav": "fleet",
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
