"""Staff console: membership decisions. Open applications with the licence data, its expiry
and a warning when another membership holds the same licence number; approve or refuse
(with a reason). Looking at the list is recorded in the access log for every applicant shown.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carsharing import selectors_console as selectors
from carsharing import services
from mobility.errors import DomainError, NotFound
from mobility.privacy.services import personal_data_access_record_many

from ..console import staff_required
from ..forms_console_staff import MembershipDecisionForm
from .console_staff import console_message

LIST_REASON = "membership decision"


def _render_list(
    request: HttpRequest, *, forms: dict | None = None, status: int = 200, error: str = ""
) -> HttpResponse:
    today = timezone.localdate()
    applications = selectors.membership_applications(today=today)
    personal_data_access_record_many(
        actor=request.user,
        subjects=[a.membership.user for a in applications],
        what="membership application: licence number and expiry",
        reason=LIST_REASON,
        path=request.path,
    )
    forms = forms or {}
    rows = [
        {"application": a, "form": forms.get(a.membership.pk) or MembershipDecisionForm(prefix=f"m{a.membership.pk}")}
        for a in applications
    ]
    context = {"rows": rows, "decided": selectors.memberships_decided_recently(), "error": error}
    return render(request, "web/console/staff/memberships.html", context, status=status)


@staff_required
@require_GET
def memberships(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@staff_required
@require_POST
def membership_decide(request: HttpRequest, membership_id: int) -> HttpResponse:
    form = MembershipDecisionForm(request.POST, prefix=f"m{membership_id}")
    if not form.is_valid():
        return _render_list(request, forms={membership_id: form}, status=400)
    approve = form.cleaned_data["entscheidung"] == "zulassen"
    try:
        membership = services.membership_decide(
            staff=request.user, membership_id=membership_id, approve=approve, note=form.cleaned_data["begruendung"]
        )
    except NotFound as exc:
        raise Http404(console_message(exc)) from exc
    except DomainError as exc:
        form.add_error(None, console_message(exc))
        return _render_list(
            request,
            forms={membership_id: form},
            status=409 if exc.status_code == 409 else 400,
            error=console_message(exc),
        )
    name = membership.user.display_name or membership.user.email
    if approve:
        messages.success(request, _("%(name)s ist jetzt Mitglied im Carsharing.") % {"name": name})
    else:
        messages.success(request, _("Der Antrag von %(name)s ist abgelehnt.") % {"name": name})
    return redirect("web:staff_memberships")
