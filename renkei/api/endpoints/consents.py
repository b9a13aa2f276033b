"""A patient group's consent to sharing (R3.2, form 4): its status, recording the signed form
with its scan, withdrawing it, the prefilled form and the signed copy.

The status is seen by the group's members and its consent managers (patient group admins and
the lead facility's facility admins); the rest only by the managers. Anyone else gets 404.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError as RequestValidationError
from pydantic import ValidationError as PydanticValidationError

from renkei.api.errors import UnsupportedMediaType
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.consents import actions, queries
from renkei.consents.models import ConsentRecord, Signer
from renkei.consents.views import private_file

router = Router(tags=["consents"])


class PersonOut(Schema):
    id: uuid.UUID
    name: str


class ConsentOut(Schema):
    id: uuid.UUID
    consented_on: date
    signer: Signer
    signer_label: str = Field(description="Who signed, in the request's language.")
    signer_name: str = Field(
        description="The family member or proxy signer; empty for the patient."
    )
    signer_relationship: str = Field(description="Their relationship to the patient (続柄).")
    recorded_by: PersonOut | None
    recorded_at: datetime
    document_type: str
    withdrawn_on: date | None
    withdrawn_at: datetime | None
    withdrawn_by: PersonOut | None
    withdrawal_note: str


class ConsentStatusOut(Schema):
    state: str = Field(description="none (no consent yet: no posting), consented or withdrawn.")
    current: ConsentOut | None
    history: list[ConsentOut] = Field(
        description="Every consent recorded, newest first (managers)."
    )
    may_manage: bool = Field(description="Whether you may record or withdraw consent.")


class ConsentFormIn(Schema):
    consented_on: date | None = None
    signer: str = ""
    signer_name: str = Field("", max_length=200)
    signer_relationship: str = Field("", max_length=200)


class WithdrawIn(Schema):
    withdrawn_on: date | None = None
    note: str = Field("", max_length=2000)


def _person(member: Any) -> PersonOut | None:
    return PersonOut(id=member.public_id, name=member.name) if member is not None else None


def consent_out(row: ConsentRecord) -> ConsentOut:
    return ConsentOut(
        id=row.public_id,
        consented_on=row.consented_on,
        signer=Signer(row.signer),
        signer_label=str(row.get_signer_display()),
        signer_name=row.signer_name,
        signer_relationship=row.signer_relationship,
        recorded_by=_person(row.recorded_by),
        recorded_at=row.recorded_at,
        document_type=row.document_type,
        withdrawn_on=row.withdrawn_on,
        withdrawn_at=row.withdrawn_at,
        withdrawn_by=_person(row.withdrawn_by),
        withdrawal_note=row.withdrawal_note,
    )


def _status_out(access: queries.ConsentAccess) -> ConsentStatusOut:
    status = queries.consent_status(access.space)
    return ConsentStatusOut(
        state=status.state,
        current=consent_out(status.current) if status.current else None,
        history=[consent_out(r) for r in status.history] if access.may_manage else [],
        may_manage=access.may_manage,
    )


@router.get(
    "/patient-groups/{public_id}/consent",
    response={200: ConsentStatusOut, **errors(401, 404, 422)},
)
def get_consent(request: HttpRequest, public_id: uuid.UUID) -> ConsentStatusOut:
    """The patient group's consent: none (nothing can be posted yet), consented or withdrawn."""
    return _status_out(queries.consent_access(member_of(request), public_id))


def _consent_request_body() -> dict[str, Any]:
    form = ConsentFormIn.model_json_schema()
    form["properties"]["document"] = {
        "type": "string",
        "format": "binary",
        "description": "The signed form 4: a PDF, or a photo or scan (JPEG, PNG, WebP, HEIC).",
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": form}},
        }
    }


@router.post(
    "/patient-groups/{public_id}/consent",
    response={201: ConsentOut, **errors(400, 401, 403, 404, 409, 415, 422)},
    openapi_extra=_consent_request_body(),
)
def record_consent(request: HttpRequest, public_id: uuid.UUID) -> Status[ConsentOut]:
    """Record the signed form 4 (R3.2) as multipart/form-data with the scan in ``document``:
    the date it was signed, and who signed: ``patient``, ``family`` (with name and 続柄) or
    ``proxy`` (代筆者, with name and 続柄). Patient group admins and the lead facility's
    facility admins may. Posting opens; a group frozen by a withdrawal becomes active again."""
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType(
            _("Send the consent as multipart/form-data with the signed form.")
        )
    fields = {key: request.POST.get(key) for key in request.POST}
    try:
        data = ConsentFormIn.model_validate(fields)
    except PydanticValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    row = actions.record_consent(
        member_of(request),
        space_public_id=public_id,
        consent=actions.ConsentInput(
            consented_on=data.consented_on,
            signer=data.signer,
            signer_name=data.signer_name,
            signer_relationship=data.signer_relationship,
        ),
        document=request.FILES.get("document"),
    )
    return Status(201, consent_out(row))


@router.post(
    "/patient-groups/{public_id}/consent/withdraw",
    response={200: ConsentOut, **errors(400, 401, 403, 404, 409, 422)},
)
def withdraw_consent(request: HttpRequest, public_id: uuid.UUID, payload: WithdrawIn) -> ConsentOut:
    """Record that consent was withdrawn: the patient group becomes read-only (frozen) and its
    admins are notified to archive it or request its complete deletion."""
    row = actions.withdraw_consent(
        member_of(request),
        space_public_id=public_id,
        withdrawn_on=payload.withdrawn_on,
        note=payload.note,
    )
    return consent_out(row)


@router.get(
    "/patient-groups/{public_id}/consent/form",
    response={200: None, **errors(401, 404, 422)},
    openapi_extra={
        "responses": {
            200: {
                "description": "Form 4 prefilled, as a PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_consent_form(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Form 4 (在宅医療における個人情報使用同意書) prefilled with the patient and the lead
    facility, to print, sign and keep one copy each. Consent managers only."""
    data = actions.issue_consent_form(member_of(request), space_public_id=public_id)
    return private_file(data, content_type="application/pdf", filename="form4-consent.pdf")


@router.get(
    "/patient-groups/{public_id}/consent/document",
    response={200: None, **errors(401, 404, 410, 422)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The signed form as uploaded (PDF or image).",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def get_consent_document(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The signed form of the latest consent: consent managers only (404 for members of the
    group who are not its admins, other members and the secretariat). Audited."""
    opened = actions.open_consent_document(
        member_of(request), space_public_id=public_id, consent_public_id=None
    )
    return private_file(opened.data, content_type=opened.content_type, filename=opened.filename)
