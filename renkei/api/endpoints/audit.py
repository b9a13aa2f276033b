"""The audit trail, as far as the member may read it."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from renkei.api.schemas import AuditEventOut, AuditPageOut
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.audit.events import AuditAction
from renkei.audit.queries import public_ids, visible_events
from renkei.facilities.queries import access_facility

router = Router(tags=["audit"])


class AuditFilters(Schema):
    action: AuditAction | None = Field(None, description="Only events of this type.")
    facility: uuid.UUID | None = Field(None, description="Only events about this facility.")
    since: datetime | None = Field(None, description="Events at or after this time.")
    until: datetime | None = Field(None, description="Events before this time.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


@router.get("/audit-events", response={200: AuditPageOut, **errors(401, 403, 404, 422)})
def list_audit_events(request: HttpRequest, filters: Query[AuditFilters]) -> AuditPageOut:
    """Audit events newest first: the whole trail for the secretariat, a facility admin's
    facilities for a facility admin, nothing for other members."""
    viewer = member_of(request)
    facility_id = access_facility(viewer, filters.facility).pk if filters.facility else None
    events = visible_events(
        viewer,
        action=filters.action,
        facility_id=facility_id,
        since=filters.since,
        until=filters.until,
    )
    page = list(events[filters.offset : filters.offset + filters.limit])
    members, facilities = public_ids(page)
    items = []
    for e in page:
        ref: str | None = None
        if e.object_type == "member" and e.object_id.isdigit():
            ref = _str(members.get(int(e.object_id)))
        elif e.object_type == "facility" and e.object_id.isdigit():
            ref = _str(facilities.get(int(e.object_id)))
        elif e.object_type == "policy":
            ref = e.object_id
        items.append(
            AuditEventOut(
                sequence=e.pk,
                at=e.at,
                action=e.action,
                action_label=e.get_action_display(),
                actor_public_id=members.get(e.actor_id) if e.actor_id else None,
                actor_label=e.actor_label,
                object_type=e.object_type,
                object_ref=ref,
                object_label=e.object_label,
                facility_public_id=facilities.get(e.facility_id) if e.facility_id else None,
                ip=e.ip,
                detail=e.detail,
            )
        )
    return AuditPageOut(count=events.count(), items=items)


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
