"""Meine Fahrten: every booking of the signed-in person, upcoming and past."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .base import personal


@personal
def my_trips(request: HttpRequest) -> HttpResponse:
    return render(request, "web/trips/my_trips.html", {"nav": "trips"})
