"""了解 (R3.3②): every post can be acknowledged once by each member; requests are tracked."""

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.notifications.models import Notification, NotificationKind
from renkei.timeline.actions import acknowledge, delete_post, post_message
from renkei.timeline.models import Acknowledgement
from renkei.timeline.queries import ack_status, timeline_page
from tests.spaces.helpers import patient_group


@pytest.fixture
def space(region):
    return patient_group(region, region.nurse, region.pharmacist, region.care_manager)


@pytest.mark.rule("R3.3②")
def test_members_see_who_acknowledged_and_who_has_not_yet(region, space):
    post = post_message(region.doctor, space_id=space.pk, body="ワーファリン 2mg に変更")
    acknowledge(region.nurse, post_id=post.pk)
    status = ack_status(region.pharmacist, post)
    assert [m for m, _at in status.acknowledged] == [region.nurse]
    assert set(status.not_yet) == {region.pharmacist, region.care_manager}
    event = AuditEvent.objects.get(action=AuditAction.POST_ACKNOWLEDGED)
    assert event.actor_id == region.nurse.pk


@pytest.mark.rule("R3.3②")
def test_acknowledging_twice_is_refused_and_changes_nothing(region, space):
    post = post_message(region.doctor, space_id=space.pk, body="明日の訪問は10時")
    acknowledge(region.nurse, post_id=post.pk)
    with pytest.raises(DomainError):
        acknowledge(region.nurse, post_id=post.pk)
    assert Acknowledgement.objects.filter(post=post).count() == 1


@pytest.mark.rule("R3.3②")
def test_the_author_sees_who_is_still_outstanding_from_the_named_members(region, space):
    post = post_message(
        region.doctor,
        space_id=space.pk,
        body="処方変更の確認をお願いします",
        ack_from=[region.nurse.pk, region.pharmacist.pk],
    )
    assert post.ack_required
    assert Notification.objects.filter(
        member=region.pharmacist, post=post, kind=NotificationKind.ACK_REQUEST
    ).exists()
    acknowledge(region.pharmacist, post_id=post.pk)
    (view,) = timeline_page(region.doctor, space).posts
    assert view.outstanding_acks == [region.nurse]
    assert view.ack_count == 1
    assert (
        Notification.objects.get(
            member=region.pharmacist, post=post, kind=NotificationKind.ACK_REQUEST
        ).read_at
        is not None
    )


def test_acknowledgement_requests_only_name_members_of_the_space(region, space):
    with pytest.raises(ValidationFailed):
        post_message(
            region.doctor, space_id=space.pk, body="確認を", ack_from=[region.visiting_nurse.pk]
        )


def test_outsiders_and_deleted_posts_cannot_be_acknowledged(region, space):
    post = post_message(region.doctor, space_id=space.pk, body="確認")
    with pytest.raises(NotFound):
        acknowledge(region.visiting_nurse, post_id=post.pk)
    with pytest.raises(NotFound):
        ack_status(region.visiting_nurse, post)
    delete_post(region.doctor, post_id=post.pk)
    with pytest.raises(DomainError):
        acknowledge(region.nurse, post_id=post.pk)
