"""Checking the audit trail's hash chain, in batches so that millions of events take constant
memory (issue 6 item 10, R2.3).

Each event's hash covers its own fields and the previous event's hash (renkei.audit.record).
Walking the events in id order, the first event whose link does not hold is reported with what
differs:

- ``altered``: the stored hash is not the hash of the event's fields: a field was changed;
- ``missing``: the event points back to a hash that no event carries: the event before it was
  deleted;
- ``out_of_order``: the event points back to an event other than the one before it, or its
  time is earlier than that event's: an event was inserted or the events reordered.

An attacker who can write to the database and knows the algorithm can rewrite the whole tail of
the chain; the head the check prints (count, last id and hash) kept elsewhere, and passed back
with ``anchor``, shows that too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from renkei.audit.models import AuditEvent
from renkei.audit.record import GENESIS, computed_hash

BATCH = 2000


@dataclass(frozen=True)
class BrokenLink:
    """The first event at which the chain does not hold, and why."""

    event_id: int
    at: datetime
    kind: str
    message: str


@dataclass(frozen=True)
class ChainReport:
    """How many events held, the last one that did, and the first broken link if any."""

    checked: int
    last_id: int | None
    last_hash: str
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _events(batch: int) -> Iterator[AuditEvent]:
    # Keyset pages by id: constant memory, and no long-lived server-side cursor.
    last = 0
    first_page = True
    while True:
        page = AuditEvent.objects.order_by("id")
        page = page if first_page else page.filter(id__gt=last)
        rows = list(page[:batch])
        first_page = False
        if not rows:
            return
        yield from rows
        last = rows[-1].pk


def _broken_back_link(event: AuditEvent, previous: AuditEvent | None) -> BrokenLink:
    before = f"event #{previous.pk}" if previous is not None else "the start of the trail"
    target = AuditEvent.objects.filter(hash=event.prev_hash).values_list("id", flat=True).first()
    if target is None and event.prev_hash != GENESIS:
        return BrokenLink(
            event_id=event.pk,
            at=event.at,
            kind="missing",
            message=(
                f"it points back to hash {event.prev_hash[:16]}…, which no event carries: the "
                f"event between {before} and this one was deleted"
            ),
        )
    pointed = f"event #{target}" if target is not None else "the start of the trail"
    return BrokenLink(
        event_id=event.pk,
        at=event.at,
        kind="out_of_order",
        message=(
            f"it points back to {pointed}, not to {before} that precedes it: an event was "
            "inserted before it, or the events were reordered"
        ),
    )


def verify_events(*, batch: int = BATCH, anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk the whole chain in id order and report the first broken link.

    ``anchor`` (an event id and the hash it had when recorded elsewhere) must still be found at
    that id, so that a rewritten chain shows even when it is consistent in itself.
    """
    previous: AuditEvent | None = None
    checked = 0
    anchor_seen = anchor is None
    for event in _events(batch):
        expected_prev = previous.hash if previous is not None else GENESIS
        broken: BrokenLink | None = None
        if event.prev_hash != expected_prev:
            broken = _broken_back_link(event, previous)
        elif event.hash != computed_hash(event):
            broken = BrokenLink(
                event_id=event.pk,
                at=event.at,
                kind="altered",
                message=(
                    "its stored hash does not match its fields: a field (time, action, actor, "
                    "object, facility, address, browser or detail) was changed after recording"
                ),
            )
        elif previous is not None and event.at < previous.at:
            broken = BrokenLink(
                event_id=event.pk,
                at=event.at,
                kind="out_of_order",
                message=(
                    f"its time is earlier than that of event #{previous.pk} ({previous.at}) "
                    "before it: it was inserted out of order"
                ),
            )
        elif anchor is not None and event.pk == anchor[0]:
            anchor_seen = True
            if event.hash != anchor[1]:
                broken = BrokenLink(
                    event_id=event.pk,
                    at=event.at,
                    kind="rewritten",
                    message=(
                        f"its hash is {event.hash[:16]}…, not the {anchor[1][:16]}… recorded for "
                        "it: the chain up to here was rewritten"
                    ),
                )
        if broken is not None:
            return ChainReport(
                checked=checked,
                last_id=previous.pk if previous is not None else None,
                last_hash=expected_prev,
                broken=broken,
            )
        previous = event
        checked += 1
    last_hash = previous.hash if previous is not None else GENESIS
    if not anchor_seen and anchor is not None:
        return ChainReport(
            checked=checked,
            last_id=previous.pk if previous is not None else None,
            last_hash=last_hash,
            broken=BrokenLink(
                event_id=anchor[0],
                at=previous.at if previous is not None else datetime.min.replace(tzinfo=UTC),
                kind="missing",
                message=f"the recorded event #{anchor[0]} is no longer in the trail",
            ),
        )
    return ChainReport(
        checked=checked,
        last_id=previous.pk if previous is not None else None,
        last_hash=last_hash,
        broken=None,
    )
