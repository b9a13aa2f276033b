"""Small builders for space tests: a patient and a group made through the real actions."""

from __future__ import annotations

from datetime import date

from renkei.accounts.models import Member
from renkei.spaces import actions
from renkei.spaces.models import Space
from tests.support.approval import approve_pending
from tests.support.consent import record_consent
from tests.support.region import Region


def patient(**overrides: object) -> actions.PatientInput:
    fields: dict[str, object] = {
        "name": "朝霞 花子",
        "furigana": "あさか はなこ",
        "birth_date": date(1938, 5, 12),
        "sex": "female",
        "address": "埼玉県朝霞市本町1-2-3",
        "phone": "048-123-4567",
        "key_person": "長男 朝霞 一郎",
        "care_level": "要介護3",
        "primary_doctor": "山田 一郎",
    }
    fields.update(overrides)
    return actions.PatientInput(**fields)  # type: ignore[arg-type]


def patient_group(region: Region, *members: Member, consent: bool = True) -> Space:
    """A patient group led by the clinic, created by its doctor, with ``members`` invited and,
    unless ``consent`` is False, the patient's signed consent recorded (R3.2) so it accepts
    posts."""
    space = actions.create_patient_group(
        region.doctor, facility_id=region.clinic.pk, patient=patient()
    )
    if consent:
        record_consent(space, by=region.doctor)
    if members:
        actions.invite_to_patient_group(
            region.doctor, space_id=space.pk, member_ids=[m.pk for m in members]
        )
        approve_pending(space)  # members of other facilities, approved by their facility (R2.10)
    return space


def group(region: Region, creator: Member, *members: Member, name: str = "多職種連携の会") -> Space:
    space = actions.create_group(creator, name=name, member_ids=[m.pk for m in members])
    approve_pending(space)  # members of other facilities, approved by their facility (R2.10)
    return space


def connection(a: Member, b: Member) -> Space:
    space = actions.request_connection(a, member_id=b.pk)
    actions.accept_connection(b, space_id=space.pk)
    return space
