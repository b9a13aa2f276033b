"""Complete deletion of a patient group (R3.5): requesting it, withdrawing the request, and
the operator's execution, which erases the group's content and leaves a tombstone.

Each action checks permission (renkei.authz) and the rules, writes in one transaction with its
audit event (ids and counts only), and tells members' live connections after commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei import authz
from renkei.accounts.models import Member
from renkei.attachments.models import Attachment, AttachmentKind
from renkei.attachments.storage import delete_space_files, space_folder
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.backups.ledger import append_erasure
from renkei.erasure.discovery import space_holdings
from renkei.erasure.labels import MODEL_KEYS
from renkei.erasure.models import (
    DeletionRequest,
    RequestChannel,
    Requester,
    RequestState,
    Tombstone,
)
from renkei.errors import DomainError, NotFound, RuleViolation, ValidationFailed
from renkei.mail import send_templated_on_commit
from renkei.notifications.display import absolute
from renkei.search.index import SQLITE_TABLES
from renkei.spaces.actions import spaces_changed_on_commit
from renkei.spaces.keys import destroy_key
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind, SpaceState
from renkei.timeline.models import Post

log = logging.getLogger(__name__)

RELATIONSHIP_MAX = 20
NOTE_MAX = 200


# Requesting -----------------------------------------------------------------------------------


def _patient_group_for_update(space_id: int) -> Space:
    space = (
        # Only the space's row is locked: PostgreSQL cannot lock the nullable side of a join.
        Space.objects.select_for_update(of=("self",))
        .select_related("lead_facility")
        .filter(pk=space_id, kind=SpaceKind.PATIENT_GROUP)
        .exclude(state=SpaceState.DELETED)
        .first()
    )
    if space is None:
        raise NotFound()
    return space


def _may_request(actor: Member, space: Space) -> bool:
    membership = Membership.objects.filter(space=space, member=actor).first()
    return authz.may_request_deletion(actor, space, membership)


def request_problems(
    *, requester: str, relationship: str, asked_on: date | None, channel: str, channel_note: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if requester not in Requester.values:
        errors["requester"] = [_("Choose who asked: the patient or the family.")]
    if requester == Requester.FAMILY and not relationship.strip():
        errors["relationship"] = [_("Enter the family member's relationship to the patient.")]
    elif len(relationship.strip()) > RELATIONSHIP_MAX:
        errors["relationship"] = [_("Enter at most %(n)d characters.") % {"n": RELATIONSHIP_MAX}]
    if asked_on is None:
        errors["asked_on"] = [_("Enter the date the request was made.")]
    elif asked_on > timezone.localdate() or asked_on.year < 2000:
        errors["asked_on"] = [_("Enter a date that is not in the future.")]
    if channel not in RequestChannel.values:
        errors["channel"] = [_("Choose how the request was made.")]
    if channel == RequestChannel.OTHER and not channel_note.strip():
        errors["channel_note"] = [_("Say how the request was made.")]
    elif len(channel_note.strip()) > NOTE_MAX:
        errors["channel_note"] = [_("Enter at most %(n)d characters.") % {"n": NOTE_MAX}]
    return errors


def request_deletion(
    actor: Member,
    *,
    space_id: int,
    requester: str,
    asked_on: date | None,
    channel: str,
    relationship: str = "",
    channel_note: str = "",
) -> DeletionRequest:
    """Record that the patient or their family asked for complete deletion (R3.5).

    Allowed: the group's patient group admins and its lead facility's facility admins. One open
    request per group. Audits DELETION_REQUESTED (ids only); mails the operators a link to
    their queue (no patient, no content).
    """
    if errors := request_problems(
        requester=requester,
        relationship=relationship,
        asked_on=asked_on,
        channel=channel,
        channel_note=channel_note,
    ):
        raise ValidationFailed(errors)
    assert asked_on is not None
    with transaction.atomic():
        space = _patient_group_for_update(space_id)
        if not _may_request(actor, space):
            raise NotFound()
        if DeletionRequest.objects.filter(space=space, state=RequestState.OPEN).exists():
            raise DomainError(_("A deletion request for this patient group is already open."))
        request = DeletionRequest.objects.create(
            space=space,
            requester=requester,
            relationship=relationship.strip() if requester == Requester.FAMILY else "",
            asked_on=asked_on,
            channel=channel,
            channel_note=channel_note.strip(),
            recorded_by=actor,
        )
        record(
            AuditAction.DELETION_REQUESTED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={"request": str(request.public_id)},
        )
        queue_url = absolute(reverse("erasure:queue"))
        for operator in Member.objects.filter(is_operator=True, is_active=True).exclude(email=""):
            send_templated_on_commit(
                to=operator.email, template="erasure_requested", context={"queue_url": queue_url}
            )
    return request


def withdraw_deletion_request(actor: Member, *, request_id: int) -> DeletionRequest:
    """Withdraw an open request before it is executed (the patient or family changed their
    mind). Allowed: whoever may request it. Audits DELETION_REQUEST_WITHDRAWN."""
    with transaction.atomic():
        request = DeletionRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise NotFound()
        space = _patient_group_for_update(request.space_id)
        if not _may_request(actor, space):
            raise NotFound()
        if request.state != RequestState.OPEN:
            raise DomainError(_("Only an open request can be withdrawn."))
        request.state = RequestState.WITHDRAWN
        request.withdrawn_by = actor
        request.withdrawn_at = timezone.now()
        request.save(update_fields=["state", "withdrawn_by", "withdrawn_at"])
        record(
            AuditAction.DELETION_REQUEST_WITHDRAWN,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={"request": str(request.public_id)},
        )
    return request


# Executing ------------------------------------------------------------------------------------


def _count_files(space: Space) -> int:
    folder = space_folder(space)
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def _erase_rows(space: Space) -> tuple[dict[str, int], list[str]]:
    """Delete every row that hangs on the space (renkei.erasure.discovery), deepest first;
    returns the counts and the tables touched. Deleting rows fires the SQLite search triggers,
    which take the rows out of the FTS5 index."""
    posts = Post.objects.filter(space=space)
    attachments = Attachment.objects.filter(space=space)
    counts = {
        "posts": posts.filter(parent__isnull=True).count(),
        "replies": posts.filter(parent__isnull=False).count(),
        "photos": attachments.filter(kind=AttachmentKind.IMAGE).count(),
        "thumbnails": attachments.filter(has_thumbnail=True).count(),
    }
    counts["search_entries"] = counts["posts"] + counts["replies"] + attachments.count()
    tables = []
    for holding in space_holdings():
        rows = holding.rows(space)
        n = rows.count()
        if holding.label != "timeline.post":
            key = MODEL_KEYS.get(holding.label, holding.label)
            counts[key] = counts.get(key, 0) + n
        rows.delete()
        tables.append(holding.model._meta.db_table)
    return counts, tables


def _sqlite_pragma(conn: BaseDatabaseWrapper, name: str, value: int | None = None) -> int:
    with conn.cursor() as cursor:
        if value is not None:
            # Names and values are this module's constants, never input.
            cursor.execute(f"PRAGMA {name} = {int(value)}")
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])


def _optimize_search_index(conn: BaseDatabaseWrapper) -> None:
    """Merge the FTS5 index segments, so no token of a deleted row lingers in them."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        existing = {row[0] for row in cursor.fetchall()}
        for fts, _content, _column in SQLITE_TABLES:
            if fts in existing:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")  # noqa: S608


