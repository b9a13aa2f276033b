"""The consent pages of a patient group (R3.2): its status and history, the prefilled form 4,
recording the signed form with its scan, withdrawing, and the signed copy.

Views translate HTTP to the consent actions and queries and back; who may do what is decided
in renkei.authz and the actions.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from renkei.accounts.models import Member
from renkei.consents import actions, queries
from renkei.consents.forms import ConsentForm, WithdrawForm
from renkei.errors import DomainError, NotFound, ValidationFailed

CSP_SANDBOX = "default-src 'none'; img-src 'self'; frame-ancestors 'none'; sandbox"
CSP_PDF = (
    "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def private_file(data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """A file only its viewer may have: never cached, never sniffed, never a page of the site."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = (
        CSP_PDF if content_type == "application/pdf" else CSP_SANDBOX
    )
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _title(access: queries.ConsentAccess) -> str:
    patient = getattr(access.space, "patient", None)
    return patient.name if patient else _("Patient group")


def _add_errors(form: ConsentForm | WithdrawForm, errors: dict[str, list[str]]) -> None:
    for key, msgs in errors.items():
        for msg in msgs:
            form.add_error(key if key in form.fields else None, msg)


@require_GET
def consent(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """The consent of a patient group: its members and its consent managers see it."""
    access = queries.consent_access(_viewer(request), space_id)
    return render(
        request,
        "consents/consent.html",
        {
            "access": access,
            "space": access.space,
            "status": queries.consent_status(access.space),
            "title": _title(access),
        },
    )


@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Record the signed form 4 with its scan (patient group admins, lead facility admins)."""
    viewer = _viewer(request)
    access = queries.consent_access(viewer, space_id)
    if not access.may_manage:
        messages.error(
            request,
            _(
                "Consent is recorded by a patient group admin or a facility admin of the lead "
                "facility."
            ),
        )
        return redirect("consents:consent", space_id=access.space.public_id)
    status = 200
    if request.method == "POST":
        form = ConsentForm(request.POST, request.FILES)
        try:
            actions.record_consent(
                viewer,
                space_public_id=access.space.public_id,
                consent=form.consent(),
                document=request.FILES.get("document"),
            )
        except ValidationFailed as exc:
            _add_errors(form, exc.errors)
            status = 422
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("consents:consent", space_id=access.space.public_id)
        else:
            messages.success(request, _("The consent was recorded. Members can now post here."))
            return redirect("consents:consent", space_id=access.space.public_id)
    else:
        form = ConsentForm(initial={"consented_on": timezone.localdate(), "signer": "patient"})
    return render(
        request,
        "consents/record.html",
        {"space": access.space, "form": form, "title": _title(access)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Confirm and record a withdrawal: the patient group is frozen (read-only)."""
    viewer = _viewer(request)
    access = queries.consent_access(viewer, space_id)
    if not access.may_manage:
        messages.error(
            request,
            _(
                "Consent is withdrawn by a patient group admin or a facility admin of the lead "
                "facility."
            ),
        )
        return redirect("consents:consent", space_id=access.space.public_id)
    status = 200
    if request.method == "POST":
        form = WithdrawForm(request.POST)
        data = form.cleaned_data if form.is_valid() else {}
        try:
            actions.withdraw_consent(
                viewer,
                space_public_id=access.space.public_id,
                withdrawn_on=data.get("withdrawn_on"),
                note=data.get("note") or "",
            )
        except ValidationFailed as exc:
            _add_errors(form, exc.errors)
            status = 422
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("consents:consent", space_id=access.space.public_id)
        else:
            messages.success(
                request,
                _(
                    "The withdrawal was recorded. The patient group is now read-only; archive "
                    "it or request its complete deletion."
                ),
            )
            return redirect("consents:consent", space_id=access.space.public_id)
    else:
        form = WithdrawForm(initial={"withdrawn_on": timezone.localdate()})
    return render(
        request,
        "consents/withdraw.html",
        {"space": access.space, "form": form, "title": _title(access)},
        status=status,
    )


@require_GET
def form4(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Form 4 prefilled with the patient and the lead facility, to print and sign."""
    data = actions.issue_consent_form(_viewer(request), space_public_id=space_id)
    return private_file(data, content_type="application/pdf", filename="form4-consent.pdf")


@require_GET
def document(request: HttpRequest, space_id: uuid.UUID, consent_id: uuid.UUID) -> HttpResponse:
    """The signed form as uploaded: consent managers only (404 for anyone else), audited."""
    try:
        opened = actions.open_consent_document(
            _viewer(request), space_public_id=space_id, consent_public_id=consent_id
        )
    except actions.Gone as exc:
        return render(request, "attachments/gone.html", {"message": exc.message}, status=410)
    return private_file(opened.data, content_type=opened.content_type, filename=opened.filename)
