"""Governance of care spaces (R2.10, R3.1, R3.4, R3.5): a facility admin's queue of its staff's
invitations from other facilities, taking staff out of spaces, the lead facility's management
of its patient groups' members and admins (without reading their posts), and the archive.

Refusals name their rule: inviting or removing by someone who is neither a facility admin of
the lead facility nor a patient group admin (R3.1), removing or revoking the last patient group
admin (R3.4), archiving by anyone but a patient group admin (R3.5).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from renkei.accounts.models import Member
from renkei.accounts.reauth import ensure_recent_auth
from renkei.api.endpoints.spaces import entry_out, facility_ref, member_ref, members_out
from renkei.api.schemas import (
    FacilityRefOut,
    InputSchema,
    MemberRefOut,
    MembersIn,
    SpaceMemberOut,
    SpaceOut,
)
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.errors import NotFound
from renkei.facilities.models import Facility
from renkei.facilities.queries import access_facility
from renkei.spaces import actions, queries
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind, SpaceState

router = Router(tags=["governance"])


class InvitationOut(Schema):
    """An invitation of one of the facility's staff, waiting for its approval (R2.10)."""

    space: uuid.UUID
    kind: SpaceKind
    name: str = Field(description="A group's name; empty for a patient group.")
    patient_name: str | None = Field(
        description="The patient of a patient group, so the admin knows what they approve."
    )
    lead_facility: FacilityRefOut | None
    member: MemberRefOut
    invited_by: MemberRefOut | None
    invited_at: datetime


class StaffMembershipOut(Schema):
    """One of the facility's staff in a group or patient group."""

    space: uuid.UUID
    kind: SpaceKind
    name: str
    patient_name: str | None
    lead_facility: FacilityRefOut | None
    member: MemberRefOut
    is_admin: bool
    state: MembershipState


class DecisionOut(Schema):
    space: uuid.UUID
    member: uuid.UUID
    state: MembershipState


class DeclineIn(InputSchema):
    reason: str = Field("", description="Optional; kept with the invitation for the inviter.")


class LedPatientGroupOut(Schema):
    id: uuid.UUID
    state: SpaceState
    patient_name: str


class ManagedMembersOut(Schema):
    """A patient group's members and its invitations waiting for approval, for those who
    manage it; no post."""

    members: list[SpaceMemberOut]
    pending: list[MemberRefOut]


class InvitedOut(ManagedMembersOut):
    added: list[MemberRefOut] = Field(description="Joined at once.")
    waiting: list[MemberRefOut] = Field(
        description="Invited from another facility: they join once their facility approves."
    )


class AdminIn(InputSchema):
    member: uuid.UUID = Field(description="An active member of the patient group.")


def _patient_name(space: Space) -> str | None:
    if space.kind != SpaceKind.PATIENT_GROUP:
        return None
    patient = getattr(space, "patient", None)
    return patient.name if patient else None


def _admin_facility(request: HttpRequest, public_id: uuid.UUID) -> tuple[Member, Facility]:
    viewer = member_of(request)
    return viewer, access_facility(viewer, public_id)


def _staff_row(
    viewer: Member, facility: Facility, space_id: uuid.UUID, member_id: uuid.UUID
) -> Membership:
    return queries.staff_member_in_space(viewer, facility, space_id, member_id)


@router.get(
    "/facilities/{public_id}/invitations",
    response={200: list[InvitationOut], **errors(401, 404, 422)},
)
def list_invitations(request: HttpRequest, public_id: uuid.UUID) -> list[InvitationOut]:
    """The facility's staff invited into groups and patient groups by other facilities, waiting
    for the approval of a facility admin (R2.10), oldest first. 404 for anyone else."""
    viewer, facility = _admin_facility(request, public_id)
    return [
        InvitationOut(
            space=row.space.public_id,
            kind=SpaceKind(row.space.kind),
            name=row.space.name,
            patient_name=_patient_name(row.space),
            lead_facility=facility_ref(row.space.lead_facility),
            member=member_ref(row.member),
            invited_by=member_ref(row.invited_by) if row.invited_by else None,
            invited_at=row.created_at,
        )
        for row in queries.pending_invitations(viewer, facility)
    ]


@router.post(
    "/facilities/{public_id}/invitations/{space_id}/{member_id}/approve",
    response={200: DecisionOut, **errors(400, 401, 403, 404, 422)},
)
def approve_invitation(
    request: HttpRequest, public_id: uuid.UUID, space_id: uuid.UUID, member_id: uuid.UUID
) -> DecisionOut:
    """Approve a staff member's invitation (R2.10): they reach the space through this facility."""
    viewer, facility = _admin_facility(request, public_id)
    row = _staff_row(viewer, facility, space_id, member_id)
    if row.state != MembershipState.PENDING_APPROVAL:
        raise NotFound()
    actions.approve_invitation(
        viewer, facility_id=facility.pk, space_id=row.space_id, member_id=row.member_id
    )
    return DecisionOut(space=space_id, member=member_id, state=MembershipState.ACTIVE)