def _compact_sqlite(conn: BaseDatabaseWrapper) -> None:
    """Rebuild the database file (VACUUM), then copy the WAL into it and truncate the WAL.

    secure_delete zeroes what this erasure frees; VACUUM also drops text that earlier edits
    and deletions freed while secure_delete was off (a database from before it was set, or a
    SQLite built without it), and the truncated WAL keeps no old page. A reader holding an old
    snapshot makes the checkpoint answer busy; try again briefly, then leave it to the next
    one (VACUUM, a write like any other, waits for the lock as usual)."""
    if conn.in_atomic_block:
        log.info("VACUUM after a complete deletion skipped: inside a transaction")
        return
    with conn.cursor() as cursor:
        cursor.execute("VACUUM")
    for attempt in range(5):
        with conn.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = cursor.fetchone()[0]
        if not busy:
            return
        time.sleep(0.1 * (attempt + 1))
    log.warning("WAL checkpoint after a complete deletion was busy; the next one completes it")


def _vacuum_postgres(conn: BaseDatabaseWrapper, tables: list[str]) -> None:
    """Plain VACUUM of the tables the deletion touched (outside any transaction only: VACUUM
    cannot run inside one). It takes no lock that blocks reads or writes."""
    if conn.in_atomic_block:
        log.info("VACUUM after a complete deletion skipped: inside a transaction")
        return
    with conn.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM "{table}"')


