"""Reads of the secretariat's CSV exports; NotFound to anyone but the secretariat."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from renkei import authz
from renkei.accounts.models import Member
from renkei.console.models import ExportJob
from renkei.errors import NotFound
from renkei.facilities.models import Facility, FacilityState
from renkei.facilities.queries import visible_facilities


def _require_exporter(viewer: Member) -> None:
    if not authz.may_export(viewer):
        raise NotFound()


def facilities_for_export(viewer: Member) -> QuerySet[Facility]:
    """Facilities with a form-3 user list (active or left), by name (secretariat only)."""
    _require_exporter(viewer)
    return (
        visible_facilities(viewer)
        .filter(state__in=[FacilityState.ACTIVE, FacilityState.LEFT])
        .order_by("name", "id")
    )


def export_jobs(viewer: Member, *, limit: int = 50) -> list[ExportJob]:
    """The latest exports, newest first (secretariat only)."""
    _require_exporter(viewer)
    return list(
        ExportJob.objects.select_related("requested_by", "facility").order_by("-id")[:limit]
    )


def access_export(viewer: Member, public_id: uuid.UUID | str) -> ExportJob:
    """One export for the secretariat; NotFound otherwise."""
    _require_exporter(viewer)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None
    job = ExportJob.objects.select_related("facility").filter(public_id=key).first()
    if job is None:
        raise NotFound()
    return job
