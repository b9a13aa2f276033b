"""The facility console's pledges and education pages (R2.9): the list of staff with the state
of their pledge, forms 1-3 to print, the signed scan uploaded back or an existing pledge
recorded, and education sessions with who is overdue.

Views translate HTTP to the pledge actions and queries and back; who may do what is decided in
renkei.authz, reached through the queries' access helpers.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from renkei.accounts.models import Member
from renkei.consents.views import private_file
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.pledges import actions, queries
from renkei.pledges.forms import EducationForm, OnFileForm, SignedForm
from renkei.pledges.models import PledgeForm
from renkei.policy.queries import current_policy


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def _add_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    for key, msgs in errors.items():
        for msg in msgs:
            form.add_error(key if key in form.fields else None, msg)


def _staff_choices(access: queries.PledgeAccess) -> list[tuple[str, str]]:
    return [
        (str(a.member.public_id), f"{a.number}. {a.member.name}")
        for a in queries.current_staff(access.facility)
    ]


def _console(
    request: HttpRequest,
    access: queries.PledgeAccess,
    *,
    education_form: EducationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    education = queries.education_rows(access)
    agreements = queries.agreements(access)
    return render(
        request,
        "pledges/console.html",
        {
            "facility": access.facility,
            "may_manage": access.may_manage,
            "rows": queries.pledge_rows(access),
            "agreements": agreements,
            "form3_state": agreements[0].state if agreements else "not_issued",
            "sessions": queries.education_sessions(access),
            "education": education,
            "overdue_count": sum(1 for row in education if row.overdue),
            "interval": current_policy().education_interval_months,
            "education_form": education_form
            or EducationForm(
                staff=_staff_choices(access), initial={"held_on": timezone.localdate()}
            ),
        },
        status=status,
    )


@require_GET
def console(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Pledges and education of a facility: its manager, its admins and the secretariat."""
    return _console(request, queries.pledge_access(_viewer(request), public_id))


