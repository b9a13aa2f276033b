"""Everything that changes a facility: applying, the secretariat's decision, staff and admins.

Each action checks permission and the region's rules, writes in one transaction with its audit
event, and sends mail or live events only after commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei import authz
from renkei.accounts.actions import end_all_sessions, send_activation
from renkei.accounts.models import EndReason, Member, Profession
from renkei.accounts.validators import (
    furigana_problems,
    name_problems,
    normalise_email,
    phone_problems,
    postal_code_problems,
    text_problems,
)
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.errors import DomainError, Forbidden, NotFound, RuleViolation, ValidationFailed
from renkei.facilities.models import (
    Affiliation,
    AppliedUser,
    Facility,
    FacilityKind,
    FacilityState,
)
from renkei.mail import send_templated_on_commit
from renkei.spaces.actions import leave_spaces_through_facility

MAX_USERS_PER_APPLICATION = 200


@dataclass
class PersonInput:
    """A person as written on form 3: name, furigana, profession, e-mail."""

    name: str
    furigana: str
    profession: str
    email: str


@dataclass
class ApplicationInput:
    """The data of form 3 (誓約同意書) and the confirmation of the policy and rules (R1.1)."""

    kind: str
    name: str
    postal_code: str
    address: str
    tel: str
    fax: str
    pledge_date: date | None
    manager: PersonInput
    users: list[PersonInput] = field(default_factory=list)
    agreed_to_policy: bool = False


def person_problems(person: PersonInput, prefix: str) -> dict[str, list[str]]:
    """Problems with one person's entry, keyed ``<prefix>name`` and so on."""
    errors: dict[str, list[str]] = {}
    if p := name_problems(person.name):
        errors[f"{prefix}name"] = p
    if p := furigana_problems(person.furigana):
        errors[f"{prefix}furigana"] = p
    if person.profession not in Profession.values:
        errors[f"{prefix}profession"] = [_("Choose a profession from the list.")]
    email = normalise_email(person.email)
    if not email:
        errors[f"{prefix}email"] = [_("Enter the e-mail address.")]
    else:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors[f"{prefix}email"] = [_("Enter a valid e-mail address.")]
    return errors


def application_problems(data: ApplicationInput) -> dict[str, list[str]]:
    """Every problem with an application, keyed by field (users as ``users-<i>-<field>``)."""
    errors: dict[str, list[str]] = {}
    if data.kind not in FacilityKind.values:
        errors["kind"] = [_("Choose the kind of facility.")]
    if p := text_problems(data.name, max_length=100):
        errors["name"] = p
    if p := postal_code_problems(data.postal_code):
        errors["postal_code"] = p
    if p := text_problems(data.address, max_length=200):
        errors["address"] = p
    if p := phone_problems(data.tel):
        errors["tel"] = p
    if p := phone_problems(data.fax, required=False):
        errors["fax"] = p
    if data.pledge_date is None:
        errors["pledge_date"] = [_("Enter the date of the pledge.")]
    elif data.pledge_date > timezone.localdate():
        errors["pledge_date"] = [_("The date cannot be in the future.")]
    if not data.agreed_to_policy:
        errors["agreed_to_policy"] = [
            _("Confirm that you have read and agree to the operating policy and rules.")
        ]
    errors.update(person_problems(data.manager, "manager_"))
    if len(data.users) > MAX_USERS_PER_APPLICATION:
        errors["users"] = [_("List at most %(n)d users.") % {"n": MAX_USERS_PER_APPLICATION}]
    seen = {normalise_email(data.manager.email)}
    for i, user in enumerate(data.users):
        errors.update(person_problems(user, f"users-{i}-"))
        email = normalise_email(user.email)
        if email and email in seen:
            errors.setdefault(f"users-{i}-email", []).append(
                _("This e-mail address is listed twice. Each person needs their own address.")
            )
        seen.add(email)
    return errors