@router.post(
    "/facilities/{public_id}/invitations/{space_id}/{member_id}/decline",
    response={200: DecisionOut, **errors(400, 401, 403, 404, 422)},
)
def decline_invitation(
    request: HttpRequest,
    public_id: uuid.UUID,
    space_id: uuid.UUID,
    member_id: uuid.UUID,
    payload: DeclineIn,
) -> DecisionOut:
    """Decline a staff member's invitation (R2.10), with an optional reason."""
    viewer, facility = _admin_facility(request, public_id)
    row = _staff_row(viewer, facility, space_id, member_id)
    if row.state != MembershipState.PENDING_APPROVAL:
        raise NotFound()
    actions.decline_invitation(
        viewer,
        facility_id=facility.pk,
        space_id=row.space_id,
        member_id=row.member_id,
        reason=payload.reason,
    )
    return DecisionOut(space=space_id, member=member_id, state=MembershipState.DECLINED)


@router.get(
    "/facilities/{public_id}/staff-spaces",
    response={200: list[StaffMembershipOut], **errors(401, 404, 422)},
)
def list_staff_spaces(request: HttpRequest, public_id: uuid.UUID) -> list[StaffMembershipOut]:
    """The groups and patient groups the facility's current staff are in (R2.10), for its
    facility admins; names only, never posts."""
    viewer, facility = _admin_facility(request, public_id)
    return [
        StaffMembershipOut(
            space=row.space.public_id,
            kind=SpaceKind(row.space.kind),
            name=row.space.name,
            patient_name=_patient_name(row.space),
            lead_facility=facility_ref(row.space.lead_facility),
            member=member_ref(row.member),
            is_admin=row.is_admin,
            state=MembershipState(row.state),
        )
        for row in queries.staff_in_spaces(viewer, facility)
    ]


@router.delete(
    "/facilities/{public_id}/staff-spaces/{space_id}/{member_id}",
    response={200: DecisionOut, **errors(400, 401, 403, 404, 409, 422)},
)
def remove_staff_from_space(
    request: HttpRequest, public_id: uuid.UUID, space_id: uuid.UUID, member_id: uuid.UUID
) -> DecisionOut:
    """Take one of the facility's staff out of a group or patient group, or withdraw their
    waiting invitation (R2.10); a patient group's last admin is replaced first (R3.4)."""
    viewer, facility = _admin_facility(request, public_id)
    row = _staff_row(viewer, facility, space_id, member_id)
    actions.remove_staff_from_space(
        viewer, facility_id=facility.pk, space_id=row.space_id, member_id=row.member_id
    )
    return DecisionOut(space=space_id, member=member_id, state=MembershipState.REMOVED)


@router.get(
    "/facilities/{public_id}/patient-groups",
    response={200: list[LedPatientGroupOut], **errors(401, 404, 422)},
)
def list_led_patient_groups(request: HttpRequest, public_id: uuid.UUID) -> list[LedPatientGroupOut]:
    """The patient groups the facility leads (R3.1), for its facility admins to manage."""
    viewer, facility = _admin_facility(request, public_id)
    return [
        LedPatientGroupOut(
            id=space.public_id,
            state=SpaceState(space.state),
            patient_name=_patient_name(space) or "",
        )
        for space in queries.led_patient_groups(viewer, facility)
    ]


def _managed(viewer: Member, public_id: uuid.UUID) -> Space:
    space = queries.access_members_page(viewer, public_id).space
    if space.kind != SpaceKind.PATIENT_GROUP:
        raise NotFound()
    return space


def _managed_members(viewer: Member, space: Space) -> ManagedMembersOut:
    return ManagedMembersOut(
        members=members_out(viewer, list(queries.space_members(viewer, space))),
        pending=[member_ref(row.member) for row in queries.pending_members(viewer, space)],
    )


def _member_in(viewer: Member, space: Space, member_id: uuid.UUID) -> Membership:
    rows = list(queries.space_members(viewer, space)) + list(queries.pending_members(viewer, space))
    row = next((r for r in rows if r.member.public_id == member_id), None)
    if row is None:
        raise NotFound()
    return row


