"""Issuing, signing and recording the pledges of a facility's staff, and its education
sessions (R2.9, forms 1-3).

Each action checks permission (renkei.authz.may_manage_pledges, through the queries' access
helpers), writes in one transaction with its audit event (ids only, never names), and stores a
signed scan encrypted after commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.models import Member
from renkei.accounts.validators import text_problems
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.errors import DomainError, Gone, NotFound, ValidationFailed
from renkei.facilities.models import Affiliation
from renkei.pledges import documents, queries
from renkei.pledges.models import Agreement, EducationSession, Pledge, PledgeForm, PledgeState

EARLIEST = date(2000, 1, 1)


def _affiliation(
    access: queries.PledgeAccess, form: int, member_public_id: uuid.UUID | str | None
) -> Affiliation:
    if form == PledgeForm.MANAGER:
        return queries.manager_affiliation(access)
    if form == PledgeForm.STAFF and member_public_id is not None:
        return queries.staff_affiliation(access, member_public_id, form=PledgeForm.STAFF)
    raise NotFound()


def _audit(
    action: AuditAction, actor: Member, affiliation: Affiliation, detail: dict[str, object]
) -> None:
    record(
        action,
        actor=actor,
        object_type="member",
        object_id=affiliation.member.public_id,
        facility_id=affiliation.facility_id,
        detail=detail,
    )


def issue_pledge_form(
    actor: Member,
    *,
    facility_public_id: uuid.UUID | str,
    form: int,
    member_public_id: uuid.UUID | str | None = None,
) -> bytes:
    """Form 1 (the manager's) or form 2 (a staff member's) as a prefilled PDF, for the facility
    manager and facility admins; NotFound for anyone else. A pledge not yet issued becomes
    issued; a signed one or one on file keeps its state. Audits PLEDGE_FORM_ISSUED."""
    from renkei.documents.forms import form1_pdf, form2_pdf

    access = queries.manage_access(actor, facility_public_id)
    affiliation = _affiliation(access, form, member_public_id)
    data = form1_pdf(access.facility) if form == PledgeForm.MANAGER else form2_pdf(affiliation)
    with transaction.atomic():
        pledge, created = Pledge.objects.select_for_update().get_or_create(
            affiliation=affiliation,
            form=form,
            defaults={
                "state": PledgeState.ISSUED,
                "issued_at": timezone.now(),
                "issued_by": actor,
            },
        )
        if not created and pledge.state == PledgeState.ISSUED:
            pledge.issued_at, pledge.issued_by = timezone.now(), actor
            pledge.save(update_fields=["issued_at", "issued_by"])
        _audit(
            AuditAction.PLEDGE_FORM_ISSUED,
            actor,
            affiliation,
            {"form": form, "pledge": str(pledge.public_id)},
        )
    return data


def issue_form3(actor: Member, *, facility_public_id: uuid.UUID | str) -> bytes:
    """Form 3 with the facility and its user list, for its manager and admins and the
    secretariat. When the manager or an admin downloads it, the facility's form 3 becomes
    issued: a new row when none is pending (never issued, or the last one signed — a
    re-submission after a manager or staff change), else the pending one is issued anew (F3).
    Audits PLEDGE_FORM_ISSUED with form 3."""
    from renkei.documents.forms import form3_pdf

    access = queries.pledge_access(actor, facility_public_id)
    data = form3_pdf(access.facility)
    detail: dict[str, object] = {"form": 3}
    with transaction.atomic():
        if access.may_manage:
            agreement = _pending_agreement(access)
            if agreement is None:
                agreement = Agreement.objects.create(facility=access.facility, issued_by=actor)
            else:
                agreement.issued_at, agreement.issued_by = timezone.now(), actor
                agreement.save(update_fields=["issued_at", "issued_by"])
            detail["agreement"] = str(agreement.public_id)
        record(
            AuditAction.PLEDGE_FORM_ISSUED,
            actor=actor,
            object_type="facility",
            object_id=access.facility.public_id,
            facility_id=access.facility.pk,
            detail=detail,
        )
    return data


def _pending_agreement(access: queries.PledgeAccess) -> Agreement | None:
    """The facility's latest form 3, locked, when it is issued and not yet signed."""
    latest = (
        Agreement.objects.select_for_update()
        .filter(facility=access.facility)
        .order_by("-issued_at", "-id")
        .first()
    )
    return latest if latest is not None and latest.signed_on is None else None