def apply_to_join(*, data: ApplicationInput) -> Facility:
    """Submit a facility's application (form 3) to the secretariat (R1.1). Anyone may apply.

    Writes the facility in state applied with its listed users; audits FACILITY_APPLIED.
    """
    if errors := application_problems(data):
        raise ValidationFailed(errors)
    assert data.pledge_date is not None  # checked by application_problems
    with transaction.atomic():
        facility = Facility.objects.create(
            kind=data.kind,
            name=data.name.strip(),
            postal_code=data.postal_code.strip(),
            address=data.address.strip(),
            tel=data.tel.strip(),
            fax=data.fax.strip(),
            manager_name=data.manager.name.strip(),
            pledge_date=data.pledge_date,
        )
        for number, person in enumerate([data.manager, *data.users], start=1):
            AppliedUser.objects.create(
                facility=facility,
                number=number,
                name=person.name.strip(),
                furigana=person.furigana.strip(),
                profession=person.profession,
                email=normalise_email(person.email),
                is_manager=number == 1,
            )
        record(
            AuditAction.FACILITY_APPLIED,
            actor=None,
            actor_label=data.manager.name.strip(),
            object_type="facility",
            object_id=facility.pk,
            object_label=facility.name,
            facility=facility,
            detail={"users": len(data.users) + 1},
        )
    return facility


def _pending(facility_id: int) -> Facility:
    facility = Facility.objects.select_for_update().filter(pk=facility_id).first()
    if facility is None:
        raise NotFound()
    if facility.state != FacilityState.APPLIED:
        raise DomainError(_("This application has already been decided."))
    return facility


def _enrol(
    actor: Member,
    facility: Facility,
    person: PersonInput,
    *,
    number: int,
    is_manager: bool = False,
) -> Affiliation:
    """Put a person on the facility's list: the existing account of that e-mail, or a new one.

    A person works for several facilities with one account (R2.1); a new account gets an
    activation link, an existing one a note that it was registered here.
    """
    email = normalise_email(person.email)
    member = Member.objects.filter(email__iexact=email).first()
    created = member is None
    if member is None:
        member = Member.objects.create_member(
            name=person.name.strip(),
            furigana=person.furigana.strip(),
            profession=person.profession,
            email=email,
        )
    elif Affiliation.objects.filter(
        member=member, facility=facility, lost_on__isnull=True
    ).exists():
        raise ValidationFailed({"email": [_("This person is already registered here.")]})
    affiliation = Affiliation.objects.create(
        member=member,
        facility=facility,
        number=number,
        is_manager=is_manager,
        is_admin=is_manager,
        registered_by=actor,
    )
    record(
        AuditAction.STAFF_REGISTERED,
        actor=actor,
        object_type="member",
        object_id=member.pk,
        object_label=member.name,
        facility=facility,
        detail={"number": number, "manager": is_manager, "new_account": created},
    )
    if created or not member.is_active:
        send_activation(None, member=member)
    else:
        send_templated_on_commit(
            to=member.email,
            template="registered",
            context={"member": member, "facility_name": facility.name},
        )
    return affiliation


def accept_application(actor: Member, *, facility_id: int) -> Facility:
    """Accept a pending application (R1.1, secretariat only): the facility becomes active, each
    listed person is registered and mailed a one-time activation link, and the manager becomes
    the first facility admin (R2.8). Audits FACILITY_ACCEPTED and each STAFF_REGISTERED."""
    if not authz.may_decide_applications(actor):
        raise NotFound()
    with transaction.atomic():
        facility = _pending(facility_id)
        facility.state = FacilityState.ACTIVE
        facility.decided_at = timezone.now()
        facility.decided_by = actor
        facility.save()
        for applied in facility.applied_users.all():
            person = PersonInput(applied.name, applied.furigana, applied.profession, applied.email)
            _enrol(actor, facility, person, number=applied.number, is_manager=applied.is_manager)
        record(
            AuditAction.FACILITY_ACCEPTED,
            actor=actor,
            object_type="facility",
            object_id=facility.pk,
            object_label=facility.name,
            facility=facility,
        )
    return facility


def reject_application(actor: Member, *, facility_id: int, reason: str) -> Facility:
    """Reject a pending application with a reason (R1.1, secretariat only), mailed to the
    manager. Audits FACILITY_REJECTED."""
    if not authz.may_decide_applications(actor):
        raise NotFound()
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Give the reason for the rejection.")]})
    if len(reason) > 2000:
        raise ValidationFailed({"reason": [_("Use at most %(n)d characters.") % {"n": 2000}]})
    with transaction.atomic():
        facility = _pending(facility_id)
        facility.state = FacilityState.REJECTED
        facility.decided_at = timezone.now()
        facility.decided_by = actor
        facility.rejection_reason = reason
        facility.save()
        record(
            AuditAction.FACILITY_REJECTED,
            actor=actor,
            object_type="facility",
            object_id=facility.pk,
            object_label=facility.name,
            facility=facility,
        )
        manager = facility.applied_users.filter(is_manager=True).first()
        if manager is not None:
            send_templated_on_commit(
                to=manager.email,
                template="application_rejected",
                context={"facility_name": facility.name, "reason": reason},
            )
    return facility


