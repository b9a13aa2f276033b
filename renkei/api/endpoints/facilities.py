"""Facilities, their form-3 staff lists, and their facility admins (R1.2, R2.8, R2.10)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router, Status

from renkei.accounts.models import Profession
from renkei.accounts.reauth import ensure_recent_auth
from renkei.api.schemas import DeregisterIn, FacilityOut, PersonIn, StaffOut
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.facilities import actions, queries
from renkei.facilities.models import Affiliation, Facility, FacilityKind, FacilityState

router = Router(tags=["facilities"])


def facility_out(facility: Facility) -> FacilityOut:
    """A facility as the API shows it."""
    return FacilityOut(
        public_id=facility.public_id,
        kind=FacilityKind(facility.kind),
        name=facility.name,
        postal_code=facility.postal_code,
        address=facility.address,
        tel=facility.tel,
        fax=facility.fax,
        manager_name=facility.manager_name,
        state=FacilityState(facility.state),
    )


def staff_out(row: Affiliation) -> StaffOut:
    """One row of the form-3 list."""
    member = row.member
    return StaffOut(
        member_public_id=member.public_id,
        number=row.number,
        registered_on=row.registered_on,
        lost_on=row.lost_on,
        name=member.name,
        furigana=member.furigana,
        profession=Profession(member.profession),
        email=member.email,
        is_admin=row.is_admin,
        is_manager=row.is_manager,
        activated=member.is_active,
    )


@router.get("/facilities", response={200: list[FacilityOut], **errors(401, 403)})
def list_facilities(request: HttpRequest) -> list[FacilityOut]:
    """The facilities the member may see: all for the secretariat, else the active ones and
    the member's own."""
    return [facility_out(f) for f in queries.visible_facilities(member_of(request))]


@router.get("/facilities/{public_id}", response={200: FacilityOut, **errors(401, 403, 404)})
def get_facility(request: HttpRequest, public_id: uuid.UUID) -> FacilityOut:
    """One facility; 404 when it is missing or not visible."""
    return facility_out(queries.access_facility(member_of(request), public_id))


@router.get(
    "/facilities/{public_id}/staff", response={200: list[StaffOut], **errors(401, 403, 404)}
)
def list_staff(request: HttpRequest, public_id: uuid.UUID) -> list[StaffOut]:
    """The facility's form-3 user list, current and deregistered, for its own staff and the
    secretariat; 404 for anyone else."""
    viewer = member_of(request)
    facility = queries.access_facility(viewer, public_id)
    return [staff_out(row) for row in queries.staff_list(viewer, facility)]


@router.post(
    "/facilities/{public_id}/staff",
    response={201: StaffOut, **errors(401, 403, 404, 422)},
)
def register_staff(
    request: HttpRequest, public_id: uuid.UUID, payload: PersonIn
) -> Status[StaffOut]:
    """Register a staff member (R2.10, the facility's admins). A person already in the network
    keeps their one account (R2.1); a new one is mailed an activation link."""
    actor = member_of(request)
    facility = queries.access_facility(actor, public_id)
    row = actions.register_staff(
        actor,
        facility_id=facility.pk,
        person=actions.PersonInput(
            name=payload.name,
            furigana=payload.furigana,
            profession=payload.profession,
            email=payload.email,
        ),
    )
    return Status(201, staff_out(row))


@router.post(
    "/facilities/{public_id}/staff/{member_public_id}/deregister",
    response={200: StaffOut, **errors(401, 403, 404, 409, 422)},
)
def deregister_staff(
    request: HttpRequest,
    public_id: uuid.UUID,
    member_public_id: uuid.UUID,
    payload: DeregisterIn | None = None,
) -> StaffOut:
    """Deregister a staff member (R1.2, R2.10, the facility's admins): the loss-of-eligibility
    date is recorded and every session of the member ends. 409 for the facility manager or
    the last facility admin (R2.8)."""
    actor = member_of(request)
    facility = queries.access_facility(actor, public_id)
    member = queries.access_staff_member(actor, facility, member_public_id)
    row = actions.deregister_staff(
        actor,
        facility_id=facility.pk,
        member_id=member.pk,
        lost_on=payload.lost_on if payload else None,
    )
    return staff_out(row)


@router.post(
    "/facilities/{public_id}/admins/{member_public_id}",
    response={200: StaffOut, **errors(400, 401, 403, 404)},
)
def appoint_admin(
    request: HttpRequest, public_id: uuid.UUID, member_public_id: uuid.UUID
) -> StaffOut:
    """Appoint a current staff member as facility admin (R2.8, the facility manager or the
    secretariat)."""
    actor = member_of(request)
    facility = queries.access_facility(actor, public_id)
    member = queries.access_staff_member(actor, facility, member_public_id)
    ensure_recent_auth(request)
    return staff_out(actions.appoint_admin(actor, facility_id=facility.pk, member_id=member.pk))


@router.delete(
    "/facilities/{public_id}/admins/{member_public_id}",
    response={200: StaffOut, **errors(400, 401, 403, 404, 409)},
)
def revoke_admin(
    request: HttpRequest, public_id: uuid.UUID, member_public_id: uuid.UUID
) -> StaffOut:
    """Revoke a facility admin (R2.8, the facility manager or the secretariat); 409 for the
    last one."""
    actor = member_of(request)
    facility = queries.access_facility(actor, public_id)
    member = queries.access_staff_member(actor, facility, member_public_id)
    ensure_recent_auth(request)
    return staff_out(actions.revoke_admin(actor, facility_id=facility.pk, member_id=member.pk))
