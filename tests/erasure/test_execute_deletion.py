"""R3.5: only the operator executes a deletion, never the person who recorded it; executing
twice or a withdrawn request is refused; members' live connections lose the space."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.erasure.actions import execute_deletion, withdraw_deletion_request
from renkei.erasure.models import RequestState, Tombstone
from renkei.errors import DomainError, NotFound, RuleViolation
from renkei.facilities.models import Affiliation
from renkei.spaces.models import Space, SpaceState
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post
from tests.erasure.helpers import record_request
from tests.spaces.helpers import patient_group

pytestmark = pytest.mark.rule("R3.5")


@pytest.fixture
def space(region):
    space = patient_group(region, region.nurse)
    post_message(region.nurse, space_id=space.pk, body="本日の様子です")
    return space


def _unchanged(space: Space) -> None:
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE
    assert Post.objects.filter(space=space).count() == 1
    assert not Tombstone.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PATIENT_GROUP_ERASED).exists()


@pytest.mark.parametrize(
    "who", ["doctor", "nurse", "clinic_admin", "pharmacist", "helper", "secretariat"]
)
def test_only_the_operator_executes(region, space, who):
    request = record_request(region.doctor, space)
    with pytest.raises(NotFound):
        execute_deletion(getattr(region, who), request_id=request.pk)
    _unchanged(space)


def test_the_recorder_cannot_execute_even_as_operator(region, space):
    # An operator who is also an admin of the lead facility records the request...
    Affiliation.objects.create(
        member=region.operator,
        facility=region.clinic,
        number=99,
        registered_on=region.clinic.pledge_date,
        is_admin=True,
    )
    request = record_request(region.operator, space)
    with pytest.raises(RuleViolation) as caught:
        execute_deletion(region.operator, request_id=request.pk)
    assert caught.value.rule == "R3.5"
    _unchanged(space)
    # ...and another operator executes it.
    region.secretariat.is_operator = True
    region.secretariat.save(update_fields=["is_operator"])
    tombstone = execute_deletion(region.secretariat, request_id=request.pk)
    assert tombstone.requested_by_name == region.operator.name
    assert tombstone.executed_by_name == region.secretariat.name


def test_executing_twice_is_refused(region, space):
    request = record_request(region.doctor, space)
    execute_deletion(region.operator, request_id=request.pk)
    with pytest.raises(DomainError):
        execute_deletion(region.operator, request_id=request.pk)
    assert Tombstone.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.PATIENT_GROUP_ERASED).count() == 1


def test_a_withdrawn_request_cannot_be_executed(region, space):
    request = record_request(region.doctor, space)
    withdraw_deletion_request(region.doctor, request_id=request.pk)
    with pytest.raises(DomainError):
        execute_deletion(region.operator, request_id=request.pk)
    request.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN
    _unchanged(space)


def test_members_live_connections_lose_the_space(
    region, space, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "renkei.realtime.publish.publish_now", lambda group, event: sent.append((group, event))
    )
    request = record_request(region.doctor, space)
    with django_capture_on_commit_callbacks(execute=True):
        execute_deletion(region.operator, request_id=request.pk)
    changed = {g for g, e in sent if e == {"type": "member.spaces_changed"}}
    assert changed == {f"member.{region.doctor.pk}", f"member.{region.nurse.pk}"}


def test_audit_rows_carry_ids_and_counts_only(region, space):
    request = record_request(region.doctor, space)
    execute_deletion(region.operator, request_id=request.pk)
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_GROUP_ERASED)
    assert event.detail["request"] == str(request.public_id)
    assert set(event.detail) == {"request", "counts"}
    assert all(isinstance(n, int) for n in event.detail["counts"].values())
    assert "朝霞" not in str(event.detail) + event.object_label
