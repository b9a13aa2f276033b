"""Everything that changes a space: creating it, its members, connections, the patient record.

Each action checks permission (renkei.authz) and the rules, writes in one transaction with its
audit event and notifications, and publishes the live event after commit. Audit rows carry ids
only: never a patient's name or a group's content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei import authz
from renkei.accounts.models import Member
from renkei.accounts.validators import (
    furigana_problems,
    name_problems,
    phone_problems,
    text_problems,
)
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.errors import DomainError, Forbidden, NotFound, RuleViolation, ValidationFailed
from renkei.facilities.models import Affiliation, Facility
from renkei.notifications.actions import queue_notification
from renkei.notifications.models import NotificationKind
from renkei.realtime.publish import publish_on_commit
from renkei.spaces.keys import create_key
from renkei.spaces.models import (
    Membership,
    MembershipState,
    PatientRecord,
    Sex,
    Space,
    SpaceKind,
    SpaceState,
)
from renkei.spaces.queries import membership_of

MAX_MEMBERS_AT_ONCE = 200


def _space_for_update(space_id: int) -> Space:
    space = Space.objects.select_for_update().filter(pk=space_id).first()
    if space is None or space.state == SpaceState.DELETED:
        raise NotFound()
    return space


def _eligible_members(member_ids: Sequence[int]) -> list[Member]:
    """The members with these ids who may take part now (activated, registered somewhere)."""
    if len(member_ids) > MAX_MEMBERS_AT_ONCE:
        raise ValidationFailed(
            {"members": [_("Add at most %(n)d members at once.") % {"n": MAX_MEMBERS_AT_ONCE}]}
        )
    members = list(Member.objects.filter(pk__in=set(member_ids)))
    if len(members) != len(set(member_ids)) or not all(authz.is_eligible(m) for m in members):
        raise ValidationFailed({"members": [_("Choose members who are in the network.")]})
    return members


def spaces_changed_on_commit(*members: Member) -> None:
    """Tell the members' live connections to re-subscribe: their spaces changed."""
    for member in members:
        publish_on_commit(f"member.{member.pk}", {"type": "member.spaces_changed"})


def _current_facility_ids(member: Member) -> list[int]:
    return sorted(
        Affiliation.objects.filter(
            member=member, lost_on__isnull=True, facility__state="active"
        ).values_list("facility_id", flat=True)
    )


@dataclass
class Reach:
    """How an invited member reaches a space: at once through ``via`` (a facility they share
    with the inviter, or the lead facility), or after their own facility approves (R2.10)."""

    needs_approval: bool
    via: Facility | None


def _reach(space: Space, member: Member, actor: Member) -> Reach:
    """R2.10: a member invited into a patient group or a group by someone of another facility
    (for a patient group: not of the lead facility) waits for an admin of their own facility.
    A member with no facility (the secretariat) has no admin to approve and joins at once."""
    theirs = _current_facility_ids(member)
    if not theirs:
        return Reach(needs_approval=False, via=None)
    if space.kind == SpaceKind.PATIENT_GROUP:
        shared = [space.lead_facility_id] if space.lead_facility_id in theirs else []
    else:
        shared = [fid for fid in _current_facility_ids(actor) if fid in theirs]
    if not shared:
        return Reach(needs_approval=True, via=None)
    return Reach(needs_approval=False, via=Facility.objects.get(pk=shared[0]))


def _own_facility(member: Member) -> Facility | None:
    ids = _current_facility_ids(member)
    return Facility.objects.get(pk=ids[0]) if ids else None


def _await_approval(space: Space, member: Member, *, by: Member) -> Membership:
    """Record an invitation that waits for the member's facility (R2.10): no access yet."""
    membership, _created = Membership.objects.update_or_create(
        space=space,
        member=member,
        defaults={
            "state": MembershipState.PENDING_APPROVAL,
            "invited_by": by,
            "joined_at": None,
            "ended_at": None,
            "is_admin": False,
            "decided_by": None,
            "decline_reason": "",
            "created_at": timezone.now(),
        },
    )
    return membership


