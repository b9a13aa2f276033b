"""Patient groups (R2.6, R3.1, R3.4): created and joined through the lead facility."""

from datetime import date

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.spaces import actions
from renkei.spaces.models import Membership, PatientRecord, Space
from tests.spaces.helpers import patient, patient_group
from tests.support.approval import approve_pending


@pytest.mark.rule("R3.1")
@pytest.mark.parametrize("creator", ["doctor", "nurse", "care_manager", "shared_nurse"])
def test_a_member_of_the_lead_facility_creates_it_and_becomes_its_admin(region, creator):
    actor = region.cast[creator]
    space = actions.create_patient_group(actor, facility_id=region.clinic.pk, patient=patient())
    assert space.lead_facility_id == region.clinic.pk
    membership = Membership.objects.get(space=space, member=actor)
    assert membership.is_admin
    assert membership.via_facility_id == region.clinic.pk
    assert PatientRecord.objects.get(space=space).name == "朝霞 花子"


@pytest.mark.rule("R3.1")
@pytest.mark.parametrize("outsider", ["pharmacist", "visiting_nurse", "secretariat"])
def test_no_one_outside_the_facility_creates_one_for_it(region, outsider):
    with pytest.raises(NotFound):
        actions.create_patient_group(
            region.cast[outsider], facility_id=region.clinic.pk, patient=patient()
        )
    assert not Space.objects.exists()


@pytest.mark.rule("R3.1")
def test_the_lead_facility_invites_and_others_cannot(region):
    space = patient_group(region, region.pharmacist)
    with pytest.raises(DomainError) as refused:
        actions.invite_to_patient_group(
            region.pharmacist, space_id=space.pk, member_ids=[region.visiting_nurse.pk]
        )
    assert refused.value.rule == "R3.1"
    actions.invite_to_patient_group(
        region.doctor,
        space_id=space.pk,
        member_ids=[region.visiting_nurse.pk],
    )
    approve_pending(space)  # the station approves its nurse (R2.10)
    invited = Membership.objects.get(space=space, member=region.visiting_nurse)
    assert invited.is_active
    assert invited.via_facility_id == region.station.pk


def test_the_shared_nurse_reaches_it_through_the_lead_facility(region):
    space = patient_group(region, region.shared_nurse)
    assert Membership.objects.get(space=space, member=region.shared_nurse).via_facility_id == (
        region.clinic.pk
    )


@pytest.mark.rule("R3.4")
def test_the_last_patient_group_admin_cannot_leave(region):
    space = patient_group(region, region.nurse)
    with pytest.raises(DomainError) as refused:
        actions.leave_space(region.doctor, space_id=space.pk)
    assert refused.value.rule == "R3.4"
    assert Membership.objects.get(space=space, member=region.doctor).is_admin


def test_the_patient_record_is_kept_by_the_admin_and_audited_without_values(region):
    space = patient_group(region, region.nurse)
    actions.update_patient_record(
        region.doctor, space_id=space.pk, patient=patient(care_level="要介護4")
    )
    assert PatientRecord.objects.get(space=space).care_level == "要介護4"
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_RECORD_UPDATED)
    assert event.detail == {"fields": ["care_level"]}
    assert "要介護4" not in str(event.detail)
    with pytest.raises(DomainError):
        actions.update_patient_record(region.nurse, space_id=space.pk, patient=patient())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"furigana": "アサカ ハナコ"}, "furigana"),
        ({"birth_date": date(2999, 1, 1)}, "birth_date"),
        ({"birth_date": None}, "birth_date"),
        ({"sex": "x"}, "sex"),
        ({"phone": "０４８-１２３-４５６７"}, "phone"),
        ({"address": "<script>"}, "address"),
    ],
)
def test_bad_patient_data_is_refused_with_the_field_and_nothing_is_made(region, overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        actions.create_patient_group(
            region.doctor, facility_id=region.clinic.pk, patient=patient(**overrides)
        )
    assert field in refused.value.errors
    assert not Space.objects.exists()


def test_no_patient_name_in_the_audit_trail(region):
    patient_group(region, region.nurse, region.pharmacist)
    for event in AuditEvent.objects.all():
        text = f"{event.actor_label}{event.object_label}{event.detail}"
        assert "朝霞 花子" not in text
        assert "あさか はなこ" not in text