def record_signed_agreement(
    actor: Member,
    *,
    facility_public_id: uuid.UUID | str,
    signed_on: date | None,
    document: UploadedFile | None,
) -> Agreement:
    """Record the signed form 3 with its scan (F3): the facility manager and facility admins
    may, once it has been issued. The scan is checked and encrypted as a pledge's. Audits
    PLEDGE_SIGNED with form 3 (ids only)."""
    access = queries.manage_access(actor, facility_public_id)
    errors = _date_problems(signed_on)
    prepared = None
    try:
        prepared = documents.prepare_document(document, facility=access.facility)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    assert prepared is not None
    with transaction.atomic():
        agreement = _pending_agreement(access)
        if agreement is None:
            raise DomainError(_("Download form 3 before uploading it signed."), rule="F3")
        agreement.signed_on = signed_on
        agreement.recorded_at, agreement.recorded_by = timezone.now(), actor
        agreement.document_id = prepared.document_id
        agreement.document_type = prepared.content_type
        agreement.document_size = prepared.size
        agreement.save()
        documents.write_on_commit(access.facility, prepared)
        record(
            AuditAction.PLEDGE_SIGNED,
            actor=actor,
            object_type="facility",
            object_id=access.facility.public_id,
            facility_id=access.facility.pk,
            detail={
                "form": 3,
                "agreement": str(agreement.public_id),
                "document_type": prepared.content_type,
            },
        )
    return agreement


def _date_problems(signed_on: date | None) -> dict[str, list[str]]:
    if signed_on is None:
        return {"signed_on": [_("Enter the date the pledge was signed.")]}
    if signed_on > timezone.localdate():
        return {"signed_on": [_("The date of the pledge cannot be in the future.")]}
    if signed_on < EARLIEST:
        return {"signed_on": [_("Enter the real date the pledge was signed.")]}
    return {}


def _settled(affiliation: Affiliation, form: int) -> Pledge | None:
    """The pledge row locked; DomainError when it is already signed or on file."""
    pledge = Pledge.objects.select_for_update().filter(affiliation=affiliation, form=form).first()
    if pledge is not None and pledge.state != PledgeState.ISSUED:
        raise DomainError(_("This pledge is already on file."), rule="R2.9")
    return pledge


def record_signed_pledge(
    actor: Member,
    *,
    facility_public_id: uuid.UUID | str,
    form: int,
    member_public_id: uuid.UUID | str | None = None,
    signed_on: date | None,
    document: UploadedFile | None,
) -> Pledge:
    """Record the signed form 1 or 2 with its scan (R2.9): the facility manager and facility
    admins may. The scan is checked by its content and stored encrypted with the facility's
    key. Audits PLEDGE_SIGNED (ids and the form)."""
    access = queries.manage_access(actor, facility_public_id)
    affiliation = _affiliation(access, form, member_public_id)
    errors = _date_problems(signed_on)
    prepared = None
    try:
        prepared = documents.prepare_document(document, facility=access.facility)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    assert prepared is not None
    with transaction.atomic():
        pledge = _settled(affiliation, form) or Pledge(affiliation=affiliation, form=form)
        pledge.state = PledgeState.SIGNED
        pledge.signed_on = signed_on
        pledge.recorded_at, pledge.recorded_by = timezone.now(), actor
        pledge.document_id = prepared.document_id
        pledge.document_type = prepared.content_type
        pledge.document_size = prepared.size
        pledge.save()
        documents.write_on_commit(access.facility, prepared)
        _audit(
            AuditAction.PLEDGE_SIGNED,
            actor,
            affiliation,
            {"form": form, "pledge": str(pledge.public_id), "document_type": prepared.content_type},
        )
    return pledge


def record_existing_pledge(
    actor: Member,
    *,
    facility_public_id: uuid.UUID | str,
    form: int,
    member_public_id: uuid.UUID | str | None = None,
    signed_on: date | None,
    note: str = "",
) -> Pledge:
    """R2.9 "unless one is already on file": record that an existing confidentiality pledge of
    this person is on file, with its date and an optional note, instead of a new signature.
    Audits PLEDGE_ON_FILE."""
    access = queries.manage_access(actor, facility_public_id)
    affiliation = _affiliation(access, form, member_public_id)
    errors = _date_problems(signed_on)
    if problems := text_problems(note, max_length=200, required=False):
        errors["note"] = problems
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        pledge = _settled(affiliation, form) or Pledge(affiliation=affiliation, form=form)
        pledge.state = PledgeState.ON_FILE
        pledge.signed_on = signed_on
        pledge.note = note.strip()
        pledge.recorded_at, pledge.recorded_by = timezone.now(), actor
        pledge.save()
        _audit(
            AuditAction.PLEDGE_ON_FILE,
            actor,
            affiliation,
            {"form": form, "pledge": str(pledge.public_id)},
        )
    return pledge


