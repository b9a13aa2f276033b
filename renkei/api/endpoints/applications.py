"""Facilities applying to join and the secretariat's decision (R1.1)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from renkei.accounts.models import Profession
from renkei.api.endpoints.facilities import facility_out
from renkei.api.errors import UnsupportedMediaType
from renkei.api.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationReceiptOut,
    AppliedUserOut,
    FacilityOut,
    PersonIn,
    RejectIn,
)
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.facilities import actions, queries
from renkei.facilities.models import Facility, FacilityState

router = Router(tags=["applications"])


def _person(data: PersonIn) -> actions.PersonInput:
    return actions.PersonInput(
        name=data.name, furigana=data.furigana, profession=data.profession, email=data.email
    )


def application_out(f: Facility, users: list[AppliedUserOut]) -> ApplicationOut:
    """An application with its listed users, as the secretariat reads it."""
    return ApplicationOut(
        **facility_out(f).model_dump(),
        pledge_date=f.pledge_date,
        applied_at=f.applied_at,
        decided_at=f.decided_at,
        rejection_reason=f.rejection_reason,
        users=users,
    )


# No session is needed to apply: the applicant has no account yet. A cross-site form cannot
# forge this request because only a JSON body is accepted, which a browser sends cross-site only
# after a CORS preflight that this API never grants; and a forged application would give its
# sender nothing that sending it directly does not.
@router.post(
    "/applications",
    auth=None,
    response={201: ApplicationReceiptOut, **errors(400, 415, 422)},
)
def apply_to_join(request: HttpRequest, payload: ApplicationIn) -> Status[ApplicationReceiptOut]:
    """Submit a facility's application (form 3) to the secretariat; no sign-in needed (R1.1).

    The facility can use the network once the secretariat accepts it.
    """
    if request.content_type != "application/json":
        raise UnsupportedMediaType(_("Send the application as JSON (application/json)."))
    facility = actions.apply_to_join(
        data=actions.ApplicationInput(
            kind=payload.kind,
            name=payload.name,
            postal_code=payload.postal_code,
            address=payload.address,
            tel=payload.tel,
            fax=payload.fax,
            pledge_date=payload.pledge_date,
            manager=_person(payload.manager),
            users=[_person(u) for u in payload.users],
            agreed_to_policy=payload.agreed_to_policy,
        )
    )
    return Status(
        201,
        ApplicationReceiptOut(
            public_id=facility.public_id,
            name=facility.name,
            state=FacilityState(facility.state),
            applied_at=facility.applied_at,
        ),
    )


@router.get("/applications", response={200: list[FacilityOut], **errors(401, 403)})
def list_applications(request: HttpRequest) -> list[FacilityOut]:
    """Applications waiting for a decision, oldest first (the secretariat; empty for others)."""
    return [facility_out(f) for f in queries.pending_applications(member_of(request))]


def _application(request: HttpRequest, public_id: uuid.UUID) -> ApplicationOut:
    viewer = member_of(request)
    facility = queries.access_facility(viewer, public_id)
    users = [
        AppliedUserOut(
            number=u.number,
            name=u.name,
            furigana=u.furigana,
            profession=Profession(u.profession),
            email=u.email,
            is_manager=u.is_manager,
        )
        for u in queries.applied_users(viewer, facility)
    ]
    return application_out(facility, users)


@router.get("/applications/{public_id}", response={200: ApplicationOut, **errors(401, 403, 404)})
def get_application(request: HttpRequest, public_id: uuid.UUID) -> ApplicationOut:
    """One application with the users it lists (the secretariat; 404 for anyone else)."""
    return _application(request, public_id)


@router.post(
    "/applications/{public_id}/accept",
    response={200: ApplicationOut, **errors(400, 401, 403, 404)},
)
def accept_application(request: HttpRequest, public_id: uuid.UUID) -> ApplicationOut:
    """Accept a pending application (R1.1, the secretariat): the facility becomes active, each
    listed person is registered and mailed an activation link, the manager is its first
    facility admin (R2.8)."""
    actor = member_of(request)
    facility = queries.access_facility(actor, public_id)
    actions.accept_application(actor, facility_id=facility.pk)
    return _application(request, public_id)


@router.post(
    "/applications/{public_id}/reject",
    response={200: ApplicationOut, **errors(400, 401, 403, 404, 422)},
)
def reject_application(
    request: HttpRequest, public_id: uuid.UUID, payload: RejectIn
) -> ApplicationOut:
    """Reject a pending application with a reason mailed to its manager (R1.1, the
    secretariat)."""
    actor = member_of(request)
    facility = queries.access_facility(actor, public_id)
    actions.reject_application(actor, facility_id=facility.pk, reason=payload.reason)
    return _application(request, public_id)
