"""Devices (R2.3, R2.5): own devices, a facility's registry, reporting lost, cutting off."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.devices import actions, queries
from renkei.devices.models import Device, DeviceKind, DeviceState

router = Router(tags=["devices"])


class DeviceOwnerOut(Schema):
    public_id: uuid.UUID
    name: str


class DeviceOut(Schema):
    public_id: uuid.UUID
    name: str
    kind: DeviceKind
    state: DeviceState
    registered_at: datetime
    last_seen_at: datetime
    reported_lost_at: datetime | None
    owner: DeviceOwnerOut
    current: bool = Field(description="Whether this request comes from this device.")


def _out(request: HttpRequest, device: Device) -> DeviceOut:
    session = getattr(request, "user_session", None)
    return DeviceOut(
        public_id=device.public_id,
        name=device.name,
        kind=DeviceKind(device.kind),
        state=DeviceState(device.state),
        registered_at=device.registered_at,
        last_seen_at=device.last_seen_at,
        reported_lost_at=device.reported_lost_at,
        owner=DeviceOwnerOut(public_id=device.member.public_id, name=device.member.name),
        current=getattr(session, "device_id", None) == device.pk,
    )


@router.get("/me/devices", response={200: list[DeviceOut], **errors(401, 403)})
def list_my_devices(request: HttpRequest) -> list[DeviceOut]:
    """The signed-in member's devices, most recently seen first."""
    member = member_of(request)
    return [_out(request, d) for d in queries.own_devices(member).select_related("member")]


@router.post(
    "/me/devices/{device_id}/lost", response={200: DeviceOut, **errors(401, 403, 404, 409)}
)
def report_my_device_lost(request: HttpRequest, device_id: uuid.UUID) -> DeviceOut:
    """Report one's own device lost: every session on it ends and it cannot sign in again; the
    facility admins are told by e-mail."""
    member = member_of(request)
    device = queries.access_own_device(member, device_id)
    return _out(request, actions.report_device_lost(member, device_id=device.pk))


@router.get(
    "/facilities/{facility_id}/devices", response={200: list[DeviceOut], **errors(401, 403, 404)}
)
def list_facility_devices(request: HttpRequest, facility_id: uuid.UUID) -> list[DeviceOut]:
    """The devices of the facility's staff, for its facility admins (R2.10)."""
    member = member_of(request)
    facility = queries.access_managed_facility(member, facility_id)
    return [_out(request, d) for d in queries.facility_devices(member, facility)]


@router.post(
    "/facilities/{facility_id}/devices/{device_id}/lost",
    response={200: DeviceOut, **errors(401, 403, 404, 409)},
)
def report_staff_device_lost(
    request: HttpRequest, facility_id: uuid.UUID, device_id: uuid.UUID
) -> DeviceOut:
    """A facility admin reports a staff member's device lost (R2.5)."""
    member = member_of(request)
    facility = queries.access_managed_facility(member, facility_id)
    device = queries.access_facility_device(member, facility, device_id)
    return _out(request, actions.report_device_lost(member, device_id=device.pk))


@router.post(
    "/facilities/{facility_id}/devices/{device_id}/cut-off",
    response={200: DeviceOut, **errors(401, 403, 404, 409)},
)
def cut_off_staff_device(
    request: HttpRequest, facility_id: uuid.UUID, device_id: uuid.UUID
) -> DeviceOut:
    """A facility admin cuts a staff member's device off: its sessions end and it cannot sign
    in again (R2.5)."""
    member = member_of(request)
    facility = queries.access_managed_facility(member, facility_id)
    device = queries.access_facility_device(member, facility, device_id)
    return _out(request, actions.cut_off_device(member, device_id=device.pk))
