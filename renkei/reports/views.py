"""Problem-report pages: report a problem, the reporter's list, the secretariat's inbox.

Views translate HTTP to renkei.reports actions and queries; who may do what is decided there.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from renkei import authz
from renkei.accounts.models import Member
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.facilities.queries import access_facility
from renkei.reports import actions, queries
from renkei.reports.forms import CommentForm, InboxFilterForm, ReportForm, StatusForm
from renkei.reports.models import Report


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def _add_errors(form: Any, errors: dict[str, list[str]]) -> None:
    for key, msgs in errors.items():
        for msg in msgs:
            form.add_error(key if key in form.fields else None, msg)


def _new(request: HttpRequest, *, about: str, back_url: str, raise_it: Any) -> HttpResponse:
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                report = raise_it(
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    category=form.cleaned_data["category"],
                )
            except ValidationFailed as exc:
                _add_errors(form, exc.errors)
            else:
                messages.success(request, _("Your report was sent to the secretariat."))
                return redirect("reports:detail", public_id=report.public_id)
    return render(
        request,
        "reports/new.html",
        {"form": form, "about": about, "back_url": back_url},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def new_for_facility(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A facility admin reports a problem of its facility (R2.10)."""
    viewer = _viewer(request)
    facility = queries.facility_to_report(viewer, public_id)
    return _new(
        request,
        about=facility.name,
        back_url=reverse("facilities:detail", args=[facility.public_id]),
        raise_it=lambda **kw: actions.raise_report(viewer, facility_id=facility.pk, **kw),
    )


@require_http_methods(["GET", "POST"])
def new_for_patient_group(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """A patient group admin reports a problem of the patient group (R3.5)."""
    viewer = _viewer(request)
    space = queries.patient_group_to_report(viewer, public_id)
    return _new(
        request,
        about=_("A patient group of %(facility)s") % {"facility": space.lead_facility.name}
        if space.lead_facility
        else "",
        back_url=reverse("spaces:members", args=[space.public_id]),
        raise_it=lambda **kw: actions.raise_report(viewer, space_id=space.pk, **kw),
    )


def mine(request: HttpRequest) -> HttpResponse:
    """The reports the viewer raised."""
    viewer = _viewer(request)
    return render(request, "reports/mine.html", {"reports": queries.my_reports(viewer)})


def inbox(request: HttpRequest) -> HttpResponse:
    """The secretariat's inbox, filtered by status and facility."""
    viewer = _viewer(request)
    if not authz.may_handle_reports(viewer):
        raise NotFound()
    form = InboxFilterForm(request.GET or None, facilities=queries.facility_choices(viewer))
    status, facility_id = "", None
    if form.is_valid():
        status = form.cleaned_data["status"]
        if form.cleaned_data["facility"]:
            facility_id = access_facility(viewer, form.cleaned_data["facility"]).pk
    return render(
        request,
        "reports/inbox.html",
        {"form": form, "reports": queries.inbox(viewer, status=status, facility_id=facility_id)},
    )


def _detail_page(
    request: HttpRequest,
    report: Report,
    *,
    comment_form: CommentForm | None = None,
    status_form: StatusForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = _viewer(request)
    handler = authz.may_handle_reports(viewer)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "comments": queries.report_comments(viewer, report),
            "history": queries.report_history(viewer, report),
            "comment_form": comment_form or CommentForm(),
            "status_form": (status_form or StatusForm(initial={"status": report.status}))
            if handler
            else None,
            "is_secretariat": handler,
        },
        status=status,
    )


def detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One report with its comments and status history, for its reporter or the secretariat."""
    return _detail_page(request, queries.access_report(_viewer(request), public_id))


@require_POST
def comment(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The reporter or the secretariat comments; the other side is told by mail."""
    viewer = _viewer(request)
    report = queries.access_report(viewer, public_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, report, comment_form=form, status=400)
    try:
        actions.comment_on_report(viewer, report_id=report.pk, body=form.cleaned_data["body"])
    except ValidationFailed as exc:
        _add_errors(form, exc.errors)
        return _detail_page(request, report, comment_form=form, status=400)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your comment was added."))
    return redirect("reports:detail", public_id=report.public_id)


@require_POST
def status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The secretariat changes a report's status."""
    viewer = _viewer(request)
    report = queries.access_report(viewer, public_id)
    if not authz.may_handle_reports(viewer):
        raise NotFound()
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, report, status_form=form, status=400)
    try:
        actions.change_report_status(
            viewer, report_id=report.pk, status=form.cleaned_data["status"]
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The status was changed."))
    return redirect("reports:detail", public_id=report.public_id)
