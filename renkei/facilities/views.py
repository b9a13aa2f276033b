"""The facility pages: application, console (form-3 list), member history and audit trail.

Views translate HTTP to the actions and queries of this app and back; permission checks and
the region's rules live in ``renkei.authz`` and the actions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkei import authz
from renkei.accounts.models import Member
from renkei.accounts.reauth import require_recent_auth
from renkei.audit.queries import visible_events
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.facilities import actions, queries
from renkei.facilities.forms import (
    MORE_ROWS,
    ApplicationForm,
    AuditFilterForm,
    DateForm,
    StaffForm,
    UserRowFormSet,
)
from renkei.facilities.models import Facility

AUDIT_PAGE_SIZE = 50


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def _add_errors(form: forms.Form, errors: dict[str, list[str]], *, rename: str = "") -> None:
    """Put an action's field errors next to their fields; others go to the top of the form."""
    for key, msgs in errors.items():
        name = f"{rename}{key}"
        if name in form.errors:  # the field could not even be read; that message says enough
            continue
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


# The application (R1.1) ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """The application (form 3): facility, manager, users and the confirmation of the rules."""
    if request.method != "POST":
        return _apply_page(request, ApplicationForm(), UserRowFormSet(prefix="users"))
    if "add_rows" in request.POST:
        data = request.POST.copy()
        try:
            total = int(data.get("users-TOTAL_FORMS", "0"))
        except ValueError:
            total = 0
        data["users-TOTAL_FORMS"] = str(max(0, total) + MORE_ROWS)
        formset = UserRowFormSet(data, prefix="users")
        # Show the rows again with what was typed, without judging it yet.
        return _apply_page(request, ApplicationForm(initial=_typed(data)), _unjudged(formset))
    form = ApplicationForm(request.POST)
    formset = UserRowFormSet(request.POST, prefix="users")
    form_ok, rows_ok = form.is_valid(), formset.is_valid()  # both, to read every row
    parsed = form_ok and rows_ok
    filled = formset.filled()
    application = form.application([row.person() for _i, row in filled])
    if not parsed:
        # Something could not even be read (a date, a choice): show it with every other problem
        # the rules find, and save nothing.
        _apply_errors(form, formset, filled, actions.application_problems(application))
        return _apply_page(request, form, formset, status=422)
    try:
        actions.apply_to_join(data=application)
    except ValidationFailed as exc:
        _apply_errors(form, formset, filled, exc.errors)
        return _apply_page(request, form, formset, status=422)
    return redirect("facilities:apply_done")


def _typed(data: Any) -> dict[str, Any]:
    return {k: data.get(k) for k in ApplicationForm.base_fields}


def _unjudged(formset: Any) -> Any:
    """A formset that shows the typed rows as initial values, with no errors."""
    rows = []
    for i in range(formset.total_form_count()):
        prefix = formset.add_prefix(i)
        rows.append(
            {
                k: formset.data.get(f"{prefix}-{k}", "")
                for k in ("name", "furigana", "profession", "email")
            }
        )
    fresh = UserRowFormSet(prefix="users", initial=rows)
    fresh.extra = 0
    return fresh


def _apply_errors(
    form: ApplicationForm,
    formset: Any,
    filled: list[tuple[int, Any]],
    errors: dict[str, list[str]],
) -> None:
    """Map the action's keys (``users-<i>-<field>`` counts filled rows only) onto the page."""
    for key, msgs in errors.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "users" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(filled):
                row = filled[index][1]
                field = parts[2] if parts[2] in row.fields else None
                if field is None or field not in row.errors:
                    for msg in msgs:
                        row.add_error(field, msg)
                continue
        if key == "users":
            for msg in msgs:
                formset.non_form_errors().append(msg)
            continue
        if key not in form.errors:
            _add_errors(form, {key: msgs})


