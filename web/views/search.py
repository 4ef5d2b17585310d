"""Wohin möchten Sie? The start page and the one search over every mode."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import forms


def start(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(initial={"when": "now", "seats": 1})
    return render(request, "web/start.html", {"form": form, "nav": "search"})