@dataclass
class Invited:
    """The outcome of inviting: who joined at once and who waits for their facility."""

    added: list[Member]
    pending: list[Member]


def _invite(space: Space, members: Sequence[Member], *, by: Member) -> Invited:
    """Add each member at once or as waiting for approval; members already active or waiting
    are left as they are. Audits SPACE_MEMBER_ADDED or INVITATION_PENDING for each."""
    result = Invited(added=[], pending=[])
    for member in members:
        current = membership_of(member, space)
        if current is not None and current.state in (
            MembershipState.ACTIVE,
            MembershipState.PENDING_APPROVAL,
        ):
            continue
        reach = _reach(space, member, by)
        if reach.needs_approval:
            _await_approval(space, member, by=by)
            _audit_membership(AuditAction.INVITATION_PENDING, by, space, member)
            result.pending.append(member)
            continue
        _activate(space, member, by=by, via_facility=reach.via)
        _audit_membership(
            AuditAction.SPACE_MEMBER_ADDED,
            by,
            space,
            member,
            via_facility=str(reach.via.public_id) if reach.via else None,
        )
        queue_notification(member=member, space=space, kind=NotificationKind.ADDED, actor=by)
        result.added.append(member)
    return result


def _activate(
    space: Space,
    member: Member,
    *,
    by: Member,
    is_admin: bool = False,
    via_facility: Facility | None = None,
) -> Membership:
    """Make ``member`` an active member of ``space`` (a new row, or a former one renewed)."""
    now = timezone.now()
    membership, _created = Membership.objects.get_or_create(
        space=space,
        member=member,
        defaults={"state": MembershipState.ACTIVE, "invited_by": by, "joined_at": now},
    )
    if not membership.is_active:
        membership.state = MembershipState.ACTIVE
        membership.joined_at = now
        membership.ended_at = None
        membership.invited_by = by
    membership.is_admin = membership.is_admin or is_admin
    membership.via_facility = via_facility or membership.via_facility
    # A member joining later starts with what is already there counted as read.
    membership.last_read_post_id = max(membership.last_read_post_id, space.last_post_id)
    membership.save()
    return membership


def _audit_membership(
    action: AuditAction, actor: Member, space: Space, member: Member, **detail: object
) -> None:
    record(
        action,
        actor=actor,
        object_type="space",
        object_id=space.public_id,
        detail={"kind": space.kind, "member": str(member.public_id), **detail},
    )


def group_name_problems(name: str) -> list[str]:
    return text_problems(name, max_length=100)


def create_group(actor: Member, *, name: str, member_ids: Sequence[int] = ()) -> Space:
    """Create a group (R2.6): any member may, and adds members of any profession or facility;
    those of another facility join once their facility approves (R2.10).

    The creator is its first admin. Audits SPACE_CREATED and each SPACE_MEMBER_ADDED or
    INVITATION_PENDING.
    """
    if not authz.is_eligible(actor):
        raise NotFound()
    if problems := group_name_problems(name):
        raise ValidationFailed({"name": problems})
    members = _eligible_members([i for i in member_ids if i != actor.pk])
    with transaction.atomic():
        space = Space.objects.create(kind=SpaceKind.GROUP, name=name.strip(), created_by=actor)
        create_key(space)
        _activate(space, actor, by=actor, is_admin=True, via_facility=_own_facility(actor))
        record(
            AuditAction.SPACE_CREATED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            detail={"kind": space.kind},
        )
        invited = _invite(space, members, by=actor)
        spaces_changed_on_commit(actor, *invited.added)
    return space


def rename_group(actor: Member, *, space_id: int, name: str) -> Space:
    """Rename a group; any of its members may (R2.6). Audits SPACE_RENAMED."""
    if problems := group_name_problems(name):
        raise ValidationFailed({"name": problems})
    with transaction.atomic():
        space = _space_for_update(space_id)
        membership = membership_of(actor, space)
        if not authz.may_read_space(membership):
            raise NotFound()
        if not authz.may_manage_group_members(space, membership):
            raise Forbidden(_("Only the members of a group can rename it."))
        space.name = name.strip()
        space.save(update_fields=["name"])
        record(
            AuditAction.SPACE_RENAMED, actor=actor, object_type="space", object_id=space.public_id
        )
        publish_on_commit(
            f"space.{space.pk}",
            {"type": "space.event", "space_id": space.pk, "event": "space.renamed"},
        )
    return space


