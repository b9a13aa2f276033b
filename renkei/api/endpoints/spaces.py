"""Care spaces (R2.6): patient groups, groups and connections, their members and patients.

Every space is reached through the viewer's own membership: a space the viewer is not an
active member of answers 404, whoever asks (facility admins and the secretariat included).
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from renkei.accounts.models import Member, Profession
from renkei.api.schemas import (
    CandidateOut,
    ConnectionIn,
    FacilityRefOut,
    GroupIn,
    GroupRenameIn,
    MemberRefOut,
    MembershipOut,
    MembersIn,
    PatientGroupIn,
    PatientIn,
    PatientOut,
    SpaceMemberOut,
    SpaceOut,
)
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.errors import DomainError, NotFound
from renkei.facilities.models import Facility, FacilityKind
from renkei.facilities.queries import access_facility
from renkei.spaces import actions, queries
from renkei.spaces.models import (
    Membership,
    MembershipState,
    PatientRecord,
    Sex,
    SpaceKind,
    SpaceState,
)
from renkei.timeline.serializers import profession_label

router = Router(tags=["spaces"])

# A space stays in its members' list while active, frozen or archived (read-only).
LISTED = (SpaceState.ACTIVE, SpaceState.FROZEN)
REACHABLE = (SpaceState.ACTIVE, SpaceState.FROZEN, SpaceState.ARCHIVED)


def member_ref(member: Member) -> MemberRefOut:
    return MemberRefOut(
        id=member.public_id,
        name=member.name,
        profession=Profession(member.profession),
        profession_label=profession_label(member.profession),
    )


def facility_ref(facility: Facility | None) -> FacilityRefOut | None:
    if facility is None:
        return None
    return FacilityRefOut(
        public_id=facility.public_id, name=facility.name, kind=FacilityKind(facility.kind)
    )


def patient_out(record: PatientRecord) -> PatientOut:
    return PatientOut(
        name=record.name,
        furigana=record.furigana,
        birth_date=record.birth_date,
        sex=Sex(record.sex),
        address=record.address,
        phone=record.phone,
        key_person=record.key_person,
        care_level=record.care_level,
        primary_doctor=record.primary_doctor,
        updated_at=record.updated_at,
    )


def patient_input(data: PatientIn) -> actions.PatientInput:
    return actions.PatientInput(
        name=data.name,
        furigana=data.furigana,
        birth_date=data.birth_date,
        sex=data.sex,
        address=data.address,
        phone=data.phone,
        key_person=data.key_person,
        care_level=data.care_level,
        primary_doctor=data.primary_doctor,
    )


def space_out(row: Membership, partner: Member | None) -> SpaceOut:
    """One row of the viewer's space list (from ``queries.my_spaces``)."""
    space = row.space
    patient = getattr(space, "patient", None) if space.kind == SpaceKind.PATIENT_GROUP else None
    return SpaceOut(
        id=space.public_id,
        kind=SpaceKind(space.kind),
        name=space.name,
        state=SpaceState(space.state),
        membership=MembershipState(row.state),
        is_admin=row.is_admin,
        unread=row.unread if row.is_active else 0,  # type: ignore[attr-defined]
        last_activity_at=space.last_activity_at,
        lead_facility=facility_ref(space.lead_facility),
        patient=patient_out(patient) if patient is not None else None,
        partner=member_ref(partner) if partner is not None else None,
        invited_by=member_ref(row.invited_by) if row.invited_by else None,
    )


def my_entry(viewer: Member, public_id: uuid.UUID) -> Membership:
    """The viewer's row of the space list for one space: an active membership, or a connection
    request waiting for the viewer's answer; NotFound for any other space."""
    row = queries.my_spaces(viewer, states=REACHABLE).filter(space__public_id=public_id).first()
    if row is None:
        raise NotFound()
    return row


def _partner(others: dict[int, Membership], row: Membership) -> Member | None:
    other = others.get(row.space_id)
    return other.member if other is not None else None


def entry_out(viewer: Member, public_id: uuid.UUID) -> SpaceOut:
    row = my_entry(viewer, public_id)
    return space_out(row, _partner(queries.connection_others(viewer, [row]), row))


def members_out(viewer: Member, rows: list[Membership]) -> list[SpaceMemberOut]:
    return [
        SpaceMemberOut(
            **member_ref(row.member).model_dump(),
            furigana=row.member.furigana,
            is_admin=row.is_admin,
            joined_at=row.joined_at,
            facility=facility_ref(row.via_facility),
        )
        for row in rows
    ]


