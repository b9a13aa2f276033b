"""What a viewer may see of problem reports: the reporter their own, the secretariat all."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from renkei import authz
from renkei.accounts.models import Member
from renkei.errors import NotFound
from renkei.facilities.models import Facility
from renkei.facilities.queries import access_facility
from renkei.reports.models import Report, ReportComment, ReportStatus, ReportStatusChange
from renkei.spaces.models import Membership, Space
from renkei.spaces.queries import access_space


def _key(public_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None


def my_reports(viewer: Member) -> QuerySet[Report]:
    """The reports the viewer raised, newest first."""
    return Report.objects.filter(reporter=viewer).select_related("facility").order_by("-id")


def access_report(viewer: Member, public_id: uuid.UUID | str) -> Report:
    """One report for its reporter or the secretariat; NotFound otherwise."""
    report = (
        Report.objects.select_related("facility", "reporter")
        .filter(public_id=_key(public_id))
        .first()
    )
    if report is None or not (report.reporter_id == viewer.pk or authz.may_handle_reports(viewer)):
        raise NotFound()
    return report


def inbox(viewer: Member, *, status: str = "", facility_id: int | None = None) -> QuerySet[Report]:
    """The secretariat's inbox, filtered by status and facility, newest first."""
    if not authz.may_handle_reports(viewer):
        raise NotFound()
    reports = Report.objects.select_related("facility", "reporter").order_by("-id")
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    if facility_id is not None:
        reports = reports.filter(facility_id=facility_id)
    return reports


def report_comments(viewer: Member, report: Report) -> QuerySet[ReportComment]:
    access_report(viewer, report.public_id)
    return report.comments.select_related("author").order_by("id")


def report_history(viewer: Member, report: Report) -> QuerySet[ReportStatusChange]:
    access_report(viewer, report.public_id)
    return report.history.select_related("actor").order_by("id")


def facility_to_report(viewer: Member, public_id: uuid.UUID | str) -> Facility:
    """The facility a facility admin reports about (R2.10); NotFound for anyone else."""
    facility = access_facility(viewer, public_id)
    if not authz.may_report_for_facility(viewer, facility):
        raise NotFound()
    return facility


def patient_group_to_report(viewer: Member, public_id: uuid.UUID | str) -> Space:
    """The patient group its admin reports about (R3.5); NotFound for anyone else."""
    access = access_space(viewer, public_id)
    membership: Membership | None = access.membership
    if not authz.may_report_for_patient_group(access.space, membership):
        raise NotFound()
    return access.space


def facility_choices(viewer: Member) -> list[tuple[str, str]]:
    """Facilities that have reports, for the inbox filter (secretariat only)."""
    if not authz.may_handle_reports(viewer):
        raise NotFound()
    ids = Report.objects.values("facility_id")
    return [
        (str(p), n)
        for p, n in Facility.objects.filter(pk__in=ids)
        .order_by("name")
        .values_list("public_id", "name")
    ]


def count_open(viewer: Member) -> int:
    """Open and in-progress reports (secretariat only)."""
    if not authz.may_handle_reports(viewer):
        raise NotFound()
    return Report.objects.exclude(status=ReportStatus.CLOSED).count()