def _active_facility_for_update(facility_id: int) -> Facility:
    facility = Facility.objects.select_for_update().filter(pk=facility_id).first()
    if facility is None:
        raise NotFound()
    if facility.state != FacilityState.ACTIVE:
        raise DomainError(_("This facility is not active in the network."))
    return facility


def register_staff(actor: Member, *, facility_id: int, person: PersonInput) -> Affiliation:
    """Register a staff member of the facility (R2.10, facility admin only). A person already
    in the network keeps their one account (R2.1). Audits STAFF_REGISTERED."""
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not authz.may_manage_staff(actor, facility):
        raise NotFound()
    errors = person_problems(person, "")
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        facility = _active_facility_for_update(facility_id)
        last = Affiliation.objects.filter(facility=facility).aggregate(n=Max("number"))["n"]
        return _enrol(actor, facility, person, number=(last or 0) + 1)


def _current_affiliation(facility: Facility, member_id: int) -> Affiliation:
    affiliation = (
        Affiliation.objects.select_related("member")
        .filter(facility=facility, member_id=member_id, lost_on__isnull=True)
        .first()
    )
    if affiliation is None:
        raise NotFound()
    return affiliation


def _other_admins(facility: Facility, affiliation: Affiliation) -> bool:
    return (
        Affiliation.objects.filter(facility=facility, is_admin=True, lost_on__isnull=True)
        .exclude(pk=affiliation.pk)
        .exists()
    )


def deregister_staff(
    actor: Member, *, facility_id: int, member_id: int, lost_on: date | None = None
) -> Affiliation:
    """Deregister a staff member (R1.2, R2.10, facility admin only): record the
    loss-of-eligibility date and end every session of the member at once; the row stays on the
    form-3 list. The last facility admin cannot be deregistered (R2.8), nor the manager, whom
    the secretariat replaces first. The member leaves every space reached through this facility
    (R2.10). Audits STAFF_DEREGISTERED."""
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not authz.may_manage_staff(actor, facility):
        raise NotFound()
    today = timezone.localdate()
    lost_on = lost_on or today
    if lost_on > today:
        raise ValidationFailed({"lost_on": [_("The date cannot be in the future.")]})
    with transaction.atomic():
        facility = _active_facility_for_update(facility_id)
        affiliation = _current_affiliation(facility, member_id)
        if lost_on < affiliation.registered_on:
            raise ValidationFailed(
                {"lost_on": [_("The date cannot be before the registration date.")]}
            )
        if affiliation.is_manager:
            raise RuleViolation(
                _(
                    "The facility manager cannot be deregistered. The secretariat records the "
                    "new manager first (form 3 re-submitted)."
                ),
                rule="R2.8",
            )
        if affiliation.is_admin and not _other_admins(facility, affiliation):
            raise RuleViolation(
                _("This is the facility's last facility admin. Appoint another admin first."),
                rule="R2.8",
            )
        affiliation.lost_on = lost_on
        affiliation.deregistered_by = actor
        affiliation.save(update_fields=["lost_on", "deregistered_by"])
        ended = end_all_sessions(affiliation.member, reason=EndReason.DEREGISTERED)
        left = leave_spaces_through_facility(actor, member=affiliation.member, facility=facility)
        record(
            AuditAction.STAFF_DEREGISTERED,
            actor=actor,
            object_type="member",
            object_id=affiliation.member_id,
            object_label=affiliation.member.name,
            facility=facility,
            detail={"lost_on": lost_on.isoformat(), "sessions_ended": ended, "spaces_left": left},
        )
    return affiliation


def appoint_admin(actor: Member, *, facility_id: int, member_id: int) -> Affiliation:
    """Appoint a staff member as facility admin (R2.8, the facility manager or the
    secretariat). Audits ADMIN_APPOINTED."""
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not authz.may_appoint_admins(actor, facility):
        raise NotFound()
    with transaction.atomic():
        facility = _active_facility_for_update(facility_id)
        affiliation = _current_affiliation(facility, member_id)
        if affiliation.is_admin:
            raise DomainError(_("This member is already a facility admin."))
        affiliation.is_admin = True
        affiliation.save(update_fields=["is_admin"])
        record(
            AuditAction.ADMIN_APPOINTED,
            actor=actor,
            object_type="member",
            object_id=member_id,
            object_label=affiliation.member.name,
            facility=facility,
        )
    return affiliation