@require_GET
def form1(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Form 1 prefilled with the facility and its manager; the pledge becomes issued."""
    data = actions.issue_pledge_form(
        _viewer(request), facility_public_id=public_id, form=PledgeForm.MANAGER
    )
    return private_file(data, content_type="application/pdf", filename="form1-pledge.pdf")


@require_GET
def form2(request: HttpRequest, public_id: uuid.UUID, member_id: uuid.UUID) -> HttpResponse:
    """Form 2 prefilled with the facility, its manager and the member; becomes issued."""
    data = actions.issue_pledge_form(
        _viewer(request),
        facility_public_id=public_id,
        form=PledgeForm.STAFF,
        member_public_id=member_id,
    )
    return private_file(data, content_type="application/pdf", filename="form2-pledge.pdf")


@require_GET
def form3(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Form 3 with the facility and its user list; issued when its manager or an admin
    downloads it."""
    data = actions.issue_form3(_viewer(request), facility_public_id=public_id)
    return private_file(data, content_type="application/pdf", filename="form3-agreement.pdf")


@require_http_methods(["GET", "POST"])
def form3_signed(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Upload the signed form 3 with its date."""
    viewer = _viewer(request)
    access = queries.manage_access(viewer, public_id)
    status = 200
    if request.method == "POST":
        page_form = SignedForm(request.POST, request.FILES)
        data = page_form.cleaned_data if page_form.is_valid() else {}
        try:
            actions.record_signed_agreement(
                viewer,
                facility_public_id=access.facility.public_id,
                signed_on=data.get("signed_on"),
                document=request.FILES.get("document"),
            )
        except ValidationFailed as exc:
            _add_errors(page_form, exc.errors)
            status = 422
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("pledges:console", public_id=access.facility.public_id)
        else:
            messages.success(request, _("The signed form 3 was recorded."))
            return redirect("pledges:console", public_id=access.facility.public_id)
    else:
        page_form = SignedForm(initial={"signed_on": timezone.localdate()})
    return render(
        request,
        "pledges/form3_signed.html",
        {"facility": access.facility, "form": page_form},
        status=status,
    )


@require_GET
def form3_document(
    request: HttpRequest, public_id: uuid.UUID, agreement_id: uuid.UUID
) -> HttpResponse:
    """The signed form 3 as uploaded (audited)."""
    try:
        opened = actions.open_agreement_document(
            _viewer(request), facility_public_id=public_id, agreement_public_id=agreement_id
        )
    except actions.Gone as exc:
        return render(request, "attachments/gone.html", {"message": exc.message}, status=410)
    return private_file(opened.data, content_type=opened.content_type, filename=opened.filename)


def _person(access: queries.PledgeAccess, form: int, member_id: uuid.UUID | None) -> Member:
    if form == PledgeForm.MANAGER and member_id is None:
        return queries.manager_affiliation(access).member
    if form == PledgeForm.STAFF and member_id is not None:
        return queries.staff_affiliation(access, member_id, form=form).member
    raise NotFound()


@require_http_methods(["GET", "POST"])
def signed(
    request: HttpRequest, public_id: uuid.UUID, form: int, member_id: uuid.UUID | None = None
) -> HttpResponse:
    """Upload the signed form 1 or 2 with its date."""
    viewer = _viewer(request)
    access = queries.manage_access(viewer, public_id)
    person = _person(access, form, member_id)
    status = 200
    if request.method == "POST":
        page_form = SignedForm(request.POST, request.FILES)
        data = page_form.cleaned_data if page_form.is_valid() else {}
        try:
            actions.record_signed_pledge(
                viewer,
                facility_public_id=access.facility.public_id,
                form=form,
                member_public_id=member_id,
                signed_on=data.get("signed_on"),
                document=request.FILES.get("document"),
            )
        except ValidationFailed as exc:
            _add_errors(page_form, exc.errors)
            status = 422
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("pledges:console", public_id=access.facility.public_id)
        else:
            messages.success(
                request, _("The signed pledge of %(name)s was recorded.") % {"name": person.name}
            )
            return redirect("pledges:console", public_id=access.facility.public_id)
    else:
        page_form = SignedForm(initial={"signed_on": timezone.localdate()})
    return render(
        request,
        "pledges/signed.html",
        {"facility": access.facility, "person": person, "form_number": form, "form": page_form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def on_file(
    request: HttpRequest, public_id: uuid.UUID, form: int, member_id: uuid.UUID | None = None
) -> HttpResponse:
    """Record that an existing confidentiality pledge is on file (R2.9), with its date."""
    viewer = _viewer(request)
    access = queries.manage_access(viewer, public_id)
    person = _person(access, form, member_id)
    status = 200
    if request.method == "POST":
        page_form = OnFileForm(request.POST)
        data = page_form.cleaned_data if page_form.is_valid() else {}
        try:
            actions.record_existing_pledge(
                viewer,
                facility_public_id=access.facility.public_id,
                form=form,
                member_public_id=member_id,
                signed_on=data.get("signed_on"),
                note=data.get("note") or "",
            )
        except ValidationFailed as exc:
            _add_errors(page_form, exc.errors)
            status = 422
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("pledges:console", public_id=access.facility.public_id)
        else:
            messages.success(
                request,
                _("The pledge of %(name)s on file was recorded.") % {"name": person.name},
            )
            return redirect("pledges:console", public_id=access.facility.public_id)
    else:
        page_form = OnFileForm()
    return render(
        request,
        "pledges/on_file.html",
        {"facility": access.facility, "person": person, "form_number": form, "form": page_form},
        status=status,
    )


@require_GET
def document(request: HttpRequest, public_id: uuid.UUID, pledge_id: uuid.UUID) -> HttpResponse:
    """The signed pledge as uploaded (audited)."""
    try:
        opened = actions.open_pledge_document(
            _viewer(request), facility_public_id=public_id, pledge_public_id=pledge_id
        )
    except actions.Gone as exc:
        return render(request, "attachments/gone.html", {"message": exc.message}, status=410)
    return private_file(opened.data, content_type=opened.content_type, filename=opened.filename)


@require_http_methods(["POST"])
def education(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Record an education session: date, topic, attendees."""
    viewer = _viewer(request)
    access = queries.manage_access(viewer, public_id)
    page_form = EducationForm(request.POST, staff=_staff_choices(access))
    data = page_form.cleaned_data if page_form.is_valid() else {}
    try:
        actions.record_education(
            viewer,
            facility_public_id=access.facility.public_id,
            held_on=data.get("held_on"),
            topic=data.get("topic") or "",
            attendee_ids=request.POST.getlist("attendees"),
        )
    except ValidationFailed as exc:
        _add_errors(page_form, exc.errors)
        return _console(request, access, education_form=page_form, status=422)
    messages.success(request, _("The education session was recorded."))
    return redirect("pledges:console", public_id=access.facility.public_id)
