"""The secretariat console: HTTP translated to facility, policy and audit actions and queries.

Every page answers 404 to anyone but the secretariat, as the queries and actions do. A refused
change shows its message and changes nothing; a successful one redirects (POST-redirect-GET).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from renkei import authz
from renkei.accounts.models import Member
from renkei.accounts.reauth import require_recent_auth
from renkei.console import compliance, queries
from renkei.console.forms import (
    AuditFilterForm,
    DecisionForm,
    PolicyForm,
    StaffChoiceForm,
    WithdrawForm,
)
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.facilities import actions as facility_actions
from renkei.facilities import queries as facility_queries
from renkei.facilities.models import Facility, FacilityState
from renkei.policy.actions import apply_preset, change_policy
from renkei.policy.definitions import BY_KEY
from renkei.policy.presets import BY_PRESET, PRESETS, matching_presets
from renkei.policy.queries import current_policy

AUDIT_PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def secretariat_only(view: View) -> View:
    """Answer 404 to everyone but the secretariat, so the console's existence is not told."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not authz.is_secretariat(_viewer(request)):
            raise Http404()
        return view(request, *args, **kwargs)

    return wrapper


def _viewer(request: HttpRequest) -> Member:
    return cast(Member, request.user)


def _add_errors(form: Any, errors: dict[str, list[str]]) -> None:
    """Put an action's field errors next to the fields; others at the top of the form."""
    for key, msgs in errors.items():
        for msg in msgs:
            form.add_error(key if key in form.fields else None, msg)


@secretariat_only
def index(request: HttpRequest) -> HttpResponse:
    """Counts at a glance, compliance at a glance, and links to the console's pages."""
    viewer = _viewer(request)
    return render(
        request,
        "console/index.html",
        {
            "counts": queries.facility_counts(viewer),
            "lines": compliance.compliance_lines(viewer),
        },
    )


CASES_PAGE_SIZE = 100


@secretariat_only
def compliance_cases(request: HttpRequest, check_id: str) -> HttpResponse:
    """The cases behind one line of compliance at a glance."""
    viewer = _viewer(request)
    check = compliance.access_check(viewer, check_id)
    page, cases = compliance.case_page(
        viewer, check, number=request.GET.get("page"), per_page=CASES_PAGE_SIZE
    )
    return render(
        request, "console/compliance_cases.html", {"check": check, "page": page, "cases": cases}
    )


# Applications (R1.1)


@secretariat_only
def applications(request: HttpRequest) -> HttpResponse:
    """Applications waiting for a decision, oldest first (R1.1)."""
    pending = queries.pending_applications(_viewer(request))
    return render(request, "console/applications.html", {"applications": pending})


def _application_page(
    request: HttpRequest, facility: Facility, form: DecisionForm, *, status: int = 200
) -> HttpResponse:
    viewer = _viewer(request)
    return render(
        request,
        "console/application.html",
        {
            "facility": facility,
            "users": facility_queries.applied_users(viewer, facility),
            "form": form,
            "pending": facility.state == FacilityState.APPLIED,
        },
        status=status,
    )


@secretariat_only
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, public_id: str) -> HttpResponse:
    """One application's form-3 data; accept it, or reject it with a reason (R1.1)."""
    viewer = _viewer(request)
    facility = queries.console_facility(viewer, public_id)
    if request.method != "POST":
        return _application_page(request, facility, DecisionForm())
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _application_page(request, facility, form, status=400)
    try:
        if form.cleaned_data["decision"] == DecisionForm.ACCEPT:
            facility_actions.accept_application(viewer, facility_id=facility.pk)
            messages.success(
                request,
                _("%(name)s was accepted. Activation links were sent to its users.")
                % {"name": facility.name},
            )
        else:
            facility_actions.reject_application(
                viewer, facility_id=facility.pk, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("The application of %(name)s was rejected.") % {"name": facility.name},
            )
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _application_page(request, facility, form, status=400)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console:application", public_id=facility.public_id)


