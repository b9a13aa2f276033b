"""Connections (R2.6): one-to-one, asked by one member and accepted or declined by the other."""

import pytest

from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.notifications.models import Notification, NotificationKind
from renkei.spaces import actions
from renkei.spaces.models import Membership, MembershipState, Space
from renkei.timeline.actions import post_message


@pytest.mark.rule("R2.6")
def test_a_request_accepted_opens_one_to_one_messages(region):
    space = actions.request_connection(region.nurse, member_id=region.pharmacist.pk)
    assert Notification.objects.filter(
        member=region.pharmacist, space=space, kind=NotificationKind.CONNECTION_REQUEST
    ).exists()
    # Before the answer, the one asked cannot write yet.
    with pytest.raises(NotFound):
        post_message(region.pharmacist, space_id=space.pk, body="よろしくお願いします")
    actions.accept_connection(region.pharmacist, space_id=space.pk)
    post_message(region.pharmacist, space_id=space.pk, body="よろしくお願いします")
    states = dict(Membership.objects.filter(space=space).values_list("member_id", "state"))
    assert states == {region.nurse.pk: "active", region.pharmacist.pk: "active"}
    # A third member sees nothing of it.
    with pytest.raises(NotFound):
        post_message(region.doctor, space_id=space.pk, body="x")


@pytest.mark.rule("R2.6")
def test_a_declined_request_can_be_asked_again_and_only_the_asked_may_answer(region):
    space = actions.request_connection(region.nurse, member_id=region.pharmacist.pk)
    with pytest.raises(DomainError):
        actions.accept_connection(region.nurse, space_id=space.pk)
    with pytest.raises(NotFound):
        actions.accept_connection(region.doctor, space_id=space.pk)
    actions.decline_connection(region.pharmacist, space_id=space.pk)
    assert Membership.objects.get(space=space, member=region.pharmacist).state == (
        MembershipState.DECLINED
    )
    again = actions.request_connection(region.nurse, member_id=region.pharmacist.pk)
    assert again.pk == space.pk
    assert Membership.objects.get(space=space, member=region.pharmacist).state == (
        MembershipState.INVITED
    )


def test_one_connection_per_pair_and_asking_back_accepts(region):
    space = actions.request_connection(region.nurse, member_id=region.pharmacist.pk)
    with pytest.raises(DomainError):
        actions.request_connection(region.nurse, member_id=region.pharmacist.pk)
    back = actions.request_connection(region.pharmacist, member_id=region.nurse.pk)
    assert back.pk == space.pk
    assert Space.objects.filter(kind="connection").count() == 1
    assert Membership.objects.get(space=space, member=region.pharmacist).is_active


def test_no_connection_with_oneself_or_outside_the_network(region):
    with pytest.raises(ValidationFailed):
        actions.request_connection(region.nurse, member_id=region.nurse.pk)
    with pytest.raises(ValidationFailed):
        actions.request_connection(region.nurse, member_id=region.helper.pk)
    assert not Space.objects.exists()


def test_a_connection_cannot_be_left(region):
    space = actions.request_connection(region.nurse, member_id=region.pharmacist.pk)
    actions.accept_connection(region.pharmacist, space_id=space.pk)
    with pytest.raises(DomainError):
        actions.leave_space(region.nurse, space_id=space.pk)
