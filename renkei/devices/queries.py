"""Reads of devices, each scoped to what the viewer may see."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from renkei import authz
from renkei.accounts.models import Member
from renkei.devices.models import Device
from renkei.errors import NotFound
from renkei.facilities.models import Affiliation, Facility


def own_devices(viewer: Member) -> QuerySet[Device]:
    """The viewer's own devices, most recently seen first."""
    return Device.objects.filter(member=viewer)


def access_own_device(viewer: Member, public_id: uuid.UUID | str) -> Device:
    """One of the viewer's own devices, or NotFound."""
    device = Device.objects.filter(member=viewer, public_id=public_id).first()
    if device is None:
        raise NotFound()
    return device


def access_managed_facility(viewer: Member, public_id: uuid.UUID | str) -> Facility:
    """A facility whose device registry the viewer keeps as its facility admin, or NotFound."""
    facility = Facility.objects.filter(public_id=public_id).first()
    if facility is None or not authz.may_manage_devices(viewer, facility):
        raise NotFound()
    return facility


def facility_devices(viewer: Member, facility: Facility) -> QuerySet[Device]:
    """The devices of the facility's current staff, for its facility admins only (R2.10)."""
    if not authz.may_manage_devices(viewer, facility):
        raise NotFound()
    staff = Affiliation.objects.filter(facility=facility, lost_on__isnull=True).values("member_id")
    return Device.objects.filter(member_id__in=staff).select_related("member")


def access_facility_device(
    viewer: Member, facility: Facility, public_id: uuid.UUID | str
) -> Device:
    """A device of one of the facility's staff, for its facility admins, or NotFound."""
    device = facility_devices(viewer, facility).filter(public_id=public_id).first()
    if device is None:
        raise NotFound()
    return device
