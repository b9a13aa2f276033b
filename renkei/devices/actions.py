"""Every change to a device: admitting a browser at sign-in, renaming, reporting lost, cutting off.

Each action checks permission, writes in one transaction with its audit event and, after
commit, ends the device's live connections and mails the facility admins.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei import authz
from renkei.accounts.actions import SignInRefused, end_device_sessions
from renkei.accounts.models import EndReason, Member
from renkei.audit.events import AuditAction
from renkei.audit.origin import current_origin
from renkei.audit.record import record
from renkei.devices.browser import describe, new_browser_key
from renkei.devices.models import Device, DeviceState
from renkei.errors import NotFound, RuleViolation, ValidationFailed
from renkei.facilities.models import Affiliation
from renkei.mail import send_templated_on_commit

NAME_MAX = 60


def admit_device(member: Member, *, browser_key: str | None) -> tuple[Device, bool]:
    """The device ``member`` signs in from: the browser's own, registered on first use (R2.3).

    A browser with a device reported lost or cut off — of any member — signs nobody in again
    (R2.5): SignInRefused, audited as DEVICE_SIGN_IN_REFUSED. A new device audits
    DEVICE_REGISTERED. Returns the device and whether it was registered now.
    """
    if browser_key:
        blocked = (
            Device.objects.filter(browser_key=browser_key).exclude(state=DeviceState.ACTIVE).first()
        )
        if blocked is not None:
            record(
                AuditAction.DEVICE_SIGN_IN_REFUSED,
                actor=member,
                object_type="device",
                object_id=blocked.pk,
                detail={"state": blocked.state},
            )
            raise SignInRefused(
                _(
                    "This device was reported lost or cut off and can no longer sign in. "
                    "Ask your facility admin."
                )
            )
        device = Device.objects.filter(member=member, browser_key=browser_key).first()
        if device is not None:
            return device, False
    else:
        browser_key = new_browser_key()
    name, kind = describe(current_origin().user_agent)
    try:
        with transaction.atomic():
            device = Device.objects.create(
                member=member, browser_key=browser_key, name=name, kind=kind
            )
            record(
                AuditAction.DEVICE_REGISTERED,
                actor=member,
                object_type="device",
                object_id=device.pk,
                object_label=device.name,
                detail={"kind": device.kind},
            )
    except IntegrityError:  # two sign-ins from one new browser at once: the other one won
        return Device.objects.get(member=member, browser_key=browser_key), False
    return device, True


def _access(actor: Member, device_id: int) -> Device:
    device = Device.objects.select_related("member").filter(pk=device_id).first()
    if device is None or not authz.may_report_device_lost(actor, device.member):
        raise NotFound()
    return device


def rename_device(actor: Member, *, device_id: int, name: str) -> Device:
    """The owner names their device. Audits DEVICE_RENAMED."""
    device = _access(actor, device_id)
    if device.member_id != actor.pk:
        raise NotFound()
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": [_("Enter a name for the device.")]})
    if len(name) > NAME_MAX:
        raise ValidationFailed({"name": [_("At most %(n)d characters.") % {"n": NAME_MAX}]})
    with transaction.atomic():
        device.name = name
        device.save(update_fields=["name"])
        record(
            AuditAction.DEVICE_RENAMED,
            actor=actor,
            object_type="device",
            object_id=device.pk,
            object_label=name,
        )
    return device


def _owner_facility_ids(owner: Member) -> list[int]:
    return list(
        Affiliation.objects.filter(
            member=owner, lost_on__isnull=True, facility__state="active"
        ).values_list("facility_id", flat=True)
    )


def _mail_admins(device: Device, *, reporter: Member) -> None:
    """Tell the facility admins of the owner's facilities that a device was reported lost."""
    admins = (
        Affiliation.objects.filter(
            facility_id__in=_owner_facility_ids(device.member),
            lost_on__isnull=True,
            is_admin=True,
        )
        .select_related("member", "facility")
        .order_by("member_id")
    )
    for affiliation in admins:
        send_templated_on_commit(
            to=affiliation.member.email,
            template="device_lost",
            context={
                "device": device,
                "owner": device.member,
                "reporter": reporter,
                "facility": affiliation.facility,
                "path": f"/facilities/{affiliation.facility.public_id}/devices/",
            },
        )


def report_device_lost(actor: Member, *, device_id: int) -> Device:
    """Report a device lost (R2.5): its owner or a facility admin of the owner's facility.

    Every session opened from the device ends at once (pages, API, live connections) and the
    browser can no longer sign in. Audits DEVICE_REPORTED_LOST for each facility of the owner;
    mails the facility admins after commit. Others get NotFound.
    """
    device = _access(actor, device_id)
    if device.state != DeviceState.ACTIVE:
        raise RuleViolation(_("This device has already been reported lost or cut off."))
    with transaction.atomic():
        device.state = DeviceState.LOST
        device.reported_lost_by = actor
        device.reported_lost_at = timezone.now()
        device.save(update_fields=["state", "reported_lost_by", "reported_lost_at"])
        ended = end_device_sessions(device_id=device.pk, reason=EndReason.DEVICE_LOST)
        facility_ids: list[int | None] = [*_owner_facility_ids(device.member)] or [None]
        for facility_id in facility_ids:
            record(
                AuditAction.DEVICE_REPORTED_LOST,
                actor=actor,
                object_type="device",
                object_id=device.pk,
                object_label=device.name,
                facility_id=facility_id,
                detail={"owner_id": device.member_id, "sessions_ended": ended},
            )
        _mail_admins(device, reporter=actor)
    return device


def cut_off_device(actor: Member, *, device_id: int) -> Device:
    """A facility admin of the owner's facility cuts a device off (R2.5, R2.10), whether it
    was reported lost or not. Its sessions end and it signs nobody in again.

    Audits DEVICE_CUT_OFF. The owner and others get NotFound.
    """
    device = _access(actor, device_id)
    if not authz.may_cut_off_device(actor, device.member):
        raise NotFound()
    if device.state == DeviceState.CUT_OFF:
        raise RuleViolation(_("This device has already been cut off."))
    with transaction.atomic():
        device.state = DeviceState.CUT_OFF
        device.cut_off_by = actor
        device.cut_off_at = timezone.now()
        device.save(update_fields=["state", "cut_off_by", "cut_off_at"])
        ended = end_device_sessions(device_id=device.pk, reason=EndReason.DEVICE_CUT_OFF)
        facility_ids: list[int | None] = [*_owner_facility_ids(device.member)] or [None]
        for facility_id in facility_ids:
            record(
                AuditAction.DEVICE_CUT_OFF,
                actor=actor,
                object_type="device",
                object_id=device.pk,
                object_label=device.name,
                facility_id=facility_id,
                detail={"owner_id": device.member_id, "sessions_ended": ended},
            )
    return device


def touch_device(*, device_id: int) -> None:
    """Note that the device was seen now; called with the session's own touch."""
    Device.objects.filter(pk=device_id).update(last_seen_at=timezone.now())
