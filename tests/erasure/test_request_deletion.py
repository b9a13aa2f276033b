"""R3.5: a patient group admin or a lead facility admin records a deletion request (who asked,
when, how); one open request per group; it can be withdrawn; operators are told by mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.erasure.actions import request_deletion, withdraw_deletion_request
from renkei.erasure.models import DeletionRequest, RequestState
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.spaces.models import Membership
from tests.erasure.helpers import record_request
from tests.spaces.helpers import patient_group

pytestmark = pytest.mark.rule("R3.5")


@pytest.fixture
def space(region):
    return patient_group(region, region.nurse, region.care_manager)


def test_patient_group_admin_records_a_request(region, space, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = record_request(region.doctor, space)
    assert request.state == RequestState.OPEN
    assert request.requester == "family"
    assert request.relationship == "長男"
    assert request.recorded_by == region.doctor
    event = AuditEvent.objects.get(action=AuditAction.DELETION_REQUESTED)
    assert event.object_id == str(space.public_id)
    assert event.detail == {"request": str(request.public_id)}
    # The operator hears of it by mail: a link to the queue, nothing about the patient.
    assert [m.to for m in mail.outbox] == [[region.operator.email]]
    body = mail.outbox[0].body
    assert "/erasure/queue/" in body
    assert "朝霞 花子" not in body
    assert str(space.public_id) not in body


def test_lead_facility_admin_who_is_not_a_member_records_a_request(region, space):
    assert not Membership.objects.filter(space=space, member=region.clinic_admin).exists()
    request = record_request(region.clinic_admin, space, requester="patient", relationship="")
    assert request.recorded_by == region.clinic_admin
    assert request.relationship == ""


@pytest.mark.parametrize(
    "who", ["nurse", "care_manager", "pharmacist", "helper", "secretariat", "operator"]
)
def test_others_cannot_request(region, space, who):
    with pytest.raises(NotFound):
        record_request(getattr(region, who), space)
    assert not DeletionRequest.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DELETION_REQUESTED).exists()


def test_one_open_request_per_group(region, space):
    record_request(region.doctor, space)
    with pytest.raises(DomainError):
        record_request(region.clinic_admin, space)
    assert DeletionRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"requester": "neighbour"}, "requester"),
        ({"requester": "family", "relationship": ""}, "relationship"),
        ({"relationship": "あ" * 21}, "relationship"),
        ({"asked_on": None}, "asked_on"),
        ({"asked_on": timezone.localdate() + timedelta(days=1)}, "asked_on"),
        ({"channel": "fax"}, "channel"),
        ({"channel": "other", "channel_note": ""}, "channel_note"),
    ],
)
def test_bad_input_changes_nothing(region, space, fields, field):
    with pytest.raises(ValidationFailed) as caught:
        record_request(region.doctor, space, **fields)
    assert field in caught.value.errors
    assert not DeletionRequest.objects.exists()


def test_withdrawn_request_frees_the_group_for_a_new_one(region, space):
    request = record_request(region.doctor, space)
    with pytest.raises(NotFound):
        withdraw_deletion_request(region.nurse, request_id=request.pk)
    withdrawn = withdraw_deletion_request(region.clinic_admin, request_id=request.pk)
    assert withdrawn.state == RequestState.WITHDRAWN
    assert withdrawn.withdrawn_by == region.clinic_admin
    assert AuditEvent.objects.filter(action=AuditAction.DELETION_REQUEST_WITHDRAWN).count() == 1
    with pytest.raises(DomainError):
        withdraw_deletion_request(region.doctor, request_id=request.pk)
    again = request_deletion(
        region.doctor,
        space_id=space.pk,
        requester="patient",
        asked_on=timezone.localdate(),
        channel="in_person",
    )
    assert again.state == RequestState.OPEN
