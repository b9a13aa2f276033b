"""The region the authorisation matrix is tried in: the test region plus one object of every
kind a route names, each made through the real actions.

Who is who (the eight roles of ``matrix_table.ROLES``):

- ``member``: the clinic nurse; member of the patient group, the group and a connection with
  the doctor; author of the post; owner of a device and of a notification; invited by the
  pharmacy into a group, waiting for the clinic's approval; asked by the pharmacist for a
  connection.
- ``pg_admin``: the clinic care manager, patient group admin of the patient groups below and
  member of no other space; recorded the deletion requests.
- ``facility_admin``: the clinic admin (facility admin, not the manager), member of no space;
  raised the problem report.
- ``other_member``: a plain member of the pharmacy; ``other_admin``: the pharmacist (the
  pharmacy's manager and admin).
- ``secretariat`` and ``operator`` as in the test region; the secretariat started an export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.test import TestCase
from django.utils import timezone

from renkei.accounts import tokens
from renkei.accounts.models import Member, TokenPurpose
from renkei.attachments.uploads import prepare_uploads
from renkei.consents.models import ConsentRecord
from renkei.console.exports import run_export, start_export
from renkei.console.models import ExportKind
from renkei.devices.actions import admit_device
from renkei.erasure import actions as erasure
from renkei.facilities.actions import ApplicationInput, PersonInput, apply_to_join
from renkei.facilities.models import Affiliation
from renkei.guide.topics import TOPICS
from renkei.notifications.models import Notification
from renkei.pledges import actions as pledges
from renkei.reports.actions import raise_report
from renkei.spaces import actions as spaces
from renkei.spaces.models import Space
from renkei.timeline.actions import post_message
from tests.attachments import samples
from tests.spaces.helpers import patient
from tests.support.consent import record_consent, signed_form
from tests.support.region import Region, _affiliate, _member, build_region

# Words that only the patient group's posts and file hold: found by its members, by nobody
# else, on any page or API answer.
CANARIES = ("ZQPOSTBODY7F3A", "ZQREPLY5C21", "ZQFILENAME9D0E")


@dataclass
class World:
    region: Region
    actors: dict[str, Member]  # role -> member (no entry for anonymous)
    keys: dict[str, Any]  # world key -> path parameter value


def _patient_group(region: Region, *, name: str = "朝霞 花子") -> Space:
    """A clinic-led patient group with the nurse and the care manager (its admin)."""
    space = spaces.create_patient_group(
        region.doctor, facility_id=region.clinic.pk, patient=patient(name=name)
    )
    record_consent(space, by=region.doctor)
    spaces.invite_to_patient_group(
        region.doctor, space_id=space.pk, member_ids=[region.nurse.pk, region.care_manager.pk]
    )
    spaces.appoint_patient_group_admin(
        region.doctor, space_id=space.pk, member_id=region.care_manager.pk
    )
    return space


def _request_deletion(actor: Member, space: Space) -> erasure.DeletionRequest:
    return erasure.request_deletion(
        actor,
        space_id=space.pk,
        requester="family",
        relationship="長男",
        asked_on=timezone.localdate() - timedelta(days=1),
        channel="phone",
    )


def _application() -> Any:
    return apply_to_join(
        data=ApplicationInput(
            kind="home_help",
            name="ゆめ訪問介護",
            postal_code="351-0104",
            address="埼玉県和光市南2-3-4",
            tel="048-222-0001",
            fax="048-222-0002",
            pledge_date=date(2026, 4, 1),
            manager=PersonInput("高橋 誠", "たかはし まこと", "care_worker", "yume.mgr@example.jp"),
            users=[PersonInput("利用者 あい", "りようしゃ あい", "helper", "yume.u1@example.jp")],
            agreed_to_policy=True,
        )
    )


def build_world() -> World:
    """Build the region and every object the matrix's rows name. What the actions do once
    their transaction commits (writing the encrypted files) is run as it would be; the export
    is written by the export's own runner, in this thread."""
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=True):
        world = _build()
    # Not in the background: the transaction the runner's thread would wait for never commits.
    with TestCase.captureOnCommitCallbacks(using=connection.alias, execute=False):
        export = start_export(world.region.secretariat, kind=ExportKind.REGION_USERS)
    run_export(export.pk)
    world.keys["export"] = export.public_id
    return world