@router.get(
    "/patient-groups/{public_id}/members",
    response={200: ManagedMembersOut, **errors(401, 404, 422)},
)
def list_patient_group_members(request: HttpRequest, public_id: uuid.UUID) -> ManagedMembersOut:
    """A patient group's members and waiting invitations: for its members, and for the facility
    admins of its lead facility who manage it without being members (R3.1)."""
    viewer = member_of(request)
    return _managed_members(viewer, _managed(viewer, public_id))


@router.post(
    "/patient-groups/{public_id}/members",
    response={200: InvitedOut, **errors(400, 401, 403, 404, 422)},
)
def invite_to_patient_group(
    request: HttpRequest, public_id: uuid.UUID, payload: MembersIn
) -> InvitedOut:
    """Invite members (R3.1: a facility admin of the lead facility or a patient group admin;
    refused for other members, naming the rule). Members of another facility wait for their
    facility's approval (R2.10)."""
    viewer = member_of(request)
    space = _managed(viewer, public_id)
    ids = [m.pk for m in queries.members_by_public_id(viewer, payload.members)]
    invited = actions.invite_to_patient_group(viewer, space_id=space.pk, member_ids=ids)
    current = _managed_members(viewer, space)
    return InvitedOut(
        **current.model_dump(),
        added=[member_ref(m) for m in invited.added],
        waiting=[member_ref(m) for m in invited.pending],
    )


@router.delete(
    "/patient-groups/{public_id}/members/{member_id}",
    response={200: ManagedMembersOut, **errors(400, 401, 403, 404, 422)},
)
def remove_from_patient_group(
    request: HttpRequest, public_id: uuid.UUID, member_id: uuid.UUID
) -> ManagedMembersOut:
    """Remove a member or withdraw a waiting invitation (R3.1); the last patient group admin is
    replaced first (R3.4)."""
    viewer = member_of(request)
    space = _managed(viewer, public_id)
    row = _member_in(viewer, space, member_id)
    actions.remove_member(viewer, space_id=space.pk, member_id=row.member_id)
    return _managed_members(viewer, space)


@router.post(
    "/patient-groups/{public_id}/admins",
    response={200: ManagedMembersOut, **errors(400, 401, 403, 404, 409, 422)},
)
def appoint_patient_group_admin(
    request: HttpRequest, public_id: uuid.UUID, payload: AdminIn
) -> ManagedMembersOut:
    """Appoint a patient group admin (R3.4: a patient group admin or a facility admin of the
    lead facility)."""
    viewer = member_of(request)
    space = _managed(viewer, public_id)
    row = _member_in(viewer, space, payload.member)
    ensure_recent_auth(request)
    actions.appoint_patient_group_admin(viewer, space_id=space.pk, member_id=row.member_id)
    return _managed_members(viewer, space)


@router.delete(
    "/patient-groups/{public_id}/admins/{member_id}",
    response={200: ManagedMembersOut, **errors(400, 401, 403, 404, 409, 422)},
)
def revoke_patient_group_admin(
    request: HttpRequest, public_id: uuid.UUID, member_id: uuid.UUID
) -> ManagedMembersOut:
    """Revoke a patient group admin (R3.4); the last one stays (409) until another is
    appointed."""
    viewer = member_of(request)
    space = _managed(viewer, public_id)
    row = _member_in(viewer, space, member_id)
    ensure_recent_auth(request)
    actions.revoke_patient_group_admin(viewer, space_id=space.pk, member_id=row.member_id)
    return _managed_members(viewer, space)


@router.post(
    "/patient-groups/{public_id}/archive",
    response={200: SpaceOut, **errors(400, 401, 403, 404, 422)},
)
def archive_patient_group(request: HttpRequest, public_id: uuid.UUID) -> SpaceOut:
    """Move a patient group to the archive (R3.5: its patient group admin): read-only, its
    history kept, listed with ``GET /spaces?archived=true``."""
    viewer = member_of(request)
    space = queries.access_space(viewer, public_id).space
    if space.kind != SpaceKind.PATIENT_GROUP:
        raise NotFound()
    actions.archive_patient_group(viewer, space_id=space.pk)
    return entry_out(viewer, public_id)


@router.post(
    "/patient-groups/{public_id}/restore",
    response={200: SpaceOut, **errors(400, 401, 403, 404, 422)},
)
def restore_patient_group(request: HttpRequest, public_id: uuid.UUID) -> SpaceOut:
    """Bring a patient group back from the archive to the patient list (R3.5)."""
    viewer = member_of(request)
    space = queries.access_space(viewer, public_id).space
    if space.kind != SpaceKind.PATIENT_GROUP:
        raise NotFound()
    actions.restore_patient_group(viewer, space_id=space.pk)
    return entry_out(viewer, public_id)