def close_as_executed(
    space: Space,
    request: DeletionRequest,
    *,
    executed_at: datetime,
    executed_by: Member | None,
    executed_by_id: int,
    requested_by: Member | None,
    requested_by_id: int,
    counts: dict[str, int],
) -> Tombstone:
    """R3.5: close the request as executed and leave the group's tombstone (who asked, who
    executed, when, what was erased, by count only). The ids are kept as they were, the names
    as the members are now (empty for a member who no longer exists)."""
    request.state = RequestState.EXECUTED
    request.executed_by = executed_by
    request.executed_at = executed_at
    request.channel_note = ""
    request.save(update_fields=["state", "executed_by", "executed_at", "channel_note"])
    facility = space.lead_facility
    return Tombstone.objects.create(
        space=space,
        space_public_id=space.public_id,
        kind=space.kind,
        request=request,
        lead_facility_id_snapshot=facility.pk if facility else None,
        lead_facility_public_id=facility.public_id if facility else None,
        lead_facility_name=facility.name if facility else "",
        space_created_at=space.created_at,
        requester=request.requester,
        relationship=request.relationship,
        asked_on=request.asked_on,
        channel=request.channel,
        requested_at=request.recorded_at,
        requested_by_id_snapshot=requested_by_id,
        requested_by_name=requested_by.name if requested_by else "",
        executed_at=executed_at,
        executed_by_id_snapshot=executed_by_id,
        executed_by_name=executed_by.name if executed_by else "",
        key_destroyed_at=executed_at,
        counts=counts,
    )


def execute_deletion(actor: Member, *, request_id: int) -> Tombstone:
    """Execute an open deletion request (R3.5): erase the patient group's content completely.

    Allowed: the operator, never the person who recorded the request (two people decide).
    In one transaction: every row that hangs on the space (posts, replies, versions,
    acknowledgements, requests for them, mentions, attachments, notifications, the patient
    record, consent records, memberships, and whatever a later app ties to a space; see
    renkei.erasure.discovery), their search index entries, and the space's data key, so copies
    of its files in backups cannot be read. The encrypted files and thumbnails go once the
    transaction commits. The space row stays, emptied, in state "deleted", with a tombstone.
    Audits PATIENT_GROUP_ERASED with ids and counts; tells the members' live connections that
    their spaces changed.

    On SQLite the erasure is physical: it runs with ``secure_delete`` on, so freed space is
    overwritten with zeros, the FTS5 index is optimized (merged) so no deleted token stays in
    its segments, and after commit the file is rebuilt (VACUUM) and the WAL checkpointed and
    truncated, so no deleted text stays in either file.

    On PostgreSQL deleted rows stay on disk as dead tuples until VACUUM reclaims them; after
    commit the touched tables are vacuumed (plain VACUUM, when not inside an outer
    transaction). Plain VACUUM makes the space reusable but does not rewrite the table files;
    bytes of deleted rows may stay in free space and in WAL segments and WAL archives until
    they are overwritten or expire. Where that matters, the operator runs ``VACUUM FULL`` on
    the tables named in the log at a quiet time and lets old WAL archives age out; the
    destroyed data key already protects the files.
    """
    if not authz.may_execute_deletion(actor):
        raise NotFound()
    with physical_erasure(), transaction.atomic():
        request = (
            DeletionRequest.objects.select_for_update(of=("self",))
            .select_related("recorded_by")
            .filter(pk=request_id)
            .first()
        )
        if request is None:
            raise NotFound()
        if request.state == RequestState.EXECUTED:
            raise DomainError(_("This deletion has already been executed."))
        if request.state == RequestState.WITHDRAWN:
            raise DomainError(_("This request was withdrawn; it cannot be executed."))
        if request.recorded_by_id == actor.pk:
            raise RuleViolation(
                _("The person who recorded the request cannot also execute it."),
                rule="R3.5",
            )
        space = (
            Space.objects.select_for_update(of=("self",))
            .select_related("lead_facility")
            .get(pk=request.space_id)
        )
        if space.state == SpaceState.DELETED:
            raise DomainError(_("This deletion has already been executed."))
        counts, touched, members = erase_space_content(space)
        now = timezone.now()
        tombstone = close_as_executed(
            space,
            request,
            executed_at=now,
            executed_by=actor,
            executed_by_id=actor.pk,
            requested_by=request.recorded_by,
            requested_by_id=request.recorded_by_id,
            counts=counts,
        )
        record(
            AuditAction.PATIENT_GROUP_ERASED,
            actor=actor,
            object_type="space",
            object_id=space.public_id,
            facility_id=space.lead_facility_id,
            detail={"request": str(request.public_id), "counts": counts},
        )
        # Last, once nothing else can fail: a backup made before now must not bring the
        # group back (renkei.backups.ledger). Written before the commit, so no committed
        # deletion is ever missing from the ledger.
        append_erasure(
            space_id=space.pk,
            space_public_id=space.public_id,
            request_public_id=request.public_id,
            requester=request.requester,
            asked_on=request.asked_on,
            channel=request.channel,
            requested_at=request.recorded_at,
            requested_by_id=request.recorded_by_id,
            executed_at=now,
            executed_by_id=actor.pk,
            lead_facility_id=space.lead_facility_id,
        )
        spaces_changed_on_commit(*members)
        finish_physical_erasure(touched)
    return tombstone