# Facilities


@secretariat_only
def facilities(request: HttpRequest) -> HttpResponse:
    """Facilities in one state (``?state=``), active by default."""
    state = request.GET.get("state", FacilityState.ACTIVE)
    if state not in FacilityState.values:
        state = FacilityState.ACTIVE
    return render(
        request,
        "console/facilities.html",
        {
            "facilities": queries.facilities_in_state(_viewer(request), state=state),
            "state": state,
            "states": FacilityState.choices,
        },
    )


def _staff_forms(rows: list[Any], data: Any = None, which: str = "") -> dict[str, StaffChoiceForm]:
    current = [r for r in rows if r.lost_on is None]
    choices = {
        "manager": [r for r in current if not r.is_manager],
        "appoint": [r for r in current if not r.is_admin],
        "revoke": [r for r in current if r.is_admin],
    }
    return {
        name: StaffChoiceForm(data if name == which else None, rows=candidates, prefix=name)
        for name, candidates in choices.items()
    }


def _facility_page(
    request: HttpRequest,
    facility: Facility,
    *,
    forms: dict[str, StaffChoiceForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = list(facility_queries.staff_list(_viewer(request), facility))
    return render(
        request,
        "console/facility.html",
        {
            "facility": facility,
            "rows": rows,
            "history": queries.facility_history(_viewer(request), facility),
            "forms": forms or _staff_forms(rows),
            "active": facility.state == FacilityState.ACTIVE,
        },
        status=status,
    )


@secretariat_only
def facility(request: HttpRequest, public_id: str) -> HttpResponse:
    """One facility's data, its form-3 user list and the secretariat's actions on it."""
    return _facility_page(request, queries.console_facility(_viewer(request), public_id))


# What each staff form does: the action and the message of its success.
_STAFF_ACTIONS: dict[str, tuple[Callable[..., Any], Promise]] = {
    "manager": (
        facility_actions.change_manager,
        gettext_lazy("%(name)s is now recorded as the facility manager."),
    ),
    "appoint": (facility_actions.appoint_admin, gettext_lazy("%(name)s is now a facility admin.")),
    "revoke": (
        facility_actions.revoke_admin,
        gettext_lazy("%(name)s is no longer a facility admin."),
    ),
}


@secretariat_only
@require_POST
def facility_staff(request: HttpRequest, public_id: str, which: str) -> HttpResponse:
    """Record a new manager, or appoint or revoke a facility admin (R2.8)."""
    if which not in _STAFF_ACTIONS:
        raise Http404()
    viewer = _viewer(request)
    facility = queries.console_facility(viewer, public_id)
    rows = list(facility_queries.staff_list(viewer, facility))
    forms = _staff_forms(rows, request.POST, which)
    form = forms[which]
    if not form.is_valid():
        return _facility_page(request, facility, forms=forms, status=400)
    action, success = _STAFF_ACTIONS[which]
    try:
        affiliation = action(viewer, facility_id=facility.pk, member_id=form.member_id)
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _facility_page(request, facility, forms=forms, status=400)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(success) % {"name": affiliation.member.name})
    return redirect("console:facility", public_id=facility.public_id)


@secretariat_only
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    """The confirm step, then the facility leaves the network (R1.2)."""
    viewer = _viewer(request)
    facility = queries.console_facility(viewer, public_id)
    if facility.state != FacilityState.ACTIVE:
        messages.error(request, _("This facility is not active in the network."))
        return redirect("console:facility", public_id=facility.public_id)
    current = [r for r in facility_queries.staff_list(viewer, facility) if r.lost_on is None]
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                facility_actions.withdraw_facility(
                    viewer, facility_id=facility.pk, left_on=form.cleaned_data["left_on"]
                )
            except ValidationFailed as exc:
                _add_errors(form, exc.errors)
            except NotFound:
                raise
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("console:facility", public_id=facility.public_id)
            else:
                messages.success(
                    request, _("%(name)s has left the network.") % {"name": facility.name}
                )
                return redirect("console:facility", public_id=facility.public_id)
        status = 400
    return render(
        request,
        "console/withdraw.html",
        {"facility": facility, "form": form, "current": current},
        status=status,
    )


# The regional policy


def _policy_page(request: HttpRequest, form: PolicyForm, *, status: int = 200) -> HttpResponse:
    viewer = _viewer(request)
    rows = queries.policy_rows(viewer)
    changes = [
        {"event": event, "setting": BY_KEY.get(event.object_id)}
        for event in queries.recent_policy_changes(viewer)
    ]
    policy_now = current_policy()
    matching = {preset.key for preset in matching_presets(policy_now)}
    return render(
        request,
        "console/policy.html",
        {
            "rows": [{"row": row, "field": form[row.setting.key]} for row in rows],
            "form": form,
            "changes": changes,
            "presets": [
                {"preset": preset, "settings": preset.describe(), "current": preset.key in matching}
                for preset in PRESETS
            ],
            "two_factor_required": policy_now.two_factor_required,
        },
        status=status,
    )


@secretariat_only
@require_recent_auth
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    """Every setting of the regional policy in one form, saved all-or-nothing."""
    viewer = _viewer(request)
    current = {row.setting.key: row.current for row in queries.policy_rows(viewer)}
    if request.method != "POST":
        return _policy_page(request, PolicyForm(current=current))
    form = PolicyForm(request.POST, current=current)
    if not form.is_valid():
        return _policy_page(request, form, status=400)
    try:
        change_policy(viewer, changes=form.changes())
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        messages.error(request, _("Nothing was saved. Correct the settings marked below."))
        return _policy_page(request, form, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _policy_page(request, form, status=exc.status)
    messages.success(request, _("The regional policy was saved."))
    return redirect("console:policy")


@secretariat_only
@require_recent_auth
@require_POST
def apply_policy_preset(request: HttpRequest, key: str) -> HttpResponse:
    """Set every setting of one password preset at once (R2.2), audited like any change."""
    try:
        apply_preset(_viewer(request), key=key)
    except DomainError as exc:
        messages.error(request, exc.message)
        current = {row.setting.key: row.current for row in queries.policy_rows(_viewer(request))}
        return _policy_page(request, PolicyForm(current=current), status=exc.status)
    messages.success(
        request, _("The preset “%(name)s” is now in force.") % {"name": BY_PRESET[key].label}
    )
    return redirect("console:policy")


# The audit trail


@secretariat_only
def audit(request: HttpRequest) -> HttpResponse:
    """The whole audit trail, filtered, newest first, 50 to a page."""
    viewer = _viewer(request)
    facility_choices = queries.facility_choices(viewer)
    form = AuditFilterForm(
        request.GET,
        facilities=facility_choices,
        object_types=queries.audit_object_types(viewer),
    )
    page = None
    names: dict[int, str] = {}
    if form.is_valid():
        since, until = form.time_range()
        facility_id = None
        if form.cleaned_data["facility"]:
            facility_id = queries.console_facility(viewer, form.cleaned_data["facility"]).pk
        events = queries.audit_events(
            viewer,
            action=form.cleaned_data["action"],
            actor_text=form.cleaned_data["actor"],
            facility_id=facility_id,
            object_type=form.cleaned_data["object_type"] or None,
            since=since,
            until=until,
        )
        page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
        names = queries.facility_names(
            viewer, {e.facility_id for e in page.object_list if e.facility_id is not None}
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/audit.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {"event": e, "facility_name": names.get(e.facility_id or 0, "")}
                for e in (page.object_list if page else [])
            ],
            "query": query.urlencode(),
        },
        status=200 if form.is_valid() else 400,
    )