@dataclass(frozen=True)
class OpenedDocument:
    pledge: Pledge
    data: bytes
    content_type: str
    filename: str


def open_pledge_document(
    viewer: Member, *, facility_public_id: uuid.UUID | str, pledge_public_id: uuid.UUID | str
) -> OpenedDocument:
    """The signed scan of a pledge, for the facility manager, its admins and the secretariat;
    NotFound for anyone else. Audits PLEDGE_DOCUMENT_VIEWED with ids only."""
    access = queries.pledge_access(viewer, facility_public_id)
    pledge = queries.access_pledge(access, pledge_public_id)
    if pledge.document_id is None or pledge.signed_on is None:
        raise NotFound()
    data = documents.read_document(access.facility, pledge.document_id)
    if data is None:
        raise Gone(_("This file is no longer available."))
    with transaction.atomic():
        _audit(
            AuditAction.PLEDGE_DOCUMENT_VIEWED,
            viewer,
            pledge.affiliation,
            {"form": pledge.form, "pledge": str(pledge.public_id)},
        )
    return OpenedDocument(
        pledge=pledge,
        data=data,
        content_type=pledge.document_type,
        filename=f"pledge-form{pledge.form}-{pledge.signed_on:%Y%m%d}.{pledge.document_extension}",
    )


@dataclass(frozen=True)
class OpenedAgreement:
    agreement: Agreement
    data: bytes
    content_type: str
    filename: str


def open_agreement_document(
    viewer: Member, *, facility_public_id: uuid.UUID | str, agreement_public_id: uuid.UUID | str
) -> OpenedAgreement:
    """The signed scan of a form 3, for the facility manager, its admins and the secretariat;
    NotFound for anyone else. Audits PLEDGE_DOCUMENT_VIEWED with form 3 and ids only."""
    access = queries.pledge_access(viewer, facility_public_id)
    agreement = queries.access_agreement(access, agreement_public_id)
    if agreement.document_id is None or agreement.signed_on is None:
        raise NotFound()
    data = documents.read_document(access.facility, agreement.document_id)
    if data is None:
        raise Gone(_("This file is no longer available."))
    with transaction.atomic():
        record(
            AuditAction.PLEDGE_DOCUMENT_VIEWED,
            actor=viewer,
            object_type="facility",
            object_id=access.facility.public_id,
            facility_id=access.facility.pk,
            detail={"form": 3, "agreement": str(agreement.public_id)},
        )
    return OpenedAgreement(
        agreement=agreement,
        data=data,
        content_type=agreement.document_type,
        filename=f"agreement-form3-{agreement.signed_on:%Y%m%d}.{agreement.document_extension}",
    )


def record_education(
    actor: Member,
    *,
    facility_public_id: uuid.UUID | str,
    held_on: date | None,
    topic: str,
    attendee_ids: Sequence[uuid.UUID | str],
) -> EducationSession:
    """Record an education session held by the facility (R2.9): date, topic and attendees
    among its current staff. The facility manager and facility admins may.
    Audits EDUCATION_RECORDED (ids and the number of attendees)."""
    access = queries.manage_access(actor, facility_public_id)
    errors: dict[str, list[str]] = {}
    if held_on is None:
        errors["held_on"] = [_("Enter the date the session was held.")]
    elif held_on > timezone.localdate():
        errors["held_on"] = [_("The date of the session cannot be in the future.")]
    elif held_on < EARLIEST:
        errors["held_on"] = [_("Enter the real date the session was held.")]
    if not topic.strip():
        errors["topic"] = [_("Enter the topic of the session.")]
    elif problems := text_problems(topic, max_length=200):
        errors["topic"] = problems
    staff = {str(a.member.public_id): a for a in queries.current_staff(access.facility)}
    chosen = {str(i) for i in attendee_ids}
    if not chosen:
        errors["attendees"] = [_("Choose who attended.")]
    elif chosen - set(staff):
        errors["attendees"] = [_("Attendees must be current staff of this facility.")]
    if errors:
        raise ValidationFailed(errors)
    assert held_on is not None
    with transaction.atomic():
        session = EducationSession.objects.create(
            facility=access.facility, held_on=held_on, topic=topic.strip(), recorded_by=actor
        )
        session.attendees.set([staff[i] for i in chosen])
        record(
            AuditAction.EDUCATION_RECORDED,
            actor=actor,
            object_type="facility",
            object_id=access.facility.public_id,
            facility_id=access.facility.pk,
            detail={"session": str(session.public_id), "attendees": len(chosen)},
        )
    return session
