"""The town-hall staff console: the start page. The working pages live in the
``console_staff_*`` modules beside this one."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..console import staff_required


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/console/staff/home.html", {})
