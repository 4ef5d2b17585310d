"""The operator's fleet page: stations, vehicles with upcoming reservations, tariffs, defects;
taking a car out of service cancels its upcoming reservations, and back again."""

from __future__ import annotations

import re

import pytest

from carsharing import services
from carsharing.models import DefectReport, Reservation, ReservationStatus, Vehicle
from tests.carsharing.conftest import aligned, fleet, make_member  # noqa: F401 - fixtures
from tests.factories import UserFactory
from tests.web.conftest import csrf_token, page_text, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def olga(db):
    return signed_in(UserFactory(is_operator=True))


def _vehicle_row(html: str, plate: str) -> str:
    match = re.search(r'<th scope="row">' + re.escape(plate) + r"</th>(.*?)</tr>", html, re.S)
    assert match, plate
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_fleet_page_lists_stations_vehicles_tariffs_and_defects(olga, fleet):  # noqa: F811
    carla = make_member()
    car = fleet["vehicles"][0]
    services.reservation_create(user=carla, vehicle_id=car.pk, start=aligned(24), end=aligned(26))
    DefectReport.objects.create(vehicle=car, reported_by=carla, description="Spiegel links lose", blocks_use=False)
    response = olga.get("/betrieb/flotte/")
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert "Rathaus Markt 1 51.00000, 12.00000 2" in text
    assert _vehicle_row(html, "LD-E 1").startswith("Kleinwagen E Rathaus 0 km 1 0 in Betrieb")
    assert "LD-E 1 außer Betrieb nehmen (storniert 1 Reservierung)" in text
    assert "LD-E 2 außer Betrieb nehmen (storniert 0 Reservierungen)" in text
    assert "Kleinwagen E 4,00 € 40,00 € 0,20 € 50 19 %" in text
    assert "Spiegel links lose nein 0" in text
    assert carla.email not in html and carla.display_name not in html  # the reporter is not shown


def test_out_of_service_cancels_upcoming_reservations_and_back(olga, fleet):  # noqa: F811
    carla = make_member()
    car = fleet["vehicles"][0]
    reservation = services.reservation_create(user=carla, vehicle_id=car.pk, start=aligned(24), end=aligned(26))
    token = csrf_token(olga, "/betrieb/flotte/")
    response = olga.post(
        f"/betrieb/flotte/fahrzeuge/{car.pk}/betrieb/", {"in_service": "0", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == "/betrieb/flotte/"
    car.refresh_from_db()
    reservation.refresh_from_db()
    assert car.in_service is False and reservation.status == ReservationStatus.PREEMPTED
    text = page_text(olga.get("/betrieb/flotte/"))
    assert "LD-E 1 ist außer Betrieb. Kommende Reservierungen sind storniert und erstattet." in text
    assert "LD-E 1 wieder in Betrieb nehmen" in text
    token = csrf_token(olga, "/betrieb/flotte/")
    olga.post(f"/betrieb/flotte/fahrzeuge/{car.pk}/betrieb/", {"in_service": "1", "csrfmiddlewaretoken": token})
    car.refresh_from_db()
    assert car.in_service is True
    assert Reservation.objects.get(pk=reservation.pk).status == ReservationStatus.PREEMPTED  # not revived


def test_vehicle_service_refuses_garbage_and_unknown_cars(olga, fleet):  # noqa: F811
    car = fleet["vehicles"][1]
    for value in ("", "false", "2"):
        token = csrf_token(olga, "/betrieb/flotte/")
        response = olga.post(
            f"/betrieb/flotte/fahrzeuge/{car.pk}/betrieb/", {"in_service": value, "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
    assert Vehicle.objects.get(pk=car.pk).in_service is True
    token = csrf_token(olga, "/betrieb/flotte/")
    response = olga.post("/betrieb/flotte/fahrzeuge/999999/betrieb/", {"in_service": "0", "csrfmiddlewaretoken": token})
    assert response.status_code == 404
    assert olga.get(f"/betrieb/flotte/fahrzeuge/{car.pk}/betrieb/").status_code == 405


def test_staff_cannot_take_cars_out_of_service(fleet):  # noqa: F811
    from tests.factories import CostCentreFactory

    staff = signed_in(UserFactory(is_town_staff=True, cost_centre=CostCentreFactory()))
    token = csrf_token(staff, "/")
    car = fleet["vehicles"][0]
    response = staff.post(
        f"/betrieb/flotte/fahrzeuge/{car.pk}/betrieb/", {"in_service": "0", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403
    assert Vehicle.objects.get(pk=car.pk).in_service is True
    assert staff.get("/betrieb/flotte/").status_code == 403