def add_group_members(actor: Member, *, space_id: int, member_ids: Sequence[int]) -> Invited:
    """Add members to a group (R2.6: any member of the group, whatever their profession); a
    member of another facility joins once their facility approves (R2.10).

    Audits SPACE_MEMBER_ADDED or INVITATION_PENDING for each; members already active or waiting
    are left as they are.
    """
    if not member_ids:
        raise ValidationFailed({"members": [_("Choose at least one member.")]})
    members = _eligible_members(member_ids)
    with transaction.atomic():
        space = _space_for_update(space_id)
        membership = membership_of(actor, space)
        if not authz.may_read_space(membership):
            raise NotFound()
        if not authz.may_manage_group_members(space, membership):
            raise DomainError(_("Members can be added here only while the group is active."))
        invited = _invite(space, members, by=actor)
        spaces_changed_on_commit(*invited.added)
        _publish_members_changed(space)
    return invited


def _publish_members_changed(space: Space) -> None:
    publish_on_commit(
        f"space.{space.pk}",
        {"type": "space.event", "space_id": space.pk, "event": "members.changed"},
    )


def _end_membership(membership: Membership, state: MembershipState) -> None:
    membership.state = state
    membership.ended_at = timezone.now()
    membership.is_admin = False
    membership.save(update_fields=["state", "ended_at", "is_admin"])


def remove_member(actor: Member, *, space_id: int, member_id: int) -> None:
    """Remove a member from a group (R2.6: any member of the group) or a patient group (R3.1:
    the lead facility's facility admins, members of it or not, and its patient group admins),
    or withdraw an invitation still waiting for approval. The last member cannot be removed; a
    group's last admin passes the role on, a patient group's must be replaced first (R3.4).
    Audits SPACE_MEMBER_REMOVED."""
    with transaction.atomic():
        space = _space_for_update(space_id)
        membership = membership_of(actor, space)
        if not (authz.may_read_space(membership) or authz.is_lead_facility_admin(actor, space)):
            raise NotFound()
        allowed = (
            authz.may_manage_group_members(space, membership)
            if space.kind == SpaceKind.GROUP
            else authz.may_invite_to_patient_group(actor, space, membership)
        )
        if not allowed:
            raise Forbidden(
                _("You cannot remove members from this space."),
                rule="R3.1" if space.kind == SpaceKind.PATIENT_GROUP else None,
            )
        target = (
            Membership.objects.select_related("member")
            .filter(
                space=space,
                member_id=member_id,
                state__in=[MembershipState.ACTIVE, MembershipState.PENDING_APPROVAL],
            )
            .first()
        )
        if target is None:
            raise NotFound()
        if target.is_active:
            _leave(space, target, MembershipState.REMOVED)
        else:
            _end_membership(target, MembershipState.REMOVED)
        _audit_membership(AuditAction.SPACE_MEMBER_REMOVED, actor, space, target.member)
        spaces_changed_on_commit(target.member)
        _publish_members_changed(space)


def _leave(
    space: Space, membership: Membership, state: MembershipState, *, keep_last: bool = True
) -> None:
    others = Membership.objects.filter(space=space, state=MembershipState.ACTIVE).exclude(
        pk=membership.pk
    )
    if keep_last and not others.exists():
        raise DomainError(_("The last member cannot leave or be removed."))
    if membership.is_admin and not others.filter(is_admin=True).exists():
        if space.kind == SpaceKind.PATIENT_GROUP:
            raise DomainError(
                _("Appoint another patient group admin before the last one leaves."),
                rule="R3.4",
            )
        successor = others.order_by("joined_at", "id").first()
        if successor is not None:
            successor.is_admin = True
            successor.save(update_fields=["is_admin"])
    _end_membership(membership, state)