class SpaceFilters(Schema):
    kind: SpaceKind | None = Field(None, description="Only spaces of this kind.")
    archived: bool = Field(False, description="The archive (保管者リスト) instead of the list.")


@router.get("/spaces", response={200: list[SpaceOut], **errors(401, 422)})
def list_spaces(request: HttpRequest, filters: Query[SpaceFilters]) -> list[SpaceOut]:
    """The member's spaces, newest activity first, each with its unread count; patient groups
    with their patient header, connections with the other member. Connection requests waiting
    for the member's answer are listed with ``membership: invited``."""
    viewer = member_of(request)
    states = (SpaceState.ARCHIVED,) if filters.archived else LISTED
    rows = list(queries.my_spaces(viewer, kind=filters.kind, states=states))
    others = queries.connection_others(viewer, rows)
    return [space_out(row, _partner(others, row)) for row in rows]


@router.get("/spaces/{public_id}", response={200: SpaceOut, **errors(401, 404, 422)})
def get_space(request: HttpRequest, public_id: uuid.UUID) -> SpaceOut:
    """One of the member's spaces; 404 for a space the member is not in."""
    return entry_out(member_of(request), public_id)


@router.get(
    "/spaces/{public_id}/members", response={200: list[SpaceMemberOut], **errors(401, 404, 422)}
)
def list_space_members(request: HttpRequest, public_id: uuid.UUID) -> list[SpaceMemberOut]:
    """The active members of a space, admins first."""
    viewer = member_of(request)
    access = queries.access_space(viewer, public_id)
    return members_out(viewer, list(queries.space_members(viewer, access.space)))


@router.post(
    "/spaces/{public_id}/members",
    response={200: list[SpaceMemberOut], **errors(400, 401, 403, 404, 422)},
)
def add_space_members(
    request: HttpRequest, public_id: uuid.UUID, payload: MembersIn
) -> list[SpaceMemberOut]:
    """Add members: to a group any of its members adds anyone (R2.6); to a patient group the
    lead facility invites them (R3.1; refused for others, naming the rule). Answers the
    members after the change."""
    viewer = member_of(request)
    space = queries.access_space(viewer, public_id).space
    member_ids = [m.pk for m in queries.members_by_public_id(viewer, payload.members)]
    if space.kind == SpaceKind.GROUP:
        actions.add_group_members(viewer, space_id=space.pk, member_ids=member_ids)
    elif space.kind == SpaceKind.PATIENT_GROUP:
        actions.invite_to_patient_group(viewer, space_id=space.pk, member_ids=member_ids)
    else:
        raise DomainError(_("A connection is between two members; nobody can be added to it."))
    return members_out(viewer, list(queries.space_members(viewer, space)))


@router.delete(
    "/spaces/{public_id}/members/{member_public_id}",
    response={200: list[SpaceMemberOut], **errors(400, 401, 403, 404, 422)},
)
def remove_space_member(
    request: HttpRequest, public_id: uuid.UUID, member_public_id: uuid.UUID
) -> list[SpaceMemberOut]:
    """Remove a member: from a group, any of its members (R2.6); from a patient group, the lead
    facility (R3.1). Answers the members after the change."""
    viewer = member_of(request)
    space = queries.access_space(viewer, public_id).space
    target = queries.space_members(viewer, space).filter(member__public_id=member_public_id).first()
    if target is None:
        raise NotFound()
    actions.remove_member(viewer, space_id=space.pk, member_id=target.member_id)
    return members_out(viewer, list(queries.space_members(viewer, space)))


@router.post(
    "/spaces/{public_id}/leave",
    response={200: MembershipOut, **errors(400, 401, 403, 404, 422)},
)
def leave_space(request: HttpRequest, public_id: uuid.UUID) -> MembershipOut:
    """Leave a group or patient group (a connection cannot be left). A patient group's last
    admin appoints another first (R3.4)."""
    viewer = member_of(request)
    space = queries.access_space(viewer, public_id).space
    actions.leave_space(viewer, space_id=space.pk)
    return MembershipOut(space=space.public_id, state=MembershipState.LEFT)


