"""What a viewer may see of complete deletions: the group they may ask it for, the operator's
queue, and tombstones. Missing and forbidden answer the same NotFound."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from renkei import authz
from renkei.accounts.models import Member
from renkei.erasure.models import DeletionRequest, RequestState, Tombstone
from renkei.errors import NotFound
from renkei.facilities.models import Facility
from renkei.spaces.models import Membership, Space, SpaceKind, SpaceState


def _parse(public_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None


def deletion_target(viewer: Member, public_id: uuid.UUID | str) -> Space:
    """A patient group the viewer may ask complete deletion for (its patient group admin or an
    admin of its lead facility, R3.5); NotFound for anyone else."""
    space = (
        Space.objects.select_related("lead_facility")
        .filter(public_id=_parse(public_id), kind=SpaceKind.PATIENT_GROUP)
        .exclude(state=SpaceState.DELETED)
        .first()
    )
    if space is None:
        raise NotFound()
    membership = Membership.objects.filter(space=space, member=viewer).first()
    if not authz.may_request_deletion(viewer, space, membership):
        raise NotFound()
    return space


def open_request(viewer: Member, space: Space) -> DeletionRequest | None:
    """The open request of a group the viewer may ask deletion for (from deletion_target)."""
    return (
        DeletionRequest.objects.select_related("recorded_by")
        .filter(space=space, state=RequestState.OPEN)
        .first()
    )


def may_request_here(viewer: Member, space: Space, membership: Membership | None) -> bool:
    """For the block on the patient group's page."""
    return authz.may_request_deletion(viewer, space, membership)


def pending_requests(viewer: Member) -> QuerySet[DeletionRequest]:
    """The operator's queue: open requests, oldest first; NotFound for anyone else."""
    if not authz.may_execute_deletion(viewer):
        raise NotFound()
    return (
        DeletionRequest.objects.select_related("space", "space__lead_facility", "recorded_by")
        .filter(state=RequestState.OPEN)
        .order_by("recorded_at", "id")
    )


def access_request(viewer: Member, public_id: uuid.UUID | str) -> DeletionRequest:
    """One request for the operator (any state); NotFound for anyone else."""
    if not authz.may_execute_deletion(viewer):
        raise NotFound()
    request = (
        DeletionRequest.objects.select_related("space", "space__lead_facility", "recorded_by")
        .filter(public_id=_parse(public_id))
        .first()
    )
    if request is None:
        raise NotFound()
    return request


def _may_read(viewer: Member, tombstone: Tombstone) -> bool:
    facility = (
        Facility.objects.filter(pk=tombstone.lead_facility_id_snapshot).first()
        if tombstone.lead_facility_id_snapshot
        else None
    )
    return authz.may_read_tombstone(
        viewer, recorded_by_id=tombstone.requested_by_id_snapshot, lead_facility=facility
    )


def access_tombstone(viewer: Member, space_public_id: uuid.UUID | str) -> Tombstone:
    """The tombstone of a deleted patient group, named by the group's public id, for the
    operator, the admin who recorded the request and the lead facility's admins."""
    tombstone = Tombstone.objects.filter(space_public_id=_parse(space_public_id)).first()
    if tombstone is None or not _may_read(viewer, tombstone):
        raise NotFound()
    return tombstone


def my_tombstones(viewer: Member) -> QuerySet[Tombstone]:
    """The tombstones the viewer may read, newest first."""
    rows = Tombstone.objects.order_by("-executed_at", "-id")
    if authz.may_execute_deletion(viewer):
        return rows
    return rows.filter(
        Q(requested_by_id_snapshot=viewer.pk)
        | Q(lead_facility_id_snapshot__in=authz.admin_facility_ids(viewer))
    )