def leave_space(actor: Member, *, space_id: int) -> None:
    """Leave a group or patient group of one's own accord. Audits SPACE_LEFT."""
    with transaction.atomic():
        space = _space_for_update(space_id)
        membership = membership_of(actor, space)
        if not authz.may_read_space(membership):
            raise NotFound()
        assert membership is not None
        if space.kind == SpaceKind.CONNECTION:
            raise DomainError(_("A connection cannot be left; it simply stays quiet."))
        _leave(space, membership, MembershipState.LEFT)
        _audit_membership(AuditAction.SPACE_LEFT, actor, space, actor)
        spaces_changed_on_commit(actor)
        _publish_members_changed(space)


def _pair_key(a: Member, b: Member) -> str:
    low, high = sorted((a.pk, b.pk))
    return f"{low}:{high}"


def request_connection(actor: Member, *, member_id: int) -> Space:
    """Ask another member for a one-to-one connection (R2.6). The other accepts or declines.

    Asking again after a decline renews the request. Audits CONNECTION_REQUESTED.
    """
    if not authz.is_eligible(actor):
        raise NotFound()
    if member_id == actor.pk:
        raise ValidationFailed({"member": [_("Choose someone other than yourself.")]})
    (other,) = _eligible_members([member_id])
    key = _pair_key(actor, other)
    try:
        with transaction.atomic():
            space = Space.objects.select_for_update().filter(pair_key=key).first()
            if space is None:
                space = Space.objects.create(
                    kind=SpaceKind.CONNECTION, created_by=actor, pair_key=key
                )
                create_key(space)
            mine = membership_of(actor, space)
            theirs = membership_of(other, space)
            if mine is not None and mine.state == MembershipState.INVITED:
                # They asked us first: asking back is accepting.
                return accept_connection(actor, space_id=space.pk)
            if theirs is not None and theirs.is_active and mine is not None and mine.is_active:
                raise DomainError(_("You are already connected."))
            if theirs is not None and theirs.state == MembershipState.INVITED:
                raise DomainError(_("Your request is waiting for an answer."))
            _activate(space, actor, by=actor)
            Membership.objects.update_or_create(
                space=space,
                member=other,
                defaults={
                    "state": MembershipState.INVITED,
                    "invited_by": actor,
                    "ended_at": None,
                    "joined_at": None,
                },
            )
            record(
                AuditAction.CONNECTION_REQUESTED,
                actor=actor,
                object_type="space",
                object_id=space.public_id,
                detail={"member": str(other.public_id)},
            )
            queue_notification(
                member=other, space=space, kind=NotificationKind.CONNECTION_REQUEST, actor=actor
            )
            spaces_changed_on_commit(actor, other)
    except IntegrityError as exc:  # the other asked at the same moment
        raise DomainError(_("A request between you two was just made. Reload the page.")) from exc
    return space


def _pending_request(actor: Member, space_id: int) -> tuple[Space, Membership]:
    space = _space_for_update(space_id)
    mine = membership_of(actor, space)
    if space.kind != SpaceKind.CONNECTION or mine is None:
        raise NotFound()
    if mine.state != MembershipState.INVITED:
        raise DomainError(_("There is no request waiting for your answer."))
    return space, mine


def accept_connection(actor: Member, *, space_id: int) -> Space:
    """Accept a connection request; then the two exchange messages. Audits CONNECTION_ACCEPTED."""
    with transaction.atomic():
        space, mine = _pending_request(actor, space_id)
        _activate(space, actor, by=actor)
        record(
            AuditAction.CONNECTION_ACCEPTED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
        )
        requester = Member.objects.filter(pk=mine.invited_by_id or 0).first()
        spaces_changed_on_commit(actor, *([requester] if requester else []))
        _publish_members_changed(space)
    return space


def decline_connection(actor: Member, *, space_id: int) -> None:
    """Decline a connection request. Audits CONNECTION_DECLINED."""
    with transaction.atomic():
        space, mine = _pending_request(actor, space_id)
        _end_membership(mine, MembershipState.DECLINED)
        record(
            AuditAction.CONNECTION_DECLINED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
        )
        spaces_changed_on_commit(actor)


