"""Raising, answering and closing problem reports (R2.10, R3.5).

Facility admins report about their facility, patient group admins about their patient group;
the secretariat answers. Every change is audited with ids only (never the typed text), and a
comment is mailed to the other side after commit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei import authz
from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.errors import NotFound, RuleViolation, ValidationFailed
from renkei.facilities.models import Facility
from renkei.mail import send_templated_on_commit
from renkei.reports.models import (
    Report,
    ReportCategory,
    ReportComment,
    ReportSource,
    ReportStatus,
    ReportStatusChange,
)
from renkei.spaces.models import Membership, Space

TITLE_MAX = 200
BODY_MAX = 4000


def _text_problems(*, title: str, body: str, category: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Enter a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("Keep the title within %(n)d characters.") % {"n": TITLE_MAX}]
    if not body.strip():
        errors["body"] = [_("Describe the problem.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [_("Keep the text within %(n)d characters.") % {"n": BODY_MAX}]
    if category not in ReportCategory.values:
        errors["category"] = [_("Choose a category from the list.")]
    return errors


def raise_report(
    actor: Member,
    *,
    title: str,
    body: str,
    category: str,
    facility_id: int | None = None,
    space_id: int | None = None,
) -> Report:
    """A facility admin reports about its facility (R2.10), or a patient group admin about
    its patient group (R3.5); anyone else gets NotFound. Writes the report and its first
    history row; audits REPORT_RAISED (ids only)."""
    space: Space | None = None
    if space_id is not None:
        space = Space.objects.select_related("lead_facility").filter(pk=space_id).first()
        membership = Membership.objects.filter(space=space, member=actor).first() if space else None
        if space is None or not authz.may_report_for_patient_group(space, membership):
            raise NotFound()
        facility = space.lead_facility
        if facility is None:
            raise NotFound()
        source = ReportSource.PATIENT_GROUP
    else:
        found = Facility.objects.filter(pk=facility_id).first() if facility_id else None
        if found is None or not authz.may_report_for_facility(actor, found):
            raise NotFound()
        facility = found
        source = ReportSource.FACILITY
    if errors := _text_problems(title=title, body=body, category=category):
        raise ValidationFailed(errors)
    with transaction.atomic():
        report = Report.objects.create(
            source=source,
            reporter=actor,
            facility=facility,
            space=space,
            title=title.strip(),
            body=body.strip(),
            category=category,
        )
        ReportStatusChange.objects.create(
            report=report, actor=actor, from_status="", to_status=ReportStatus.OPEN
        )
        record(
            AuditAction.REPORT_RAISED,
            actor=actor,
            object_type="report",
            object_id=report.pk,
            facility=facility,
            detail={"source": source, "category": category, "space_id": space_id},
        )
        for person in _secretariat():
            _mail(person, report, template="report_raised")
    return report


def _secretariat() -> list[Member]:
    return list(Member.objects.filter(is_secretariat=True, is_active=True).order_by("id"))


def _mail(to: Member, report: Report, *, template: str) -> None:
    """A short mail with a link: the report's text stays in the system."""
    path = reverse("reports:detail", args=[report.public_id])
    send_templated_on_commit(
        to=to.email,
        template=template,
        context={"report": report, "url": settings.BASE_URL + path},
    )


def _access_for_change(actor: Member, report_id: int) -> Report:
    report = Report.objects.select_related("reporter", "facility").filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    if not (authz.may_handle_reports(actor) or report.reporter_id == actor.pk):
        raise NotFound()
    return report


def comment_on_report(actor: Member, *, report_id: int, body: str) -> ReportComment:
    """The secretariat or the reporter comments; the other side is mailed after commit.
    Audits REPORT_COMMENTED (ids only). A closed report takes no more comments."""
    report = _access_for_change(actor, report_id)
    if not body.strip():
        raise ValidationFailed({"body": [_("Write a comment.")]})
    if len(body) > BODY_MAX:
        raise ValidationFailed(
            {"body": [_("Keep the text within %(n)d characters.") % {"n": BODY_MAX}]}
        )
    if report.status == ReportStatus.CLOSED:
        raise RuleViolation(_("This report is closed."))
    with transaction.atomic():
        comment = ReportComment.objects.create(report=report, author=actor, body=body.strip())
        Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
        record(
            AuditAction.REPORT_COMMENTED,
            actor=actor,
            object_type="report",
            object_id=report.pk,
            facility_id=report.facility_id,
            detail={"comment_id": comment.pk},
        )
        if authz.may_handle_reports(actor):
            if report.reporter.is_active:
                _mail(report.reporter, report, template="report_commented")
        else:
            for person in _secretariat():
                _mail(person, report, template="report_commented")
    return comment


def change_report_status(actor: Member, *, report_id: int, status: str) -> Report:
    """The secretariat moves a report between open, in progress and closed; each change is a
    history row, audited as REPORT_STATUS_CHANGED, and mailed to the reporter."""
    if not authz.may_handle_reports(actor):
        raise NotFound()
    report = _access_for_change(actor, report_id)
    if status not in ReportStatus.values:
        raise ValidationFailed({"status": [_("Choose a status from the list.")]})
    if status == report.status:
        raise RuleViolation(_("The report already has this status."))
    with transaction.atomic():
        previous = report.status
        report.status = status
        report.updated_at = timezone.now()
        report.save(update_fields=["status", "updated_at"])
        ReportStatusChange.objects.create(
            report=report, actor=actor, from_status=previous, to_status=status
        )
        record(
            AuditAction.REPORT_STATUS_CHANGED,
            actor=actor,
            object_type="report",
            object_id=report.pk,
            facility_id=report.facility_id,
            detail={"from": previous, "to": status},
        )
        if report.reporter.is_active:
            _mail(report.reporter, report, template="report_status_changed")
    return report