def _apply_page(
    request: HttpRequest, form: ApplicationForm, formset: Any, *, status: int = 200
) -> HttpResponse:
    has_errors = form.is_bound and (bool(form.errors) or not formset.is_valid())
    return render(
        request,
        "facilities/apply.html",
        {"form": form, "formset": formset, "has_errors": has_errors},
        status=status,
    )


@require_GET
def apply_done(request: HttpRequest) -> HttpResponse:
    """Thanks the applicant and says what happens next."""
    return render(request, "facilities/apply_done.html")


# The facility console (form-3 list) ---------------------------------------------------------


def _facility(request: HttpRequest, public_id: uuid.UUID) -> tuple[Member, Facility]:
    viewer = _viewer(request)
    facility = queries.access_facility(viewer, public_id)
    return viewer, facility


def _console(
    request: HttpRequest,
    viewer: Member,
    facility: Facility,
    *,
    staff_form: StaffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = list(queries.staff_list(viewer, facility))
    return render(
        request,
        "facilities/detail.html",
        {
            "facility": facility,
            "rows": rows,
            "current_count": sum(1 for r in rows if r.is_current),
            "can_manage": facility.is_active and authz.may_manage_staff(viewer, facility),
            "can_appoint": facility.is_active and authz.may_appoint_admins(viewer, facility),
            "can_withdraw": facility.is_active and authz.may_withdraw_facility(viewer, facility),
            "can_audit": authz.may_view_facility_audit(viewer, facility),
            "staff_form": staff_form or StaffForm(),
        },
        status=status,
    )


@require_GET
def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The facility and its form-3 user list, with the actions the viewer may take."""
    viewer, facility = _facility(request, public_id)
    return _console(request, viewer, facility)


@require_POST
def register_staff(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A facility admin registers a staff member (R2.10); an existing account is reused."""
    viewer, facility = _facility(request, public_id)
    form = StaffForm(request.POST)
    form.is_valid()  # only reads the fields; the action checks them and the viewer's rights
    try:
        affiliation = actions.register_staff(viewer, facility_id=facility.pk, person=form.person())
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _console(request, viewer, facility, staff_form=form, status=422)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s was registered as No. %(number)d.")
            % {"name": affiliation.member.name, "number": affiliation.number},
        )
    return redirect("facilities:detail", public_id=facility.public_id)


def _member_action(
    request: HttpRequest,
    public_id: uuid.UUID,
    member_public_id: uuid.UUID,
    run: Callable[[Member, Facility, Member], str],
) -> HttpResponse:
    """Run one action on a member of the list; report its message and return to the list."""
    viewer, facility = _facility(request, public_id)
    member = queries.access_staff_member(viewer, facility, member_public_id)
    try:
        done = run(viewer, facility, member)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("facilities:detail", public_id=facility.public_id)


@require_POST
def resend_activation(
    request: HttpRequest, public_id: uuid.UUID, member_public_id: uuid.UUID
) -> HttpResponse:
    """Send a new activation link to a member who has not activated yet."""

    def run(viewer: Member, facility: Facility, member: Member) -> str:
        actions.resend_activation(viewer, facility_id=facility.pk, member_id=member.pk)
        return _("A new activation link was sent to %(email)s.") % {"email": member.email}

    return _member_action(request, public_id, member_public_id, run)


@require_POST
@require_recent_auth
def appoint_admin(
    request: HttpRequest, public_id: uuid.UUID, member_public_id: uuid.UUID
) -> HttpResponse:
    """The facility manager (or the secretariat) appoints a facility admin (R2.8)."""

    def run(viewer: Member, facility: Facility, member: Member) -> str:
        actions.appoint_admin(viewer, facility_id=facility.pk, member_id=member.pk)
        return _("%(name)s is now a facility admin.") % {"name": member.name}

    return _member_action(request, public_id, member_public_id, run)


