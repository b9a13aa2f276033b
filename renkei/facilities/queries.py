"""What a viewer may see of facilities and their staff lists."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from renkei import authz
from renkei.accounts.models import Member
from renkei.errors import NotFound
from renkei.facilities.models import Affiliation, AppliedUser, Facility, FacilityState


def visible_facilities(viewer: Member) -> QuerySet[Facility]:
    """The secretariat sees every facility; members see the active ones and their own."""
    if authz.is_secretariat(viewer):
        return Facility.objects.all()
    own = Affiliation.objects.filter(member=viewer).values("facility_id")
    return Facility.objects.filter(state=FacilityState.ACTIVE) | Facility.objects.filter(pk__in=own)


def pending_applications(viewer: Member) -> QuerySet[Facility]:
    """Applications waiting for the secretariat's decision (R1.1); nothing for anyone else."""
    if not authz.may_decide_applications(viewer):
        return Facility.objects.none()
    return Facility.objects.filter(state=FacilityState.APPLIED).order_by("applied_at", "id")


def access_facility(viewer: Member, public_id: uuid.UUID | str) -> Facility:
    """The facility if the viewer may see it; NotFound whether missing or hidden."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None
    facility = visible_facilities(viewer).filter(public_id=key).first()
    if facility is None:
        raise NotFound()
    return facility


def applied_users(viewer: Member, facility: Facility) -> QuerySet[AppliedUser]:
    """The users listed on an application, for the secretariat deciding it."""
    if not authz.may_decide_applications(viewer):
        raise NotFound()
    return facility.applied_users.all()


def staff_list(viewer: Member, facility: Facility) -> QuerySet[Affiliation]:
    """The facility's form-3 user list, current and deregistered, in number order."""
    if not authz.may_view_staff(viewer, facility):
        raise NotFound()
    return Affiliation.objects.filter(facility=facility).select_related("member").order_by("number")


def my_affiliations(viewer: Member) -> QuerySet[Affiliation]:
    """The viewer's own current registrations, with their facilities."""
    return (
        Affiliation.objects.filter(member=viewer, lost_on__isnull=True)
        .select_related("facility")
        .order_by("facility__name")
    )


def affiliation_history(viewer: Member, member: Member) -> QuerySet[Affiliation]:
    """Every registration of ``member``, for the member, the secretariat, or an admin of one of
    the member's facilities."""
    rows = Affiliation.objects.filter(member=member).select_related("facility")
    if viewer.pk == member.pk or authz.is_secretariat(viewer):
        return rows.order_by("registered_on", "id")
    if not set(rows.values_list("facility_id", flat=True)) & set(authz.admin_facility_ids(viewer)):
        raise NotFound()
    return rows.order_by("registered_on", "id")


def access_staff_member(viewer: Member, facility: Facility, public_id: uuid.UUID | str) -> Member:
    """A member on the facility's list (current or past), for someone who may see that list."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None
    row = staff_list(viewer, facility).filter(member__public_id=key).first()
    if row is None:
        raise NotFound()
    return row.member
