"""Audit rows carry ids, never a patient's details or what was written (R3.3, R2.3; issue 6
item 10): canary strings planted in a patient's name, furigana, address, birth date and key
person, in posts, replies, edits, file names, group names, consent and deletion details are run
through every audited flow the cast can reach, through the actions and the pages and API;
then every column of every audit row, the detail JSON included, is searched for them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from renkei.attachments.actions import open_attachment
from renkei.attachments.models import Attachment
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.consents import actions as consent_actions
from renkei.erasure import actions as erasure_actions
from renkei.erasure.queries import access_tombstone
from renkei.spaces import actions as space_actions
from renkei.timeline.actions import delete_post, edit_post, post_message
from renkei.timeline.models import Post
from tests.api.fuzz.canaries import canary, plant
from tests.spaces.helpers import patient
from tests.support.approval import approve_pending
from tests.support.consent import signed_form

JSON = "application/json"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Encrypted files of the planted spaces go to this test's own store."""
    settings.DATA_DIR = tmp_path


def _audit_rows_text() -> list[str]:
    """Every audit row, every column, as text (JSON columns as stored)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent ORDER BY id")
        rows = cursor.fetchall()
    return [" | ".join(_readable(v) for v in row) for row in rows]


def _readable(value: object) -> str:
    """A column as text; JSON also decoded, since SQLite keeps it with \\u escapes."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    text = str(value)
    if text[:1] in "{[":
        try:
            return text + " " + json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text


@pytest.mark.rule("R3.3①")
@pytest.mark.rule("R2.3")
def test_no_audit_row_holds_patient_details_or_content(region, client_for):
    planted = plant(region)
    strings = dict(planted.strings)
    space, group, conn = planted.patient_group, planted.group, planted.connection
    pharmacist, visiting_nurse = region.pharmacist, region.visiting_nurse

    # Edits, deletions, renames and a changed patient record, through the actions.
    for tag in ("EDIT", "DELETED", "RENAMED", "NEWADDR", "WITHDRAW", "DELNOTE", "REL", "Q"):
        strings[tag] = canary(tag)
    first = Post.objects.filter(space=space, parent__isnull=True).order_by("id").first()
    assert first is not None
    edit_post(pharmacist, post_id=first.pk, body=f"訂正 {strings['EDIT']}")
    doomed = post_message(visiting_nurse, space_id=space.pk, body=f"誤投稿 {strings['DELETED']}")
    delete_post(visiting_nurse, post_id=doomed.pk)
    space_actions.rename_group(pharmacist, space_id=group.pk, name=f"会 {strings['RENAMED']}")
    space_actions.update_patient_record(
        pharmacist,
        space_id=space.pk,
        patient=patient(
            name=f"秘匿 {strings['NAME']}",
            furigana=strings["FURIGANA"],
            birth_date=timezone.datetime.fromisoformat(strings["BORN"]).date(),
            address=f"埼玉県朝霞市 {strings['NEWADDR']}",
        ),
    )

    # A connection post with something like a phone number, sent after the warning.
    post_message(
        pharmacist,
        space_id=conn.pk,
        body=f"電話 048-999-1234 {strings['CPOST']}",
        confirm=True,
    )

    # Files opened in the app and downloaded.
    for attachment in Attachment.objects.filter(post__space=space):
        open_attachment(visiting_nurse, public_id=attachment.public_id)
        open_attachment(visiting_nurse, public_id=attachment.public_id, download=True)

    # Invitations from another facility, approved by the invitee's facility.
    space_actions.invite_to_patient_group(
        pharmacist, space_id=space.pk, member_ids=[region.shared_nurse.pk]
    )
    space_actions.add_group_members(pharmacist, space_id=group.pk, member_ids=[region.nurse.pk])
    approve_pending(space)
    approve_pending(group)

    # Consent: the signed form opened, withdrawn with a note, signed again by a proxy.
    consent_actions.open_consent_document(
        pharmacist, space_public_id=space.public_id, consent_public_id=None
    )
    consent_actions.withdraw_consent(
        pharmacist,
        space_public_id=space.public_id,
        withdrawn_on=timezone.localdate(),
        note=f"撤回 {strings['WITHDRAW']}",
    )
    consent_actions.record_consent(
        pharmacist,
        space_public_id=space.public_id,
        consent=consent_actions.ConsentInput(
            consented_on=timezone.localdate(),
            signer="proxy",
            signer_name=f"代筆 {strings['SIGNER']}",
            signer_relationship="長女",
        ),
        document=signed_form(f"{strings['SIGNER']}-2.pdf"),
    )

    # Pages and API: search for the canaries, read the spaces and posts, post through the API.
    client = client_for(pharmacist)
    for value in (strings["POST"], strings["NAME"], strings["Q"]):
        assert client.get("/api/v1/search", {"q": value}).status_code == 200
        assert client.get("/search/", {"q": value}).status_code == 200
    assert client.get(f"/api/v1/spaces/{space.public_id}/posts").status_code == 200
    sent = client.post(
        f"/api/v1/spaces/{group.public_id}/posts",
        {"body": f"API {strings['GPOST']}", "client_id": "canary-1"},
        content_type=JSON,
    )
    assert sent.status_code in (200, 201), sent.content

    # Complete deletion: requested by the patient group admin, executed by the operator.
    request = erasure_actions.request_deletion(
        pharmacist,
        space_id=space.pk,
        requester="family",
        relationship=f"長女 {strings['REL']}"[:20],
        asked_on=timezone.localdate() - timedelta(days=1),
        channel="phone",
        channel_note=f"電話にて {strings['DELNOTE']}",
    )
    tombstone = erasure_actions.execute_deletion(region.operator, request_id=request.pk)
    erasure_actions.issue_certificate(
        region.operator, tombstone=access_tombstone(region.operator, tombstone.space_public_id)
    )

    # Every flow above left its audit event.
    seen = set(AuditEvent.objects.values_list("action", flat=True))
    for action in (
        AuditAction.SPACE_CREATED,
        AuditAction.POST_CREATED,
        AuditAction.POST_EDITED,
        AuditAction.POST_DELETED,
        AuditAction.POST_ACKNOWLEDGED,
        AuditAction.ATTACHMENT_VIEWED,
        AuditAction.ATTACHMENT_DOWNLOADED,
        AuditAction.PATIENT_RECORD_UPDATED,
        AuditAction.CONSENT_RECORDED,
        AuditAction.CONSENT_WITHDRAWN,
        AuditAction.DELETION_REQUESTED,
        AuditAction.PATIENT_GROUP_ERASED,
    ):
        assert action in seen, action.label

    rows = _audit_rows_text()
    assert len(rows) > 20
    found = [(tag, row[:200]) for row in rows for tag, value in strings.items() if value in row]
    assert not found, found