def revoke_admin(actor: Member, *, facility_id: int, member_id: int) -> Affiliation:
    """Revoke a facility admin (R2.8, the facility manager or the secretariat); the last
    admin stays until another is appointed. Audits ADMIN_REVOKED."""
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not authz.may_appoint_admins(actor, facility):
        raise NotFound()
    with transaction.atomic():
        facility = _active_facility_for_update(facility_id)
        affiliation = _current_affiliation(facility, member_id)
        if not affiliation.is_admin:
            raise DomainError(_("This member is not a facility admin."))
        if not _other_admins(facility, affiliation):
            raise RuleViolation(
                _("This is the facility's last facility admin. Appoint another admin first."),
                rule="R2.8",
            )
        affiliation.is_admin = False
        affiliation.save(update_fields=["is_admin"])
        record(
            AuditAction.ADMIN_REVOKED,
            actor=actor,
            object_type="member",
            object_id=member_id,
            object_label=affiliation.member.name,
            facility=facility,
        )
    return affiliation


def change_manager(actor: Member, *, facility_id: int, member_id: int) -> Affiliation:
    """Record a new facility manager from a re-submitted form 3 (secretariat only). The new
    manager is also a facility admin (R2.8). Audits ADMIN_APPOINTED with the manager flag."""
    if not authz.is_secretariat(actor):
        raise NotFound()
    with transaction.atomic():
        facility = _active_facility_for_update(facility_id)
        affiliation = _current_affiliation(facility, member_id)
        if affiliation.is_manager:
            raise DomainError(_("This member is already the facility manager."))
        Affiliation.objects.filter(facility=facility, is_manager=True).update(is_manager=False)
        affiliation.is_manager = True
        affiliation.is_admin = True
        affiliation.save(update_fields=["is_manager", "is_admin"])
        facility.manager_name = affiliation.member.name
        facility.save(update_fields=["manager_name"])
        record(
            AuditAction.ADMIN_APPOINTED,
            actor=actor,
            object_type="member",
            object_id=member_id,
            object_label=affiliation.member.name,
            facility=facility,
            detail={"manager": True},
        )
    return affiliation


def withdraw_facility(actor: Member, *, facility_id: int, left_on: date | None = None) -> Facility:
    """A facility leaves the network as a whole (R1.2; its manager or the secretariat): every
    current staff member gets the loss-of-eligibility date and their sessions end; the list is
    kept; each leaves every space reached through it (R2.10). Audits FACILITY_LEFT and each
    STAFF_DEREGISTERED."""
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not authz.may_withdraw_facility(actor, facility):
        raise NotFound()
    today = timezone.localdate()
    left_on = left_on or today
    if left_on > today:
        raise ValidationFailed({"left_on": [_("The date cannot be in the future.")]})
    with transaction.atomic():
        facility = _active_facility_for_update(facility_id)
        current = list(
            Affiliation.objects.select_related("member").filter(
                facility=facility, lost_on__isnull=True
            )
        )
        for affiliation in current:
            affiliation.lost_on = max(left_on, affiliation.registered_on)
            affiliation.deregistered_by = actor
            affiliation.save(update_fields=["lost_on", "deregistered_by"])
            ended = end_all_sessions(affiliation.member, reason=EndReason.FACILITY_LEFT)
            left = leave_spaces_through_facility(
                actor, member=affiliation.member, facility=facility
            )
            record(
                AuditAction.STAFF_DEREGISTERED,
                actor=actor,
                object_type="member",
                object_id=affiliation.member_id,
                object_label=affiliation.member.name,
                facility=facility,
                detail={
                    "lost_on": affiliation.lost_on.isoformat(),
                    "sessions_ended": ended,
                    "spaces_left": left,
                },
            )
        facility.state = FacilityState.LEFT
        facility.left_on = left_on
        facility.save(update_fields=["state", "left_on"])
        record(
            AuditAction.FACILITY_LEFT,
            actor=actor,
            object_type="facility",
            object_id=facility.pk,
            object_label=facility.name,
            facility=facility,
            detail={"left_on": left_on.isoformat(), "staff": len(current)},
        )
    return facility


def resend_activation(actor: Member, *, facility_id: int, member_id: int) -> None:
    """Send a new activation link to a registered member who has not activated yet (facility
    admin or secretariat). Audits ACTIVATION_SENT."""
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not (
        authz.may_manage_staff(actor, facility) or authz.is_secretariat(actor)
    ):
        raise NotFound()
    affiliation = _current_affiliation(facility, member_id)
    if affiliation.member.is_active:
        raise Forbidden(_("This account is already activated."))
    send_activation(actor, member=affiliation.member)