@require_POST
@require_recent_auth
def revoke_admin(
    request: HttpRequest, public_id: uuid.UUID, member_public_id: uuid.UUID
) -> HttpResponse:
    """The facility manager (or the secretariat) revokes a facility admin (R2.8)."""

    def run(viewer: Member, facility: Facility, member: Member) -> str:
        actions.revoke_admin(viewer, facility_id=facility.pk, member_id=member.pk)
        return _("%(name)s is no longer a facility admin.") % {"name": member.name}

    return _member_action(request, public_id, member_public_id, run)


@require_http_methods(["GET", "POST"])
def deregister(
    request: HttpRequest, public_id: uuid.UUID, member_public_id: uuid.UUID
) -> HttpResponse:
    """Confirm, then deregister a staff member with a loss-of-eligibility date (R1.2)."""
    viewer, facility = _facility(request, public_id)
    member = queries.access_staff_member(viewer, facility, member_public_id)
    if not authz.may_manage_staff(viewer, facility):
        raise NotFound()
    form = DateForm(
        request.POST if request.method == "POST" else None, label=_("Loss-of-eligibility date")
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.deregister_staff(
                viewer,
                facility_id=facility.pk,
                member_id=member.pk,
                lost_on=form.cleaned_data["on"],
            )
        except ValidationFailed as exc:
            _add_errors(form, {"on": [m for msgs in exc.errors.values() for m in msgs]})
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("facilities:detail", public_id=facility.public_id)
        else:
            messages.success(
                request,
                _("%(name)s was deregistered. Their access has ended.") % {"name": member.name},
            )
            return redirect("facilities:detail", public_id=facility.public_id)
    return render(
        request,
        "facilities/deregister.html",
        {"facility": facility, "member": member, "form": form},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Confirm, then withdraw the whole facility from the network (R1.2)."""
    viewer, facility = _facility(request, public_id)
    queries.staff_list(viewer, facility)
    if not authz.may_withdraw_facility(viewer, facility):
        raise NotFound()
    form = DateForm(request.POST if request.method == "POST" else None, label=_("Date of leaving"))
    if request.method == "POST" and form.is_valid():
        try:
            actions.withdraw_facility(
                viewer, facility_id=facility.pk, left_on=form.cleaned_data["on"]
            )
        except ValidationFailed as exc:
            _add_errors(form, {"on": [m for msgs in exc.errors.values() for m in msgs]})
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("facilities:detail", public_id=facility.public_id)
        else:
            messages.success(
                request,
                _("%(name)s has left the network. Its list of users is kept.")
                % {"name": facility.name},
            )
            return redirect("facilities:detail", public_id=facility.public_id)
    return render(
        request,
        "facilities/withdraw.html",
        {"facility": facility, "form": form},
        status=422 if form.errors else 200,
    )


@require_GET
def member(request: HttpRequest, public_id: uuid.UUID, member_public_id: uuid.UUID) -> HttpResponse:
    """A member's registrations with every facility: the affiliation history."""
    viewer, facility = _facility(request, public_id)
    person = queries.access_staff_member(viewer, facility, member_public_id)
    history = queries.affiliation_history(viewer, person)
    may_reset_factor = person.pk != viewer.pk and authz.may_reset_second_factor(viewer, person)
    return render(
        request,
        "facilities/member.html",
        {
            "facility": facility,
            "person": person,
            "history": history,
            "may_reset_factor": may_reset_factor,
        },
    )


# The facility's audit trail -----------------------------------------------------------------


def _start_of(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@require_GET
def audit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The facility's audit events for its facility admins and the secretariat."""
    viewer, facility = _facility(request, public_id)
    if not authz.may_view_facility_audit(viewer, facility):
        raise NotFound()
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters["action"] = data.get("action")
        if data.get("since"):
            filters["since"] = _start_of(data["since"])
        if data.get("until"):
            filters["until"] = _start_of(data["until"] + timedelta(days=1))
    events = visible_events(viewer, facility_id=facility.pk, **filters)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "facilities/audit.html",
        {
            "facility": facility,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "base_url": reverse("facilities:audit", kwargs={"public_id": facility.public_id}),
        },
    )