@dataclass
class PatientInput:
    """The header of a patient group."""

    name: str
    furigana: str
    birth_date: date | None
    sex: str
    address: str = ""
    phone: str = ""
    key_person: str = ""
    care_level: str = ""
    primary_doctor: str = ""


def patient_problems(patient: PatientInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if p := name_problems(patient.name):
        errors["name"] = p
    if p := furigana_problems(patient.furigana):
        errors["furigana"] = p
    if patient.birth_date is None:
        errors["birth_date"] = [_("Enter the date of birth.")]
    elif patient.birth_date > timezone.localdate() or patient.birth_date.year < 1900:
        errors["birth_date"] = [_("Enter a real date of birth.")]
    if patient.sex not in Sex.values:
        errors["sex"] = [_("Choose from the list.")]
    for field, limit in (
        ("address", 200),
        ("key_person", 100),
        ("care_level", 40),
        ("primary_doctor", 60),
    ):
        if p := text_problems(getattr(patient, field), max_length=limit, required=False):
            errors[field] = p
    if p := phone_problems(patient.phone, required=False):
        errors["phone"] = p
    return errors


def _patient_fields(patient: PatientInput) -> dict[str, object]:
    return {
        "name": patient.name.strip(),
        "furigana": patient.furigana.strip(),
        "birth_date": patient.birth_date,
        "sex": patient.sex,
        "address": patient.address.strip(),
        "phone": patient.phone.strip(),
        "key_person": patient.key_person.strip(),
        "care_level": patient.care_level.strip(),
        "primary_doctor": patient.primary_doctor.strip(),
    }


def create_patient_group(actor: Member, *, facility_id: int, patient: PatientInput) -> Space:
    """Create a patient group for one patient, led by the actor's facility (R3.1).

    The creator is its first patient group admin (R3.4). Audits SPACE_CREATED (ids only).
    """
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not authz.may_create_patient_group(actor, facility):
        raise NotFound()
    if errors := patient_problems(patient):
        raise ValidationFailed(errors)
    with transaction.atomic():
        space = Space.objects.create(
            kind=SpaceKind.PATIENT_GROUP, created_by=actor, lead_facility=facility
        )
        create_key(space)
        PatientRecord.objects.create(space=space, **_patient_fields(patient))
        _activate(space, actor, by=actor, is_admin=True, via_facility=facility)
        record(
            AuditAction.SPACE_CREATED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility=facility,
            detail={"kind": space.kind},
        )
        spaces_changed_on_commit(actor)
    return space


def update_patient_record(actor: Member, *, space_id: int, patient: PatientInput) -> PatientRecord:
    """Change the patient record (R3.5: the patient group admin). Audits PATIENT_RECORD_UPDATED
    with the names of the changed fields, never their values."""
    if errors := patient_problems(patient):
        raise ValidationFailed(errors)
    with transaction.atomic():
        space = _space_for_update(space_id)
        membership = membership_of(actor, space)
        if not authz.may_read_space(membership):
            raise NotFound()
        if not authz.may_edit_patient_record(space, membership):
            raise Forbidden(_("Only a patient group admin can change the patient record."))
        patient_record = PatientRecord.objects.get(space=space)
        changed = []
        for field, value in _patient_fields(patient).items():
            if getattr(patient_record, field) != value:
                setattr(patient_record, field, value)
                changed.append(field)
        patient_record.updated_at = timezone.now()
        patient_record.save()
        record(
            AuditAction.PATIENT_RECORD_UPDATED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={"fields": changed},
        )
    return patient_record


def invite_to_patient_group(actor: Member, *, space_id: int, member_ids: Sequence[int]) -> Invited:
    """Invite members to a patient group (R3.1: the lead facility's facility admins, members of
    it or not, and its patient group admins; nobody else). A member of the lead facility joins
    through it at once; a member of another facility once their facility approves (R2.10).
    Audits SPACE_MEMBER_ADDED or INVITATION_PENDING for each."""
    if not member_ids:
        raise ValidationFailed({"members": [_("Choose at least one member.")]})
    members = _eligible_members(member_ids)
    with transaction.atomic():
        space = _space_for_update(space_id)
        membership = membership_of(actor, space)
        if not (authz.may_read_space(membership) or authz.is_lead_facility_admin(actor, space)):
            raise NotFound()
        if not authz.may_invite_to_patient_group(actor, space, membership):
            if not space.is_writable:
                raise DomainError(_("Nobody can be invited while the patient group is read-only."))
            raise Forbidden(
                _("Members of a patient group are invited by its lead facility."), rule="R3.1"
            )
        invited = _invite(space, members, by=actor)
        spaces_changed_on_commit(*invited.added)
        _publish_members_changed(space)
    return invited


# Cross-facility approval (R2.10) -------------------------------------------------------------


def _facility_admin_of(actor: Member, facility_id: int) -> Facility:
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not authz.may_approve_invitations(actor, facility):
        raise NotFound()
    return facility


def _staff_membership(
    facility: Facility, space_id: int, member_id: int, states: Sequence[str]
) -> tuple[Space, Membership]:
    """The membership of one of the facility's current staff in a group or patient group."""
    space = _space_for_update(space_id)
    target = (
        Membership.objects.select_related("member")
        .filter(space=space, member_id=member_id, state__in=list(states))
        .exclude(space__kind=SpaceKind.CONNECTION)
        .first()
    )
    if target is None or facility.pk not in _current_facility_ids(target.member):
        raise NotFound()
    return space, target


def _audit_facility_decision(
    action: AuditAction,
    actor: Member,
    facility: Facility,
    space: Space,
    member: Member,
    **detail: object,
) -> None:
    record(
        action,
        actor=actor,
        object_type="space",
        object_id=space.public_id,
        facility=facility,
        detail={"kind": space.kind, "member": str(member.public_id), **detail},
    )


def approve_invitation(actor: Member, *, facility_id: int, space_id: int, member_id: int) -> None:
    """Approve a staff member's invitation from another facility (R2.10: a facility admin of the
    member's facility); the member then reaches the space through this facility. Audits
    INVITATION_APPROVED; the member's list and the space's members change live."""
    facility = _facility_admin_of(actor, facility_id)
    with transaction.atomic():
        space, target = _staff_membership(
            facility, space_id, member_id, [MembershipState.PENDING_APPROVAL]
        )
        target.state = MembershipState.ACTIVE
        target.joined_at = timezone.now()
        target.ended_at = None
        target.via_facility = facility
        target.decided_by = actor
        target.last_read_post_id = max(target.last_read_post_id, space.last_post_id)
        target.save()
        _audit_facility_decision(
            AuditAction.INVITATION_APPROVED, actor, facility, space, target.member
        )
        inviter = Member.objects.filter(pk=target.invited_by_id or 0).first()
        queue_notification(
            member=target.member, space=space, kind=NotificationKind.ADDED, actor=inviter or actor
        )
        spaces_changed_on_commit(target.member)
        _publish_members_changed(space)


DECLINE_REASON_MAX = 500


def decline_invitation(
    actor: Member, *, facility_id: int, space_id: int, member_id: int, reason: str = ""
) -> None:
    """Decline a staff member's invitation from another facility (R2.10: a facility admin of the
    member's facility), with an optional reason kept with the invitation. Audits
    INVITATION_DECLINED (whether a reason was given, not the reason)."""
    facility = _facility_admin_of(actor, facility_id)
    reason = reason.strip()
    if problems := text_problems(reason, max_length=DECLINE_REASON_MAX, required=False):
        raise ValidationFailed({"reason": problems})
    with transaction.atomic():
        space, target = _staff_membership(
            facility, space_id, member_id, [MembershipState.PENDING_APPROVAL]
        )
        target.state = MembershipState.DECLINED
        target.ended_at = timezone.now()
        target.decided_by = actor
        target.decline_reason = reason
        target.save(update_fields=["state", "ended_at", "decided_by", "decline_reason"])
        _audit_facility_decision(
            AuditAction.INVITATION_DECLINED,
            actor,
            facility,
            space,
            target.member,
            reason_given=bool(reason),
        )
        _publish_members_changed(space)


def remove_staff_from_space(
    actor: Member, *, facility_id: int, space_id: int, member_id: int
) -> None:
    """Take one of the facility's staff out of a group or patient group (R2.10: its facility
    admin, who need not be a member and reads nothing of it), or withdraw a waiting invitation.
    A patient group's last admin must be replaced first (R3.4). Audits
    SPACE_MEMBER_REMOVED_BY_FACILITY."""
    facility = _facility_admin_of(actor, facility_id)
    with transaction.atomic():
        space, target = _staff_membership(
            facility,
            space_id,
            member_id,
            [MembershipState.ACTIVE, MembershipState.PENDING_APPROVAL],
        )
        if target.is_active:
            _leave(space, target, MembershipState.REMOVED, keep_last=False)
        else:
            _end_membership(target, MembershipState.REMOVED)
        _audit_facility_decision(
            AuditAction.SPACE_MEMBER_REMOVED_BY_FACILITY, actor, facility, space, target.member
        )
        spaces_changed_on_commit(target.member)
        _publish_members_changed(space)


def leave_spaces_through_facility(actor: Member, *, member: Member, facility: Facility) -> int:
    """R2.10: a member who leaves a facility leaves at once every space they reached through it.

    Called inside the deregistration's transaction. A patient group whose last admin this was
    passes the role to its longest-standing member, so that it keeps one (R3.4). Audits
    SPACE_LEFT_WITH_FACILITY for each space; the member's live connections lose them and each
    space's members change live. Returns the number of spaces left."""
    rows = list(
        Membership.objects.select_related("space")
        .select_for_update()
        .filter(member=member, via_facility=facility, state=MembershipState.ACTIVE)
        .exclude(space__state=SpaceState.DELETED)
    )
    for row in rows:
        space = row.space
        others = Membership.objects.filter(space=space, state=MembershipState.ACTIVE).exclude(
            pk=row.pk
        )
        successor = None
        if row.is_admin and not others.filter(is_admin=True).exists():
            successor = others.order_by("joined_at", "id").first()
            if successor is not None:
                successor.is_admin = True
                successor.save(update_fields=["is_admin"])
        _end_membership(row, MembershipState.LEFT)
        _audit_facility_decision(
            AuditAction.SPACE_LEFT_WITH_FACILITY,
            actor,
            facility,
            space,
            member,
            admin_passed_to=str(successor.member.public_id) if successor else None,
        )
        _publish_members_changed(space)
    if rows:
        spaces_changed_on_commit(member)
    return len(rows)


# Patient group admins (R3.4) and the archive (R3.5) ------------------------------------------


def _managed_patient_group(actor: Member, space_id: int) -> tuple[Space, Membership | None]:
    space = _space_for_update(space_id)
    membership = membership_of(actor, space)
    if space.kind != SpaceKind.PATIENT_GROUP or not (
        authz.may_read_space(membership) or authz.is_lead_facility_admin(actor, space)
    ):
        raise NotFound()
    if not authz.may_manage_patient_group(actor, space, membership):
        raise Forbidden(
            _("Only a patient group admin or the lead facility's admins can do this."),
            rule="R3.4",
        )
    return space, membership


def _active_target(space: Space, member_id: int) -> Membership:
    target = (
        Membership.objects.select_related("member")
        .filter(space=space, member_id=member_id, state=MembershipState.ACTIVE)
        .first()
    )
    if target is None:
        raise NotFound()
    return target


def appoint_patient_group_admin(actor: Member, *, space_id: int, member_id: int) -> None:
    """Make an active member a patient group admin (R3.4: by a patient group admin or a facility
    admin of the lead facility). Audits PATIENT_GROUP_ADMIN_APPOINTED."""
    with transaction.atomic():
        space, _mine = _managed_patient_group(actor, space_id)
        target = _active_target(space, member_id)
        if target.is_admin:
            raise DomainError(_("This member is already a patient group admin."))
        target.is_admin = True
        target.save(update_fields=["is_admin"])
        _audit_membership(AuditAction.PATIENT_GROUP_ADMIN_APPOINTED, actor, space, target.member)
        _publish_members_changed(space)


def revoke_patient_group_admin(actor: Member, *, space_id: int, member_id: int) -> None:
    """Take the patient group admin role from a member (R3.4: by a patient group admin or a
    facility admin of the lead facility); the last one keeps it until another is appointed.
    Audits PATIENT_GROUP_ADMIN_REVOKED."""
    with transaction.atomic():
        space, _mine = _managed_patient_group(actor, space_id)
        target = _active_target(space, member_id)
        if not target.is_admin:
            raise DomainError(_("This member is not a patient group admin."))
        others = Membership.objects.filter(
            space=space, state=MembershipState.ACTIVE, is_admin=True
        ).exclude(pk=target.pk)
        if not others.exists():
            raise RuleViolation(
                _("A patient group keeps at least one admin. Appoint another one first."),
                rule="R3.4",
            )
        target.is_admin = False
        target.save(update_fields=["is_admin"])
        _audit_membership(AuditAction.PATIENT_GROUP_ADMIN_REVOKED, actor, space, target.member)
        _publish_members_changed(space)


def _everyone_in(space: Space) -> list[Member]:
    return list(
        Member.objects.filter(memberships__space=space, memberships__state=MembershipState.ACTIVE)
    )


def archive_patient_group(actor: Member, *, space_id: int) -> Space:
    """Move a patient group to the archive (保管者リスト) when support ends (R3.5: its patient
    group admin). It stays readable to its members, with its history, and nothing can be
    written in it. Audits PATIENT_GROUP_ARCHIVED; the members' lists change live."""
    with transaction.atomic():
        space = _space_for_update(space_id)
        membership = membership_of(actor, space)
        if space.kind != SpaceKind.PATIENT_GROUP or not authz.may_read_space(membership):
            raise NotFound()
        if not authz.may_archive_patient_group(space, membership):
            raise Forbidden(
                _("Only a patient group admin can move the group to the archive."), rule="R3.5"
            )
        if space.state == SpaceState.ARCHIVED:
            raise DomainError(_("This patient group is already in the archive."))
        space.state_before_archive = space.state
        space.state = SpaceState.ARCHIVED
        space.archived_at = timezone.now()
        space.save(update_fields=["state", "archived_at", "state_before_archive"])
        record(
            AuditAction.PATIENT_GROUP_ARCHIVED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={"kind": space.kind},
        )
        spaces_changed_on_commit(*_everyone_in(space))
    return space


def restore_patient_group(actor: Member, *, space_id: int) -> Space:
    """Bring a patient group back from the archive to the patient list (R3.5: its patient group
    admin). Audits PATIENT_GROUP_RESTORED; the members' lists change live."""
    with transaction.atomic():
        space = _space_for_update(space_id)
        membership = membership_of(actor, space)
        if space.kind != SpaceKind.PATIENT_GROUP or not authz.may_read_space(membership):
            raise NotFound()
        if not authz.may_archive_patient_group(space, membership):
            raise Forbidden(
                _("Only a patient group admin can restore the group from the archive."),
                rule="R3.5",
            )
        if space.state != SpaceState.ARCHIVED:
            raise DomainError(_("This patient group is not in the archive."))
        # Back to the patient list; a group frozen by a withdrawn consent stays read-only.
        space.state = (
            SpaceState.FROZEN
            if space.state_before_archive == SpaceState.FROZEN
            else SpaceState.ACTIVE
        )
        space.archived_at = None
        space.state_before_archive = ""
        space.save(update_fields=["state", "archived_at", "state_before_archive"])
        record(
            AuditAction.PATIENT_GROUP_RESTORED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={"kind": space.kind},
        )
        spaces_changed_on_commit(*_everyone_in(space))
    return space