@router.post("/groups", response={201: SpaceOut, **errors(400, 401, 403, 404, 422)})
def create_group(request: HttpRequest, payload: GroupIn) -> Status[SpaceOut]:
    """Create a group (R2.6): any member may, with members of any profession or facility. The
    creator is its first admin. A group holds no patient personal information."""
    viewer = member_of(request)
    member_ids = [m.pk for m in queries.members_by_public_id(viewer, payload.members)]
    space = actions.create_group(viewer, name=payload.name, member_ids=member_ids)
    return Status(201, entry_out(viewer, space.public_id))


@router.patch("/groups/{public_id}", response={200: SpaceOut, **errors(400, 401, 403, 404, 422)})
def rename_group(request: HttpRequest, public_id: uuid.UUID, payload: GroupRenameIn) -> SpaceOut:
    """Rename a group (any of its members)."""
    viewer = member_of(request)
    space = queries.access_space(viewer, public_id).space
    if space.kind != SpaceKind.GROUP:
        raise NotFound()
    actions.rename_group(viewer, space_id=space.pk, name=payload.name)
    return entry_out(viewer, public_id)


@router.post("/connections", response={201: SpaceOut, **errors(400, 401, 403, 404, 422)})
def request_connection(request: HttpRequest, payload: ConnectionIn) -> Status[SpaceOut]:
    """Ask another member for a one-to-one connection (R2.6); they accept or decline. Asking
    someone who already asked you accepts their request."""
    viewer = member_of(request)
    (other,) = queries.members_by_public_id(viewer, [payload.member], field="member")
    space = actions.request_connection(viewer, member_id=other.pk)
    return Status(201, entry_out(viewer, space.public_id))


def _connection_request(viewer: Member, public_id: uuid.UUID) -> Membership:
    row = my_entry(viewer, public_id)
    if row.space.kind != SpaceKind.CONNECTION:
        raise NotFound()
    return row


@router.post(
    "/connections/{public_id}/accept", response={200: SpaceOut, **errors(400, 401, 403, 404, 422)}
)
def accept_connection(request: HttpRequest, public_id: uuid.UUID) -> SpaceOut:
    """Accept a connection request made to you; then the two of you exchange messages."""
    viewer = member_of(request)
    row = _connection_request(viewer, public_id)
    actions.accept_connection(viewer, space_id=row.space_id)
    return entry_out(viewer, public_id)


@router.post(
    "/connections/{public_id}/decline",
    response={200: MembershipOut, **errors(400, 401, 403, 404, 422)},
)
def decline_connection(request: HttpRequest, public_id: uuid.UUID) -> MembershipOut:
    """Decline a connection request made to you."""
    viewer = member_of(request)
    row = _connection_request(viewer, public_id)
    actions.decline_connection(viewer, space_id=row.space_id)
    return MembershipOut(space=public_id, state=MembershipState.DECLINED)


@router.post("/patient-groups", response={201: SpaceOut, **errors(400, 401, 403, 404, 422)})
def create_patient_group(request: HttpRequest, payload: PatientGroupIn) -> Status[SpaceOut]:
    """Create a patient group for one patient, led by one of your facilities (R3.1); you are
    its first patient group admin (R3.4). 404 for a facility you do not work for."""
    viewer = member_of(request)
    facility = access_facility(viewer, payload.lead_facility)
    space = actions.create_patient_group(
        viewer, facility_id=facility.pk, patient=patient_input(payload.patient)
    )
    return Status(201, entry_out(viewer, space.public_id))


@router.put(
    "/patient-groups/{public_id}/patient",
    response={200: PatientOut, **errors(400, 401, 403, 404, 422)},
)
def update_patient(request: HttpRequest, public_id: uuid.UUID, payload: PatientIn) -> PatientOut:
    """Replace the patient header (R3.5: a patient group admin)."""
    viewer = member_of(request)
    space = queries.access_space(viewer, public_id).space
    if space.kind != SpaceKind.PATIENT_GROUP:
        raise NotFound()
    record = actions.update_patient_record(
        viewer, space_id=space.pk, patient=patient_input(payload)
    )
    return patient_out(record)


class CandidateFilters(Schema):
    q: str = Field("", description="Part of a name, furigana or login ID.")


@router.get("/members", response={200: list[CandidateOut], **errors(401, 422)})
def find_members(request: HttpRequest, filters: Query[CandidateFilters]) -> list[CandidateOut]:
    """Members of the network to add to a space or connect with (at most 20); empty without
    ``q``."""
    viewer = member_of(request)
    return [
        CandidateOut(**member_ref(m).model_dump(), furigana=m.furigana)
        for m in queries.candidates(viewer, filters.q)
    ]
