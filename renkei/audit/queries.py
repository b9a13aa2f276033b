"""What a viewer may see of the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet

from renkei import authz
from renkei.accounts.models import Member
from renkei.audit.models import AuditEvent


def visible_events(
    viewer: Member,
    *,
    action: int | None = None,
    actor_id: int | None = None,
    facility_id: int | None = None,
    object_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events newest first: all for the secretariat, a facility admin's facilities'
    otherwise: events about those facilities, and its staff's own events that belong to no
    facility (sign-ins, password changes), filtered as asked."""
    events = AuditEvent.objects.all()
    if not authz.is_secretariat(viewer):
        from renkei.facilities.models import Affiliation

        facility_ids = authz.admin_facility_ids(viewer)
        if not facility_ids:
            return AuditEvent.objects.none()
        staff_ids = Affiliation.objects.filter(facility_id__in=facility_ids).values("member_id")
        events = events.filter(
            Q(facility_id__in=facility_ids) | Q(actor_id__in=staff_ids, facility_id__isnull=True)
        )
    if action is not None:
        events = events.filter(action=action)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if facility_id is not None:
        events = events.filter(facility_id=facility_id)
    if object_type:
        events = events.filter(object_type=object_type)
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return events.order_by("-id")


def public_ids(
    events: Iterable[AuditEvent],
) -> tuple[dict[int, uuid.UUID], dict[int, uuid.UUID]]:
    """The public ids of the members and facilities that ``events`` name as actor, object or
    facility, so that what the viewer reads of visible events shows no database ids."""
    from renkei.facilities.models import Facility

    member_ids: set[int] = set()
    facility_ids: set[int] = set()
    for event in events:
        if event.actor_id:
            member_ids.add(event.actor_id)
        if event.facility_id:
            facility_ids.add(event.facility_id)
        if event.object_id.isdigit() and event.object_type == "member":
            member_ids.add(int(event.object_id))
        elif event.object_id.isdigit() and event.object_type == "facility":
            facility_ids.add(int(event.object_id))
    members = dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "public_id"))
    facilities = dict(Facility.objects.filter(pk__in=facility_ids).values_list("pk", "public_id"))
    return members, facilities
