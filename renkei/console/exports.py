"""CSV exports of the secretariat: the form-3 user lists and the audit events of a period.

An export runs in a background thread and writes UTF-8 with a BOM (so that Excel opens the
Japanese correctly) to DATA_DIR/exports, counting its rows in the ExportJob row so that a page
can show the progress. Starting and downloading are the secretariat's alone and audited.
"""

from __future__ import annotations

import csv
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from renkei import authz
from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.console import export_queries, queries
from renkei.console.models import ExportJob, ExportKind, ExportState
from renkei.errors import NotFound, ValidationFailed
from renkei.facilities import queries as facility_queries
from renkei.facilities.models import Affiliation, Facility

log = logging.getLogger(__name__)

# Progress is written every this many rows: often enough for the page, rarely for the database.
PROGRESS_EVERY = 200
DATE = "%Y-%m-%d"


def export_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _in_background(job_id: int) -> None:
    def work() -> None:
        try:
            run_export(job_id)
        finally:
            connection.close()

    threading.Thread(target=work, name=f"export-{job_id}", daemon=True).start()


# How an export is run after the commit that created it; tests may run it in line.
RUNNER: Callable[[int], None] = _in_background


def start_export(
    actor: Member,
    *,
    kind: str,
    facility_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ExportJob:
    """The secretariat starts an export; it runs after commit in the background. Audits
    EXPORT_STARTED (kind, facility and period only)."""
    if not authz.may_export(actor):
        raise NotFound()
    facility = None
    if kind == ExportKind.FACILITY_USERS:
        facility = Facility.objects.filter(pk=facility_id).first() if facility_id else None
        if facility is None:
            raise ValidationFailed({"facility": [_("Choose a facility.")]})
    elif kind == ExportKind.AUDIT:
        if since is not None and until is not None and since >= until:
            raise ValidationFailed({"until": [_("The end must come after the start.")]})
    elif kind != ExportKind.REGION_USERS:
        raise ValidationFailed({"kind": [_("Choose what to export.")]})
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            requested_by=actor,
            facility=facility,
            since=since if kind == ExportKind.AUDIT else None,
            until=until if kind == ExportKind.AUDIT else None,
        )
        record(
            AuditAction.EXPORT_STARTED,
            actor=actor,
            object_type="export",
            object_id=job.pk,
            facility=facility,
            detail={
                "kind": kind,
                "since": job.since.isoformat() if job.since else None,
                "until": job.until.isoformat() if job.until else None,
            },
        )
        job_id = job.pk
        transaction.on_commit(lambda: RUNNER(job_id))
    return job


def record_download(actor: Member, *, job: ExportJob) -> Path:
    """The secretariat downloads a finished export; audits EXPORT_DOWNLOADED. Returns the
    file's path."""
    if not authz.may_export(actor) or job.state != ExportState.DONE or not job.file_name:
        raise NotFound()
    path = export_dir() / job.file_name
    if not path.exists():
        raise NotFound()
    with transaction.atomic():
        record(
            AuditAction.EXPORT_DOWNLOADED,
            actor=actor,
            object_type="export",
            object_id=job.pk,
            facility_id=job.facility_id,
            detail={"kind": job.kind},
        )
    return path


# Writing the file ----------------------------------------------------------------------------


def _user_header(*, with_facility: bool) -> list[str]:
    head = [
        _("No."),
        _("Registration date"),
        _("Furigana"),
        _("Name"),
        _("Profession"),
        _("Cancellation date (loss of eligibility)"),
        _("E-mail"),
    ]
    return [_("Facility"), *head] if with_facility else head


def _user_row(row: Affiliation, *, facility_name: str | None) -> list[str]:
    member = row.member
    cells = [
        str(row.number),
        row.registered_on.strftime(DATE),
        member.furigana,
        member.name,
        member.get_profession_display(),
        row.lost_on.strftime(DATE) if row.lost_on else "",
        member.email,
    ]
    return [facility_name, *cells] if facility_name is not None else cells


def _users(
    viewer: Member, facilities: list[Facility], *, region: bool
) -> tuple[int, Iterator[list[str]]]:
    lists = [(f, facility_queries.staff_list(viewer, f)) for f in facilities]
    total = sum(rows.count() for _f, rows in lists)

    def rows() -> Iterator[list[str]]:
        for facility, affiliations in lists:
            for row in affiliations.iterator(chunk_size=500):
                yield _user_row(row, facility_name=facility.name if region else None)

    return total, rows()


def _audit_header() -> list[str]:
    return [
        _("Event No."),
        _("Date and time"),
        _("Event"),
        _("Event code"),
        _("Actor ID"),
        _("Actor"),
        _("Object type"),
        _("Object ID"),
        _("Object"),
        _("Facility ID"),
        _("IP address"),
        _("Hash"),
    ]


def _audit(viewer: Member, job: ExportJob) -> tuple[int, Iterator[list[str]]]:
    events = queries.audit_events(viewer, since=job.since, until=job.until).order_by("id")
    tz = timezone.get_default_timezone()

    def rows() -> Iterator[list[str]]:
        for e in events.iterator(chunk_size=500):
            yield [
                str(e.pk),
                e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                str(AuditAction(e.action).label) if e.action in AuditAction.values else "",
                str(e.action),
                str(e.actor_id or ""),
                e.actor_label,
                e.object_type,
                e.object_id,
                e.object_label,
                str(e.facility_id or ""),
                e.ip or "",
                e.hash,
            ]

    return events.count(), rows()


def file_name_for(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M%S")
    return f"{job.kind}-{stamp}-{job.public_id.hex[:8]}.csv"


def run_export(job_id: int) -> None:
    """Write one export's file, counting progress; a failure marks the job failed."""
    job = ExportJob.objects.select_related("requested_by", "facility").get(pk=job_id)
    viewer = job.requested_by
    try:
        with translation.override("ja"):
            if job.kind == ExportKind.AUDIT:
                header = _audit_header()
                total, rows = _audit(viewer, job)
            else:
                region = job.kind == ExportKind.REGION_USERS
                header = _user_header(with_facility=region)
                if not region and job.facility is not None:
                    facilities = [job.facility]
                else:
                    facilities = list(export_queries.facilities_for_export(viewer))
                total, rows = _users(viewer, facilities, region=region)
            ExportJob.objects.filter(pk=job.pk).update(total=total)
            name = file_name_for(job)
            partial = export_dir() / f".{uuid.uuid4().hex}.part"
            done = 0
            with partial.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                for row in rows:
                    writer.writerow(row)
                    done += 1
                    if done % PROGRESS_EVERY == 0:
                        ExportJob.objects.filter(pk=job.pk).update(done=done)
            partial.rename(export_dir() / name)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.DONE,
            done=done,
            total=max(total, done),
            file_name=name,
            finished_at=timezone.now(),
        )
    except Exception:
        log.exception("export %s failed", job_id)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED, finished_at=timezone.now()
        )
