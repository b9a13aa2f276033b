"""Spaces for the API tests, made through the real actions: one of each kind, with the cast."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.test import Client

from renkei.accounts.models import Member
from renkei.spaces import actions
from renkei.spaces.models import Space
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post
from tests.support.approval import approve_pending
from tests.support.consent import record_consent
from tests.support.region import Region

JSON = "application/json"

PATIENT: dict[str, Any] = {
    "name": "朝霞 花子",
    "furigana": "あさか はなこ",
    "birth_date": "1938-05-12",
    "sex": "female",
    "address": "埼玉県朝霞市本町1-2-3",
    "phone": "048-123-4567",
    "key_person": "長男 朝霞 一郎",
    "care_level": "要介護3",
    "primary_doctor": "山田 一郎",
}


def patient_input(**overrides: object) -> actions.PatientInput:
    fields: dict[str, Any] = {**PATIENT, "birth_date": date(1938, 5, 12), **overrides}
    return actions.PatientInput(**fields)


def patient_group(region: Region, *members: Member) -> Space:
    """A patient group led by the clinic, made by its doctor, with ``members`` invited."""
    space = actions.create_patient_group(
        region.doctor, facility_id=region.clinic.pk, patient=patient_input()
    )
    record_consent(space, by=region.doctor)  # the patient signed form 4 (R3.2)
    if members:
        actions.invite_to_patient_group(
            region.doctor, space_id=space.pk, member_ids=[m.pk for m in members]
        )
        approve_pending(space)  # members of other facilities, approved by their facility (R2.10)
    return space


def group(creator: Member, *members: Member, name: str = "多職種連携の会") -> Space:
    space = actions.create_group(creator, name=name, member_ids=[m.pk for m in members])
    approve_pending(space)  # members of other facilities, approved by their facility (R2.10)
    return space


def connection(a: Member, b: Member) -> Space:
    space = actions.request_connection(a, member_id=b.pk)
    actions.accept_connection(b, space_id=space.pk)
    return space


def spaces_of_each_kind(region: Region) -> dict[str, Space]:
    """A patient group (doctor, nurse, pharmacist), a group (nurse, visiting nurse,
    pharmacist) and a connection (nurse and pharmacist): the nurse and the pharmacist are in
    all three; the clinic admin, the secretariat, the care manager and the helper in none."""
    return {
        "patient_group": patient_group(region, region.nurse, region.pharmacist),
        "group": group(region.nurse, region.visiting_nurse, region.pharmacist),
        "connection": connection(region.nurse, region.pharmacist),
    }


def post(member: Member, space: Space, body: str = "本日訪問しました。", **kw: Any) -> Post:
    return post_message(member, space_id=space.pk, body=body, **kw)


def new_client_id() -> str:
    return str(uuid.uuid4())


def send(client: Client, space: Space, body: str, **fields: Any):  # type: ignore[no-untyped-def]
    """POST a post as JSON; a fresh client id unless one is given."""
    payload = {"body": body, "client_id": fields.pop("client_id", new_client_id()), **fields}
    return client.post(f"/api/v1/spaces/{space.public_id}/posts", payload, content_type=JSON)