@contextmanager
def physical_erasure() -> Iterator[None]:
    """Around a transaction that erases a space: on SQLite, ``secure_delete`` on for its
    duration (freed pages are overwritten with zeros), restored afterwards."""
    conn = connection
    if conn.vendor != "sqlite":
        yield
        return
    before = _sqlite_pragma(conn, "secure_delete")
    try:
        _sqlite_pragma(conn, "secure_delete", 1)
        yield
    finally:
        _sqlite_pragma(conn, "secure_delete", before)


def erase_space_content(space: Space) -> tuple[dict[str, int], list[str], list[Member]]:
    """Erase everything of ``space`` inside the caller's transaction (the space row locked):
    its rows and search entries, its files (once the transaction commits) and its data key;
    the space stays, emptied, in state "deleted". Returns the counts, the tables touched and
    the members who were in it. Used by the operator's execution and by ``restore`` when it
    applies the deletion ledger again."""
    members = list(
        Member.objects.filter(
            memberships__space=space,
            memberships__state__in=[MembershipState.ACTIVE, MembershipState.INVITED],
        )
    )
    files = _count_files(space)
    counts, touched = _erase_rows(space)
    counts["files"] = files
    delete_space_files(space)
    destroy_key(space)
    space.state = SpaceState.DELETED
    space.name = ""
    space.last_post_id = 0
    space.save(update_fields=["state", "name", "last_post_id"])
    touched.append(Space._meta.db_table)
    return counts, touched, members


def finish_physical_erasure(touched: list[str]) -> None:
    """Inside the erasing transaction, at its end: merge the SQLite search index, and once it
    commits rebuild the file (SQLite) or vacuum the touched tables (PostgreSQL)."""
    conn = connection
    if conn.vendor == "sqlite":
        _optimize_search_index(conn)
        transaction.on_commit(lambda: _compact_sqlite(conn))
    else:
        tables = list(dict.fromkeys(touched))
        transaction.on_commit(lambda: _vacuum_postgres(conn, tables))


def issue_certificate(actor: Member, *, tombstone: Tombstone) -> bytes:
    """The deletion certificate (PDF) for someone who may read the tombstone (the caller got
    it from renkei.erasure.queries.access_tombstone). Audits DELETION_CERTIFICATE_ISSUED."""
    from renkei.documents.certificates import deletion_certificate

    pdf = deletion_certificate(tombstone)
    with transaction.atomic():
        record(
            AuditAction.DELETION_CERTIFICATE_ISSUED,
            actor=actor,
            object_type="space",
            object_id=tombstone.space_public_id,
            facility_id=tombstone.lead_facility_id_snapshot,
        )
    return pdf
