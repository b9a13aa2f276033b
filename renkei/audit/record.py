"""Appending to the audit trail."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.audit.origin import current_origin
from renkei.prepared import prepared

if TYPE_CHECKING:
    from datetime import datetime

    from renkei.accounts.models import Member
    from renkei.facilities.models import Facility

GENESIS = "0" * 64
# Any fixed number: the key of the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK = 7_236_001


@prepared
def _last_hash() -> QuerySet[AuditEvent, str]:
    return AuditEvent.objects.order_by("-id").values_list("hash", flat=True)


def event_hash(
    *,
    prev_hash: str,
    at: datetime,
    action: int,
    actor_id: int | None,
    actor_label: str,
    object_type: str,
    object_id: str,
    object_label: str,
    facility_id: int | None,
    ip: str | None,
    user_agent: str,
    detail: dict[str, Any],
) -> str:
    """The chain hash of one event: SHA-256 over its fields and the previous hash."""
    payload = json.dumps(
        [
            prev_hash,
            at.isoformat(),
            action,
            actor_id,
            actor_label,
            object_type,
            object_id,
            object_label,
            facility_id,
            ip,
            user_agent,
            detail,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    action: AuditAction,
    *,
    actor: Member | None,
    object_type: str = "",
    object_id: object = "",
    object_label: str = "",
    facility: Facility | None = None,
    facility_id: int | None = None,
    detail: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction, chained to the one before it.

    ``detail`` must hold ids and settings only: never a patient's name or post content.
    """
    origin = current_origin()
    # No savepoint of its own inside the caller's transaction: an event that cannot be written
    # fails the whole action with it (and two statements fewer per audited action).
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        # SQLite runs every transaction IMMEDIATE, so writers are already serialised.
        prev = _last_hash.first()
        fields: dict[str, Any] = {
            "at": timezone.now(),
            "action": int(action),
            "actor_id": actor.pk if actor is not None else None,
            "actor_label": actor_label
            if actor_label is not None
            else (actor.audit_label if actor is not None else ""),
            "object_type": object_type,
            "object_id": str(object_id),
            "object_label": object_label[:200],
            "facility_id": facility.pk if facility is not None else facility_id,
            "ip": origin.ip,
            "user_agent": origin.user_agent[:300],
            "detail": json.loads(json.dumps(detail or {}, default=str)),
        }
        prev_hash = prev or GENESIS
        event = AuditEvent(
            **fields, prev_hash=prev_hash, hash=event_hash(prev_hash=prev_hash, **fields)
        )
        event.save()
        return event


def computed_hash(event: AuditEvent) -> str:
    """The hash ``event`` must carry for its fields and its stored previous hash."""
    return event_hash(
        prev_hash=event.prev_hash,
        at=event.at,
        action=event.action,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        object_type=event.object_type,
        object_id=event.object_id,
        object_label=event.object_label,
        facility_id=event.facility_id,
        ip=event.ip,
        user_agent=event.user_agent,
        detail=event.detail,
    )


def verify_chain() -> tuple[int, AuditEvent | None]:
    """Walk the chain in order; return how many events were checked and the first broken one."""
    prev_hash = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        # The stored link must be the previous event's hash, and the event hash to itself.
        if event.prev_hash != prev_hash or event.hash != computed_hash(event):
            return checked, event
        prev_hash = event.hash
        checked += 1
    return checked, None
