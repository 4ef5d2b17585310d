"""The staff and operator console (``/verwaltung/`` and the operator's pages): role checks
and the console navigation.

Roles are flags on the user (:mod:`mobility.accounts.models`): town-hall staff
(``is_town_staff``) work in the staff console; operators (``is_operator``) run the platform
and may also open every staff page; residents and members get the German 403 page, people
who are not signed in are sent to the login page first.

The navigation is data, not template code: :data:`STAFF_LINKS` and :data:`OPERATOR_LINKS`
list URL names; :func:`navigation` (a context processor) resolves the ones this user may see
and leaves out any URL name that does not exist (yet), so a half-built console never breaks
a page. The operator console adds its entries to :data:`OPERATOR_LINKS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

STAFF = "staff"
OPERATOR = "operator"


@dataclass(frozen=True)
class ConsoleLink:
    """One entry of the console navigation.

    ``url_name`` is a name in the ``web`` namespace; the link is marked as the current page
    when the request's URL name is ``url_name`` or starts with one of ``current_prefixes``.
    """

    url_name: str
    label: str
    role: str
    current_prefixes: tuple[str, ...] = ()

    def is_current(self, current_url_name: str) -> bool:
        if current_url_name == self.url_name:
            return True
        return any(current_url_name.startswith(prefix) for prefix in self.current_prefixes)


STAFF_LINKS: list[ConsoleLink] = [
    ConsoleLink("staff_home", _("Übersicht Verwaltung"), STAFF),
    ConsoleLink("staff_official_trip_new", _("Dienstfahrt buchen"), STAFF, ("staff_official_trip",)),
    ConsoleLink("staff_calendar", _("Grundlast-Kalender"), STAFF, ("staff_calendar", "staff_block")),
    ConsoleLink("staff_phone_desk", _("Bürgerbus-Telefon"), STAFF, ("staff_phone",)),
    ConsoleLink("staff_manifests", _("Fahrerlisten"), STAFF, ("staff_manifest",)),
    ConsoleLink("staff_memberships", _("Mitgliedschaften"), STAFF, ("staff_membership",)),
]

#: The operator console's pages (added by the operator console; missing URL names are skipped).
OPERATOR_LINKS: list[ConsoleLink] = [
    ConsoleLink("operator_dashboard", _("Kennzahlen"), OPERATOR, ("operator_dashboard", "operator_export")),
    ConsoleLink("operator_timetables", _("Fahrpläne"), OPERATOR, ("operator_timetable", "operator_feed")),
    ConsoleLink("operator_buergerbus", _("Bürgerbus-Editor"), OPERATOR, ("operator_buergerbus",)),
    ConsoleLink("operator_fleet", _("Flotte"), OPERATOR, ("operator_fleet", "operator_station", "operator_vehicle")),
    ConsoleLink("operator_roadgraph", _("Straßennetz"), OPERATOR, ("operator_roadgraph",)),
    ConsoleLink("operator_people", _("Personen"), OPERATOR, ("operator_people", "operator_access_log")),
]


def is_console_staff(user) -> bool:
    """Town-hall staff, and operators (who may see every staff page)."""
    return bool(user and user.is_authenticated and user.is_active and (user.is_town_staff or user.is_operator))


def is_console_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_operator)


def _role_required(check: Callable[[object], bool]) -> Callable[[Callable], Callable]:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @never_cache
        @login_required(login_url="web:login")
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not check(request.user):
                # handler403 renders web/errors/403.html (German, English second)
                raise PermissionDenied("console role required")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


#: A staff console page: signed in, town-hall staff or operator, never cached. Others get 403.
staff_required = _role_required(is_console_staff)
#: An operator console page: signed in and operator, never cached. Staff and residents get 403.
operator_required = _role_required(is_console_operator)


def console_links(request: HttpRequest) -> list[dict]:
    """The console links this user may see, resolved, with the current page marked."""
    user = getattr(request, "user", None)
    links: list[ConsoleLink] = []
    if is_console_staff(user):
        links.extend(STAFF_LINKS)
    if is_console_operator(user):
        links.extend(OPERATOR_LINKS)
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None and "web" in match.namespaces else ""
    items = []
    for link in links:
        try:
            url = reverse(f"web:{link.url_name}")
        except NoReverseMatch:  # a page of the other console that does not exist yet
            continue
        items.append({"url": url, "label": link.label, "role": link.role, "current": link.is_current(current or "")})
    return items


def navigation(request: HttpRequest) -> dict:
    """Context processor: ``console_nav`` (staff and operator links) for staff and operators."""
    user = getattr(request, "user", None)
    if not is_console_staff(user):
        return {}
    return {"console_nav": console_links(request)}