def _build() -> World:
    region = build_region()
    other_member = _member("ph.mori", "森 薫", "もり かおる", "pharmacist")
    _affiliate(other_member, region.pharmacy)
    nurse, cm, clinic_admin = region.nurse, region.care_manager, region.clinic_admin

    pg = _patient_group(region)
    prepared = prepare_uploads(
        [samples.upload(f"{CANARIES[2]}.jpg", samples.jpeg(size=(320, 240)), "image/jpeg")],
        space=pg,
        photo_consent=True,
    )
    post = post_message(
        nurse,
        space_id=pg.pk,
        body=f"本日訪問しました。{CANARIES[0]}",
        attachments=prepared,
        ack_from=[cm.pk],
    )
    # The care manager mentions the nurse: the nurse's notification.
    post_message(
        cm, space_id=pg.pk, body=f"@ns.sato 確認しました。{CANARIES[1]}", parent_id=post.pk
    )
    notification = Notification.objects.filter(member=nurse).order_by("pk").first()
    assert notification is not None
    attachment = post.attachments.get()
    consent = ConsentRecord.objects.filter(space=pg).get()

    group = spaces.create_group(nurse, name="多職種連携の会", member_ids=[region.doctor.pk])
    spaces.accept_connection(
        region.doctor,
        space_id=spaces.request_connection(nurse, member_id=region.doctor.pk).pk,
    )
    conn_pending = spaces.request_connection(region.visiting_nurse, member_id=nurse.pk)
    # The pharmacy invites the nurse: waiting for the clinic's approval (R2.10).
    invite_group = spaces.create_group(
        region.pharmacist, name="薬局との連絡会", member_ids=[nurse.pk]
    )

    # Complete deletion: one group with an open request, one already erased (R3.5).
    pg_del = _patient_group(region, name="和光 次郎")
    deletion_request = _request_deletion(cm, pg_del)
    pg_gone = _patient_group(region, name="志木 三郎")
    erasure.execute_deletion(region.operator, request_id=_request_deletion(cm, pg_gone).pk)

    device, _new = admit_device(nurse, browser_key=None)
    report = raise_report(
        clinic_admin,
        title="印刷できない",
        body="同意書の印刷ができません。",
        category="other",
        facility_id=region.clinic.pk,
    )
    application = _application()
    newcomer = Member.objects.create_member(
        login_id=None,
        name="新人 一郎",
        furigana="しんじん いちろう",
        profession="nurse",
        email="newcomer@example.jp",
        password=None,
        is_active=False,
    )
    _affiliate(newcomer, region.clinic)

    # Pledges (R2.9, F3): the nurse's form 2 and the clinic's form 3, signed and on file.
    clinic_id = region.clinic.public_id
    pledges.issue_pledge_form(
        clinic_admin, facility_public_id=clinic_id, form=2, member_public_id=nurse.public_id
    )
    pledge = pledges.record_signed_pledge(
        clinic_admin,
        facility_public_id=clinic_id,
        form=2,
        member_public_id=nurse.public_id,
        signed_on=timezone.localdate(),
        document=signed_form("form2.pdf"),
    )
    pledges.issue_form3(clinic_admin, facility_public_id=clinic_id)
    agreement = pledges.record_signed_agreement(
        clinic_admin,
        facility_public_id=clinic_id,
        signed_on=timezone.localdate(),
        document=signed_form("form3.pdf"),
    )

    actors = {
        "other_member": other_member,
        "member": nurse,
        "other_admin": region.pharmacist,
        "facility_admin": clinic_admin,
        "pg_admin": cm,
        "secretariat": region.secretariat,
        "operator": region.operator,
    }
    keys: dict[str, Any] = {
        "facility": clinic_id,
        "member": nurse.public_id,
        "admin_target": clinic_admin.public_id,
        "pg_admin_member": cm.public_id,
        "group_other": region.doctor.public_id,
        "newcomer": newcomer.public_id,
        "shared_nurse": region.shared_nurse.public_id,
        "pg": pg.public_id,
        "group": group.public_id,
        "conn_pending": conn_pending.public_id,
        "invite_group": invite_group.public_id,
        "post": post.public_id,
        "file": attachment.public_id,
        "consent": consent.public_id,
        "device": device.public_id,
        "notification": notification.pk,
        "report": report.public_id,
        "application": application.public_id,
        "pg_del": pg_del.public_id,
        "deletion_request": deletion_request.public_id,
        "tombstone": pg_gone.public_id,
        "pledge": pledge.public_id,
        "agreement": agreement.public_id,
        "form_manager": 1,
        "form_staff": 2,
        "staff_action": "appoint",
        "compliance_check": "facilities_without_admin",
        "guide_topic": TOPICS[0].slug,
        "reset_token": tokens.issue(nurse, TokenPurpose.PASSWORD_RESET, timedelta(hours=1)),
        "activation_token": tokens.issue(newcomer, TokenPurpose.ACTIVATION, timedelta(days=7)),
    }
    assert Affiliation.objects.filter(member=other_member, is_admin=False).exists()
    return World(region=region, actors=actors, keys=keys)
