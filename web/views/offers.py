"""Offer a ride: the driver's side of ride-sharing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .base import personal


@personal
def offer_create(request: HttpRequest) -> HttpResponse:
    return render(request, "web/offers/offer_create.html", {"nav": "offer"})
