"""Recording and withdrawing a patient's consent to sharing their information (R3.2, form 4).

Each action checks permission (renkei.authz.may_manage_consent) and the rules, writes in one
transaction with its audit event (ids only: never the patient's or a signer's name) and its
notification rows, and tells the members' live connections after commit.
"""

from __future__ import annotations

import uuid
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
from renkei.consents import documents
from renkei.consents.models import ConsentRecord, Signer
from renkei.consents.queries import consent_access, manage_access
from renkei.errors import DomainError, Forbidden, Gone, NotFound, ValidationFailed
from renkei.notifications.actions import queue_notification
from renkei.notifications.models import NotificationKind
from renkei.spaces.actions import spaces_changed_on_commit
from renkei.spaces.models import Membership, MembershipState, Space, SpaceState

EARLIEST = date(2000, 1, 1)


@dataclass
class ConsentInput:
    """What the signed form 4 says: when it was signed and by whom."""

    consented_on: date | None
    signer: str
    signer_name: str = ""
    signer_relationship: str = ""


def consent_problems(data: ConsentInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if data.consented_on is None:
        errors["consented_on"] = [_("Enter the date the form was signed.")]
    elif data.consented_on > today:
        errors["consented_on"] = [_("The date of consent cannot be in the future.")]
    elif data.consented_on < EARLIEST:
        errors["consented_on"] = [_("Enter the real date the form was signed.")]
    if data.signer not in Signer.values:
        errors["signer"] = [_("Choose who signed the form.")]
        return errors
    if data.signer == Signer.PATIENT:
        return errors
    name, relationship = data.signer_name.strip(), data.signer_relationship.strip()
    if data.signer == Signer.FAMILY:
        missing_name = _("Enter the name of the family member who signed.")
        missing_relationship = _(
            "Enter the family member's relationship to the patient (続柄, e.g. eldest son)."
        )
    else:
        missing_name = _("Enter the name of the proxy signer (代筆者).")
        missing_relationship = _("Enter the proxy signer's relationship to the patient (続柄).")
    if not name:
        errors["signer_name"] = [missing_name]
    elif problems := text_problems(name, max_length=60):
        errors["signer_name"] = problems
    if not relationship:
        errors["signer_relationship"] = [missing_relationship]
    elif problems := text_problems(relationship, max_length=30):
        errors["signer_relationship"] = problems
    return errors


def _locked(space: Space) -> Space:
    locked = Space.objects.select_for_update().filter(pk=space.pk).first()
    if locked is None or locked.state == SpaceState.DELETED:
        raise NotFound()
    return locked


def _members(space: Space) -> list[Member]:
    return list(
        Member.objects.filter(
            memberships__space=space, memberships__state=MembershipState.ACTIVE
        ).distinct()
    )


def record_consent(
    actor: Member,
    *,
    space_public_id: uuid.UUID | str,
    consent: ConsentInput,
    document: UploadedFile | None,
) -> ConsentRecord:
    """Record the signed form 4 of a patient group (R3.2): its patient group admins and the
    lead facility's facility admins may. The signed copy is stored encrypted with the group's
    key. A group frozen by a withdrawn consent becomes active again with this new signature.

    One current consent at a time: a recorded one is withdrawn before another is recorded.
    Audits CONSENT_RECORDED (ids and the kind of signer); emits spaces_changed when it unfreezes.
    """
    access = consent_access(actor, space_public_id)
    if not access.may_manage:
        raise Forbidden(
            _(
                "Consent is recorded by a patient group admin or a facility admin of the lead "
                "facility."
            ),
            rule="R3.2",
        )
    errors = consent_problems(consent)
    prepared = None
    try:
        prepared = documents.prepare_document(document, space=access.space)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    assert prepared is not None
    assert consent.consented_on is not None
    family_or_proxy = consent.signer != Signer.PATIENT
    with transaction.atomic():
        space = _locked(access.space)
        if space.state == SpaceState.ARCHIVED:
            raise DomainError(
                _("This patient group is archived; restore it before recording consent.")
            )
        if ConsentRecord.objects.filter(space=space, withdrawn_at__isnull=True).exists():
            raise DomainError(
                _(
                    "Consent is already recorded for this patient group. Withdraw it first to "
                    "record a new one."
                ),
                rule="R3.2",
            )
        row = ConsentRecord.objects.create(
            space=space,
            consented_on=consent.consented_on,
            signer=consent.signer,
            signer_name=consent.signer_name.strip() if family_or_proxy else "",
            signer_relationship=consent.signer_relationship.strip() if family_or_proxy else "",
            recorded_by=actor,
            document_id=prepared.document_id,
            document_type=prepared.content_type,
            document_size=prepared.size,
        )
        unfrozen = space.state == SpaceState.FROZEN
        if unfrozen:
            Space.objects.filter(pk=space.pk).update(state=SpaceState.ACTIVE)
        documents.write_on_commit(space, prepared)
        record(
            AuditAction.CONSENT_RECORDED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={
                "consent": str(row.public_id),
                "signer": row.signer,
                "document_type": row.document_type,
                "unfrozen": unfrozen,
            },
        )
        spaces_changed_on_commit(*_members(space))
    return row


def withdrawal_problems(
    current: ConsentRecord, withdrawn_on: date | None, note: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if withdrawn_on is None:
        errors["withdrawn_on"] = [_("Enter the date the consent was withdrawn.")]
    elif withdrawn_on > timezone.localdate():
        errors["withdrawn_on"] = [_("The date of withdrawal cannot be in the future.")]
    elif withdrawn_on < current.consented_on:
        errors["withdrawn_on"] = [_("The date of withdrawal cannot be before the date of consent.")]
    if problems := text_problems(note, max_length=500, required=False):
        errors["note"] = problems
    return errors


def withdraw_consent(
    actor: Member, *, space_public_id: uuid.UUID | str, withdrawn_on: date | None, note: str = ""
) -> ConsentRecord:
    """Record that the patient (or family) withdrew their consent (R3.2): the same people who
    record consent may. The patient group is frozen (read-only, like the archive) and its
    patient group admins are notified to archive it or have it deleted; its history is kept.

    Audits CONSENT_WITHDRAWN (ids only); notifies CONSENT_WITHDRAWN; emits spaces_changed.
    """
    access = consent_access(actor, space_public_id)
    if not access.may_manage:
        raise Forbidden(
            _(
                "Consent is withdrawn by a patient group admin or a facility admin of the lead "
                "facility."
            ),
            rule="R3.2",
        )
    with transaction.atomic():
        space = _locked(access.space)
        current = (
            ConsentRecord.objects.select_for_update()
            .filter(space=space, withdrawn_at__isnull=True)
            .first()
        )
        if current is None:
            raise DomainError(_("There is no recorded consent to withdraw."), rule="R3.2")
        if errors := withdrawal_problems(current, withdrawn_on, note):
            raise ValidationFailed(errors)
        current.withdrawn_on = withdrawn_on
        current.withdrawn_at = timezone.now()
        current.withdrawn_by = actor
        current.withdrawal_note = note.strip()
        current.save(
            update_fields=["withdrawn_on", "withdrawn_at", "withdrawn_by", "withdrawal_note"]
        )
        frozen = space.state == SpaceState.ACTIVE
        if frozen:
            Space.objects.filter(pk=space.pk).update(state=SpaceState.FROZEN)
        record(
            AuditAction.CONSENT_WITHDRAWN,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={"consent": str(current.public_id), "frozen": frozen},
        )
        admins = Membership.objects.filter(
            space=space, state=MembershipState.ACTIVE, is_admin=True
        ).select_related("member")
        for admin in admins:
            if admin.member_id != actor.pk:
                queue_notification(
                    member=admin.member,
                    space=space,
                    kind=NotificationKind.CONSENT_WITHDRAWN,
                    actor=actor,
                )
        spaces_changed_on_commit(*_members(space))
    return current


@dataclass(frozen=True)
class OpenedDocument:
    consent: ConsentRecord
    data: bytes
    content_type: str
    filename: str


def open_consent_document(
    viewer: Member, *, space_public_id: uuid.UUID | str, consent_public_id: uuid.UUID | str | None
) -> OpenedDocument:
    """The signed form 4 (the latest record's, or the one named) for the group's consent
    managers only; NotFound for anyone else, members of the group and the secretariat
    included. Audits CONSENT_DOCUMENT_VIEWED with ids only."""
    from renkei.consents.queries import consent_record

    access = manage_access(viewer, space_public_id)
    consent = consent_record(access.space, consent_public_id)
    data = documents.read_document(access.space, consent.document_id)
    if data is None:
        raise Gone(_("This file is no longer available."))
    with transaction.atomic():
        record(
            AuditAction.CONSENT_DOCUMENT_VIEWED,
            actor=viewer,
            object_type="space",
            object_id=access.space.public_id,
            facility_id=access.space.lead_facility_id,
            detail={"consent": str(consent.public_id)},
        )
    return OpenedDocument(
        consent=consent,
        data=data,
        content_type=consent.document_type,
        filename=f"consent-{consent.consented_on:%Y%m%d}.{consent.document_extension}",
    )


def issue_consent_form(viewer: Member, *, space_public_id: uuid.UUID | str) -> bytes:
    """Form 4 as a PDF, prefilled with the patient and the lead facility, for the group's
    consent managers (NotFound for anyone else). Audits CONSENT_FORM_ISSUED with ids only."""
    from renkei.documents.forms import form4_pdf

    access = manage_access(viewer, space_public_id)
    pdf = form4_pdf(access.space)
    with transaction.atomic():
        record(
            AuditAction.CONSENT_FORM_ISSUED,
            actor=viewer,
            object_type="space",
            object_id=access.space.public_id,
            facility_id=access.space.lead_facility_id,
        )
    return pdf
