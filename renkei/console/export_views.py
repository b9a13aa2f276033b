"""The secretariat's CSV exports: start one, watch its progress, download the file.

Every page answers 404 to anyone but the secretariat, as the actions and queries do.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from renkei import authz
from renkei.accounts.models import Member
from renkei.accounts.reauth import require_recent_auth
from renkei.console import export_queries, exports
from renkei.console.models import ExportKind, ExportState
from renkei.errors import ValidationFailed
from renkei.facilities.queries import access_facility


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to export"), choices=ExportKind.choices)
    facility = forms.ChoiceField(
        label=gettext_lazy("Facility (for one facility's list)"), required=False
    )
    since = forms.DateField(
        label=gettext_lazy("From (audit events)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=gettext_lazy("To, inclusive (audit events)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, facilities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["facility"])
        field.choices = [("", "—"), *facilities]


def _viewer(request: HttpRequest) -> Member:
    viewer = cast(Member, request.user)
    if not authz.may_export(viewer):
        raise Http404()
    return viewer


def _start_of(day: date | None) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


@require_http_methods(["GET", "POST"])
@require_recent_auth
def export_list(request: HttpRequest) -> HttpResponse:
    """The latest exports and the form that starts one."""
    viewer = _viewer(request)
    facilities = [(str(f.public_id), f.name) for f in export_queries.facilities_for_export(viewer)]
    form = ExportForm(request.POST or None, facilities=facilities)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            facility_id = access_facility(viewer, data["facility"]).pk if data["facility"] else None
            until = data["until"]
            try:
                job = exports.start_export(
                    viewer,
                    kind=data["kind"],
                    facility_id=facility_id,
                    since=_start_of(data["since"]),
                    until=_start_of(until + timedelta(days=1) if until else None),
                )
            except ValidationFailed as exc:
                for key, msgs in exc.errors.items():
                    for msg in msgs:
                        form.add_error(key if key in form.fields else None, msg)
            else:
                messages.success(request, _("The export was started."))
                return redirect("console:export", public_id=job.public_id)
    return render(
        request,
        "console/exports.html",
        {"form": form, "jobs": export_queries.export_jobs(viewer)},
        status=status,
    )


def export_job(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One export's progress; the page refreshes itself until the file is ready."""
    job = export_queries.access_export(_viewer(request), public_id)
    return render(
        request,
        "console/export.html",
        {"job": job, "running": job.state == ExportState.RUNNING},
    )


@require_recent_auth(on_read=True)
def export_download(request: HttpRequest, public_id: uuid.UUID) -> FileResponse:
    """The finished CSV file (audited)."""
    viewer = _viewer(request)
    job = export_queries.access_export(viewer, public_id)
    path = exports.record_download(viewer, job=job)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type="text/csv; charset=utf-8",
    )
