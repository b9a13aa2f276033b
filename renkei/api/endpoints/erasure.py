"""Complete deletion of a patient group (R3.5): the admins' request, the operator's queue and
execution, and the tombstone with its certificate.

The request is recorded by the group's patient group admins or its lead facility's admins; the
queue and execution answer 404 to everyone but the operator; the tombstone is read by the
operator, the admin who recorded the request and the lead facility's admins.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from renkei.accounts.reauth import ensure_recent_auth
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.erasure import actions, queries
from renkei.erasure.labels import count_label
from renkei.erasure.models import (
    DeletionRequest,
    RequestChannel,
    Requester,
    RequestState,
    Tombstone,
)
from renkei.errors import NotFound

router = Router(tags=["erasure"])


class DeletionRequestIn(Schema):
    requester: Requester = Field(description="Who asked: the patient or the family.")
    relationship: str = Field("", description="The family member's relationship (続柄).")
    asked_on: date = Field(description="When the patient or family asked.")
    channel: RequestChannel = Field(description="How they asked.")
    channel_note: str = Field("", description="For other: how (no names).")


class StaffRefOut(Schema):
    id: uuid.UUID
    name: str


class DeletionRequestOut(Schema):
    id: uuid.UUID
    patient_group: uuid.UUID
    lead_facility: str
    state: RequestState
    requester: Requester
    relationship: str
    asked_on: date
    channel: RequestChannel
    channel_note: str
    recorded_by: StaffRefOut
    recorded_at: datetime


class CountOut(Schema):
    key: str
    label: str = Field(description="What was erased, in the request's language.")
    count: int


class TombstoneOut(Schema):
    patient_group: uuid.UUID
    kind: str
    lead_facility: uuid.UUID | None
    lead_facility_name: str
    created_at: datetime
    requester: Requester
    relationship: str
    asked_on: date
    channel: RequestChannel
    requested_at: datetime
    requested_by: str = Field(description="The staff member who recorded the request.")
    executed_at: datetime
    executed_by: str = Field(description="The operator who executed it.")
    key_destroyed_at: datetime
    counts: list[CountOut]


def request_out(row: DeletionRequest) -> DeletionRequestOut:
    facility = row.space.lead_facility
    return DeletionRequestOut(
        id=row.public_id,
        patient_group=row.space.public_id,
        lead_facility=facility.name if facility else "",
        state=RequestState(row.state),
        requester=Requester(row.requester),
        relationship=row.relationship,
        asked_on=row.asked_on,
        channel=RequestChannel(row.channel),
        channel_note=row.channel_note,
        recorded_by=StaffRefOut(id=row.recorded_by.public_id, name=row.recorded_by.name),
        recorded_at=row.recorded_at,
    )


def tombstone_out(row: Tombstone) -> TombstoneOut:
    return TombstoneOut(
        patient_group=row.space_public_id,
        kind=row.kind,
        lead_facility=row.lead_facility_public_id,
        lead_facility_name=row.lead_facility_name,
        created_at=row.space_created_at,
        requester=Requester(row.requester),
        relationship=row.relationship,
        asked_on=row.asked_on,
        channel=RequestChannel(row.channel),
        requested_at=row.requested_at,
        requested_by=row.requested_by_name,
        executed_at=row.executed_at,
        executed_by=row.executed_by_name,
        key_destroyed_at=row.key_destroyed_at,
        counts=[CountOut(key=k, label=count_label(k), count=n) for k, n in row.counts.items()],
    )


@router.post(
    "/patient-groups/{public_id}/deletion-request",
    response={201: DeletionRequestOut, **errors(400, 401, 403, 404, 422)},
)
def request_deletion(
    request: HttpRequest, public_id: uuid.UUID, payload: DeletionRequestIn
) -> Status[DeletionRequestOut]:
    """Record that the patient or family asked for complete deletion (R3.5): the group's
    patient group admins or its lead facility's admins; one open request per group. The
    operators are told by mail."""
    viewer = member_of(request)
    space = queries.deletion_target(viewer, public_id)
    ensure_recent_auth(request)
    row = actions.request_deletion(
        viewer,
        space_id=space.pk,
        requester=payload.requester,
        relationship=payload.relationship,
        asked_on=payload.asked_on,
        channel=payload.channel,
        channel_note=payload.channel_note,
    )
    row.space = space
    return Status(201, request_out(row))


@router.delete(
    "/patient-groups/{public_id}/deletion-request",
    response={200: DeletionRequestOut, **errors(400, 401, 403, 404, 422)},
)
def withdraw_deletion_request(request: HttpRequest, public_id: uuid.UUID) -> DeletionRequestOut:
    """Withdraw the open request before it is executed; 404 when there is none."""
    viewer = member_of(request)
    space = queries.deletion_target(viewer, public_id)
    open_request = queries.open_request(viewer, space)
    if open_request is None:
        raise NotFound()
    row = actions.withdraw_deletion_request(viewer, request_id=open_request.pk)
    row.space = space
    return request_out(row)


@router.get("/deletion-requests", response={200: list[DeletionRequestOut], **errors(401, 404)})
def list_deletion_requests(request: HttpRequest) -> list[DeletionRequestOut]:
    """The operator's queue: open requests, oldest first. 404 for anyone but the operator."""
    return [request_out(row) for row in queries.pending_requests(member_of(request))]


@router.post(
    "/deletion-requests/{public_id}/execute",
    response={200: TombstoneOut, **errors(400, 401, 403, 404, 409, 422)},
)
def execute_deletion(request: HttpRequest, public_id: uuid.UUID) -> TombstoneOut:
    """Execute a request (the operator, never the person who recorded it; 409 naming R3.5):
    the group's content is erased, its data key destroyed, a tombstone stays."""
    viewer = member_of(request)
    row = queries.access_request(viewer, public_id)
    ensure_recent_auth(request)
    return tombstone_out(actions.execute_deletion(viewer, request_id=row.pk))


@router.get("/tombstones/{public_id}", response={200: TombstoneOut, **errors(401, 404, 422)})
def get_tombstone(request: HttpRequest, public_id: uuid.UUID) -> TombstoneOut:
    """What remains of a deleted patient group (named by the group's id): facts and counts."""
    return tombstone_out(queries.access_tombstone(member_of(request), public_id))


@router.get(
    "/tombstones/{public_id}/certificate",
    response={200: None, **errors(401, 404, 422)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The deletion certificate (完全削除証明書) as a PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_deletion_certificate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The deletion certificate: the operator, the recording admin and the lead facility's
    admins."""
    viewer = member_of(request)
    tombstone = queries.access_tombstone(viewer, public_id)
    data = actions.issue_certificate(viewer, tombstone=tombstone)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="deletion-certificate-{tombstone.space_public_id}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
