"""A live connection follows the member's spaces: it starts hearing a space when the member
joins and stops at once when they are removed. Access is checked again at delivery, so a
member removed (or signed out) between the publish and the delivery of an event gets nothing.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from renkei.accounts.models import UserSession
from renkei.spaces import actions as space_actions
from renkei.spaces.models import Membership, MembershipState, SpaceKind
from renkei.timeline import actions
from tests.realtime.live import assert_silent, connect, drain, make_space, of_type, until
from tests.support.approval import approve_pending
from tests.support.region import Region

pytestmark = pytest.mark.django_db(transaction=True)


def _group_of_three(region: Region):  # type: ignore[no-untyped-def]
    space = space_actions.create_group(
        region.doctor, name="退院調整", member_ids=[region.nurse.pk, region.pharmacist.pk]
    )
    approve_pending(space)  # the pharmacist, approved by the pharmacy (R2.10)
    return space


@pytest.mark.rule("R2.6")
async def test_a_member_removed_from_a_group_stops_receiving_at_once(live_region, layer):
    region = live_region
    space = await sync_to_async(_group_of_three)(region)
    removed_ws = await connect(region.pharmacist)
    staying_ws = await connect(region.nurse)

    await sync_to_async(space_actions.remove_member)(
        region.doctor, space_id=space.pk, member_id=region.pharmacist.pk
    )
    # The removed member's list of spaces changed; the space's own events no longer reach them.
    assert of_type(await drain(removed_ws), "spaces") == [{"type": "spaces"}]
    assert await until(staying_ws, "members") == {"type": "members", "space": str(space.public_id)}

    post = await sync_to_async(actions.post_message)(region.doctor, space_id=space.pk, body="次回")
    assert (await until(staying_ws, "post"))["post"]["id"] == str(post.public_id)
    await assert_silent(removed_ws)
    await removed_ws.disconnect()
    await staying_ws.disconnect()


@pytest.mark.parametrize("kind", [SpaceKind.PATIENT_GROUP, SpaceKind.GROUP, SpaceKind.CONNECTION])
async def test_an_event_published_before_the_removal_is_not_delivered_after_it(
    live_region, layer, kind
):
    """The membership ends without the connection being told (as when the event is still on
    its way); the connection, still subscribed, must check again and send nothing."""
    region = live_region
    space = await sync_to_async(make_space)(region, kind, region.doctor, region.pharmacist)
    ws = await connect(region.pharmacist)
    author_ws = await connect(region.doctor)
    await sync_to_async(Membership.objects.filter(space=space, member=region.pharmacist).update)(
        state=MembershipState.REMOVED, ended_at=timezone.now()
    )

    post = await sync_to_async(actions.post_message)(region.doctor, space_id=space.pk, body="検査")
    await sync_to_async(actions.mark_read)(region.doctor, space_id=space.pk, up_to_post_id=post.pk)
    await sync_to_async(actions.edit_post)(region.doctor, post_id=post.pk, body="検査結果")
    assert (await until(author_ws, "post"))["event"] == "created"
    assert (await until(author_ws, "post"))["event"] == "updated"
    await assert_silent(ws)
    await ws.disconnect()
    await author_ws.disconnect()


@pytest.mark.rule("R1.2")
async def test_an_ended_session_hears_nothing_even_before_it_is_closed(live_region, layer):
    region = live_region
    space = await sync_to_async(make_space)(
        region, SpaceKind.GROUP, region.doctor, region.pharmacist
    )
    ws = await connect(region.pharmacist)
    # The session ends in the database; the event that closes the connection is not sent.
    await sync_to_async(UserSession.objects.filter(member=region.pharmacist).update)(
        ended_at=timezone.now()
    )
    await sync_to_async(actions.post_message)(region.doctor, space_id=space.pk, body="夜間の連絡")
    assert of_type(await drain(ws), "post") == []
    await ws.disconnect()


async def test_a_member_added_to_a_space_starts_receiving_its_events(live_region, layer):
    region = live_region
    nurse_ws = await connect(region.nurse)
    space = await sync_to_async(space_actions.create_group)(
        region.doctor, name="褥瘡ケア", member_ids=[region.nurse.pk]
    )
    assert of_type(await drain(nurse_ws), "spaces") == [{"type": "spaces"}]

    post = await sync_to_async(actions.post_message)(region.doctor, space_id=space.pk, body="写真")
    message = await until(nurse_ws, "post")
    assert message["space"] == str(space.public_id)
    assert message["post"]["id"] == str(post.public_id)
    await nurse_ws.disconnect()


async def test_a_connection_request_is_heard_only_once_accepted(live_region, layer):
    region = live_region
    asked_ws = await connect(region.pharmacist)
    space = await sync_to_async(space_actions.request_connection)(
        region.doctor, member_id=region.pharmacist.pk
    )
    assert of_type(await drain(asked_ws), "spaces") == [{"type": "spaces"}]
    # Invited, not yet a member: a post in the connection (by the requester) is not theirs.
    await sync_to_async(actions.post_message)(region.doctor, space_id=space.pk, body="はじめまして")
    assert of_type(await drain(asked_ws), "post") == []

    await sync_to_async(space_actions.accept_connection)(region.pharmacist, space_id=space.pk)
    assert of_type(await drain(asked_ws), "spaces") == [{"type": "spaces"}]
    await sync_to_async(actions.post_message)(region.doctor, space_id=space.pk, body="よろしく")
    assert (await until(asked_ws, "post"))["post"]["body"] == "よろしく"
    await asked_ws.disconnect()


@pytest.mark.rule("R2.6")
async def test_many_tabs_receive_a_post_once_each_and_a_removed_member_none(live_region, layer):
    """The connections of one process that hear the same event are answered together: every
    tab of every member gets the post exactly once, and the check per connection still holds."""
    region = live_region
    space = await sync_to_async(_group_of_three)(region)
    nurse_tabs = [await connect(region.nurse) for _ in range(4)]
    pharmacist_tabs = [await connect(region.pharmacist) for _ in range(4)]
    # Removed without telling its connections: the event reaches them and must be refused.
    await sync_to_async(Membership.objects.filter(space=space, member=region.pharmacist).update)(
        state=MembershipState.REMOVED, ended_at=timezone.now()
    )
    post = await sync_to_async(actions.post_message)(region.doctor, space_id=space.pk, body="共有")
    for ws in nurse_tabs:
        heard = of_type(await drain(ws), "post")
        assert [m["post"]["id"] for m in heard] == [str(post.public_id)]
    for ws in pharmacist_tabs:
        assert of_type(await drain(ws), "post") == []
    for ws in nurse_tabs + pharmacist_tabs:
        await ws.disconnect()
