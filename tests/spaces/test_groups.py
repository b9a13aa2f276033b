"""Groups (R2.6): any member creates one and adds or removes members of any profession."""

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.spaces import actions
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind
from renkei.spaces.queries import my_spaces
from tests.spaces.helpers import group
from tests.support.approval import approve_pending


def active_ids(space: Space) -> set[int]:
    return set(
        Membership.objects.filter(space=space, state=MembershipState.ACTIVE).values_list(
            "member_id", flat=True
        )
    )


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize(
    "creator", ["doctor", "nurse", "care_manager", "pharmacist", "shared_nurse"]
)
def test_any_member_creates_a_group_with_members_of_other_professions_and_facilities(
    region, creator
):
    actor = region.cast[creator]
    others = [
        m for m in (region.pharmacist, region.visiting_nurse, region.care_manager) if m != actor
    ]
    space = group(region, actor, *others)
    assert space.kind == SpaceKind.GROUP
    assert active_ids(space) == {actor.pk, *(m.pk for m in others)}
    assert Membership.objects.get(space=space, member=actor).is_admin
    created = AuditEvent.objects.get(action=AuditAction.SPACE_CREATED, object_id=space.public_id)
    assert created.actor_id == actor.pk
    # Colleagues are added at once; members of other facilities once their facility approves
    # (R2.10): each is audited as added or as waiting, then as approved.
    added = AuditEvent.objects.filter(action=AuditAction.SPACE_MEMBER_ADDED).count()
    waited = AuditEvent.objects.filter(action=AuditAction.INVITATION_PENDING).count()
    assert added + waited == len(others)
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_APPROVED).count() == waited


@pytest.mark.rule("R2.6")
def test_any_group_member_adds_and_removes_members_whatever_their_profession(region):
    space = group(region, region.doctor, region.pharmacist)
    actions.add_group_members(
        region.pharmacist, space_id=space.pk, member_ids=[region.visiting_nurse.pk]
    )
    approve_pending(space)  # the station approves its nurse (R2.10)
    assert region.visiting_nurse.pk in active_ids(space)
    actions.remove_member(region.visiting_nurse, space_id=space.pk, member_id=region.doctor.pk)
    assert active_ids(space) == {region.pharmacist.pk, region.visiting_nurse.pk}
    # The creator was the only admin: the role passed on, so the group still has one.
    assert Membership.objects.filter(space=space, is_admin=True, state="active").count() == 1


@pytest.mark.rule("R2.6")
def test_a_non_member_can_neither_add_nor_remove(region):
    space = group(region, region.doctor, region.pharmacist)
    with pytest.raises(NotFound):
        actions.add_group_members(region.nurse, space_id=space.pk, member_ids=[region.nurse.pk])
    with pytest.raises(NotFound):
        actions.remove_member(region.nurse, space_id=space.pk, member_id=region.pharmacist.pk)
    assert active_ids(space) == {region.doctor.pk, region.pharmacist.pk}


def test_members_outside_the_network_cannot_be_added(region):
    space = group(region, region.doctor)
    with pytest.raises(ValidationFailed) as refused:
        actions.add_group_members(region.doctor, space_id=space.pk, member_ids=[region.helper.pk])
    assert "members" in refused.value.errors
    assert active_ids(space) == {region.doctor.pk}


@pytest.mark.parametrize(
    ("name", "field"),
    [("", "name"), ("あ" * 101, "name"), ("<script>alert(1)</script>", "name")],
)
def test_bad_group_names_are_refused_and_nothing_is_made(region, name, field):
    before = Space.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_group(region.nurse, name=name)
    assert field in refused.value.errors
    assert Space.objects.count() == before


def test_the_last_member_cannot_leave_and_others_can(region):
    space = group(region, region.nurse, region.pharmacist)
    actions.leave_space(region.nurse, space_id=space.pk)
    assert not any(m.space_id == space.pk for m in my_spaces(region.nurse))
    with pytest.raises(DomainError):
        actions.leave_space(region.pharmacist, space_id=space.pk)


def test_a_removed_member_can_be_added_again_and_starts_with_nothing_unread(region):
    from renkei.timeline.actions import post_message

    space = group(region, region.doctor, region.nurse)
    actions.remove_member(region.doctor, space_id=space.pk, member_id=region.nurse.pk)
    post_message(region.doctor, space_id=space.pk, body="外れている間の投稿")
    actions.add_group_members(region.doctor, space_id=space.pk, member_ids=[region.nurse.pk])
    (row,) = [m for m in my_spaces(region.nurse) if m.space_id == space.pk]
    assert row.unread == 0


def test_renaming_is_for_members_and_audited(region):
    space = group(region, region.doctor, region.nurse)
    actions.rename_group(region.nurse, space_id=space.pk, name="褥瘡ケア検討会")
    space.refresh_from_db()
    assert space.name == "褥瘡ケア検討会"
    assert AuditEvent.objects.filter(action=AuditAction.SPACE_RENAMED).exists()
    with pytest.raises(NotFound):
        actions.rename_group(region.pharmacist, space_id=space.pk, name="x")
