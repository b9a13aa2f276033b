"""Applying the deletion ledger again after a restore (R3.5): every patient group the ledger
names that the restored data still holds is erased again, by the same code as the operator's
execution (renkei.erasure.actions.erase_space_content): rows, search entries, notifications,
files and the data key. The request and the tombstone are brought back from the ledger's ids
and dates (names of staff read from the restored members), and the event is audited.

Sessions brought back by a restore are ended too (end_every_session)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from renkei.accounts.models import EndReason, Member, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.backups.ledger import Erasure
from renkei.erasure.actions import (
    close_as_executed,
    erase_space_content,
    finish_physical_erasure,
    physical_erasure,
)
from renkei.erasure.models import DeletionRequest, RequestState, Tombstone
from renkei.spaces.models import Space, SpaceState


@dataclass
class Outcome:
    """What applying one ledger entry did: "erased again", "already erased" or "absent"
    (the group was made after the backup)."""

    erasure: Erasure
    result: str
    counts: dict[str, int] = field(default_factory=dict)


def end_every_session() -> int:
    """End every session the backup brought back: one signed out, ended or opened on a device
    reported lost after the backup was made would otherwise be valid again. Returns how many
    were still open."""
    with transaction.atomic():
        ended = UserSession.objects.filter(ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=EndReason.SIGN_OUT_EVERYWHERE
        )
        Session.objects.all().delete()
    return ended


def reapply(erasures: list[Erasure]) -> list[Outcome]:
    """Apply every ledger entry to the restored data; returns what each one did."""
    outcomes = []
    for erasure in erasures:
        outcomes.append(_reapply_one(erasure))
    return outcomes


def _reapply_one(erasure: Erasure) -> Outcome:
    with physical_erasure(), transaction.atomic():
        space = (
            Space.objects.select_for_update(of=("self",))
            .select_related("lead_facility")
            .filter(public_id=erasure.space_public_id)
            .first()
        )
        if space is None:
            return Outcome(erasure, "absent")
        if space.state == SpaceState.DELETED and Tombstone.objects.filter(space=space).exists():
            return Outcome(erasure, "already erased")
        counts, touched, _members = erase_space_content(space)
        executed_at = datetime.fromisoformat(erasure.executed_at)
        requested_by = Member.objects.filter(pk=erasure.requested_by_id).first()
        executed_by = Member.objects.filter(pk=erasure.executed_by_id).first()
        request = DeletionRequest.objects.filter(public_id=erasure.request_public_id).first()
        if request is None and requested_by is not None:
            # The backup was made before the request was recorded.
            request = DeletionRequest.objects.create(
                public_id=erasure.request_public_id,
                space=space,
                requester=erasure.requester,
                asked_on=date.fromisoformat(erasure.asked_on),
                channel=erasure.channel,
                recorded_by=requested_by,
                recorded_at=datetime.fromisoformat(erasure.requested_at),
                state=RequestState.EXECUTED,
            )
        # Any other request still open for the group is moot: the group is gone.
        DeletionRequest.objects.filter(space=space, state=RequestState.OPEN).exclude(
            public_id=erasure.request_public_id
        ).update(state=RequestState.WITHDRAWN, withdrawn_at=timezone.now())
        if request is not None:
            close_as_executed(
                space,
                request,
                executed_at=executed_at,
                executed_by=executed_by,
                executed_by_id=erasure.executed_by_id,
                requested_by=requested_by,
                requested_by_id=erasure.requested_by_id,
                counts=counts,
            )
        record(
            AuditAction.ERASURE_REAPPLIED,
            actor=None,
            actor_label="restore",
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={
                "ledger_seq": erasure.seq,
                "request": erasure.request_public_id,
                "tombstone": request is not None,
                "counts": counts,
            },
        )
        finish_physical_erasure(touched)
    return Outcome(erasure, "erased again", counts)
