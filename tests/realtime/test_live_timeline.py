"""Live timeline: in every kind of space, members see posts, replies, edits, deletions, 了解 and
read counts as they happen; a non-member of the space receives nothing of it (R2.6).

The connections go through the whole ASGI application (origin check, session cookie,
consumer); the changes are made through the real actions, which publish after commit.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from renkei.notifications.models import Notification
from renkei.spaces.models import SpaceKind
from renkei.timeline import actions
from renkei.timeline.models import Post
from tests.realtime.live import assert_silent, connect, drain, make_space, of_type, until

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = [SpaceKind.PATIENT_GROUP, SpaceKind.GROUP, SpaceKind.CONNECTION]


def _unread(member) -> int:  # type: ignore[no-untyped-def]
    return Notification.objects.filter(member=member, read_at__isnull=True).count()


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("kind", KINDS)
async def test_members_see_posts_acks_and_reads_live_and_outsiders_nothing(
    live_region, layer, kind
):
    region = live_region
    author, reader, outsider = region.doctor, region.pharmacist, region.nurse
    space = await sync_to_async(make_space)(region, kind, author, reader)
    author_ws = await connect(author)
    reader_ws = await connect(reader)
    outsider_ws = await connect(outsider)
    sid = str(space.public_id)

    post = await sync_to_async(actions.post_message)(
        author, space_id=space.pk, body="夕方に訪問します", client_id="client-0001"
    )
    received = await drain(reader_ws)
    for message, viewer in (
        (of_type(received, "post")[0], reader),
        (await until(author_ws, "post"), author),
    ):
        assert message["event"] == "created"
        assert message["space"] == sid
        assert message["post"]["id"] == str(post.public_id)
        assert message["post"]["body"] == "夕方に訪問します"
        assert message["post"]["parent"] is None
        assert message["post"]["author"]["id"] == str(author.public_id)
        # The client id is shown to its author only.
        assert message["post"]["client_id"] == ("client-0001" if viewer == author else None)
    assert len(of_type(received, "post")) == 1
    # The reader is told of their new notification, with their count of unread ones.
    unread = await sync_to_async(_unread)(reader)
    assert of_type(received, "notification") == [{"type": "notification", "unread": unread}]

    reply = await sync_to_async(actions.post_message)(
        reader, space_id=space.pk, body="承知しました", parent_id=post.pk
    )
    message = await until(author_ws, "post")
    assert message["post"]["id"] == str(reply.public_id)
    assert message["post"]["parent"] == str(post.public_id)

    await sync_to_async(actions.acknowledge)(reader, post_id=post.pk)
    for ws in (author_ws, reader_ws):
        ack = await until(ws, "ack")
        assert ack == {
            "type": "ack",
            "space": sid,
            "post": str(post.public_id),
            "member": ack["member"],
            "ack_count": 1,
            "outstanding_acks": [],
        }
        assert ack["member"]["id"] == str(reader.public_id)

    # Posting marked the author's own post read; reading on to the reply gains the reply one
    # reader (the author's own post never counts its author).
    await sync_to_async(actions.mark_read)(author, space_id=space.pk, up_to_post_id=reply.pk)
    for ws in (author_ws, reader_ws):
        read = await until(ws, "read")
        assert read == {"type": "read", "space": sid, "posts": [str(reply.public_id)]}

    await sync_to_async(actions.edit_post)(author, post_id=post.pk, body="18時に訪問します")
    updated = await until(reader_ws, "post")
    assert (updated["event"], updated["post"]["body"]) == ("updated", "18時に訪問します")
    assert updated["post"]["edited_at"] is not None

    await sync_to_async(actions.delete_post)(author, post_id=post.pk)
    deleted = await until(reader_ws, "post")
    assert deleted["event"] == "deleted"
    assert deleted["post"]["deleted"] is True
    assert deleted["post"]["body"] == ""

    # Nothing of all this reached the member who is not in the space.
    await assert_silent(outsider_ws)
    for ws in (author_ws, reader_ws, outsider_ws):
        await ws.disconnect()


async def test_read_event_names_each_post_that_gained_a_reader(live_region, layer):
    region = live_region
    author, reader = region.doctor, region.pharmacist
    space = await sync_to_async(make_space)(region, SpaceKind.GROUP, author, reader)
    posts = [
        await sync_to_async(actions.post_message)(author, space_id=space.pk, body=f"連絡 {i}")
        for i in range(3)
    ]
    own = await sync_to_async(actions.post_message)(reader, space_id=space.pk, body="自分の投稿")
    later = await sync_to_async(actions.post_message)(author, space_id=space.pk, body="追加")
    author_ws = await connect(author)

    await sync_to_async(actions.mark_read)(reader, space_id=space.pk, up_to_post_id=later.pk)
    read = await until(author_ws, "read")
    # The reader had read everything up to their own post when they wrote it: only the post
    # after it gains a reader; the reader's own post never counts them.
    assert read["posts"] == [str(later.public_id)]
    assert str(own.public_id) not in read["posts"]
    assert all(str(p.public_id) not in read["posts"] for p in posts)
    await author_ws.disconnect()


async def test_a_retried_post_makes_one_post_and_one_live_event(live_region, layer):
    region = live_region
    author, reader = region.doctor, region.pharmacist
    space = await sync_to_async(make_space)(region, SpaceKind.GROUP, author, reader)
    reader_ws = await connect(reader)

    first = await sync_to_async(actions.post_message)(
        author, space_id=space.pk, body="血圧 132/80", client_id="retry-0001"
    )
    again = await sync_to_async(actions.post_message)(
        author, space_id=space.pk, body="血圧 132/80", client_id="retry-0001"
    )

    assert again.pk == first.pk
    assert await sync_to_async(Post.objects.filter(space=space).count)() == 1
    posts = of_type(await drain(reader_ws), "post")
    assert [m["post"]["id"] for m in posts] == [str(first.public_id)]
    await reader_ws.disconnect()


async def test_mentioned_member_gets_their_unread_count(live_region, layer):
    region = live_region
    author, reader = region.doctor, region.pharmacist
    space = await sync_to_async(make_space)(region, SpaceKind.GROUP, author, reader)
    reader_ws = await connect(reader)
    # Being added to the group was one notification already.
    await sync_to_async(actions.post_message)(
        author, space_id=space.pk, body=f"@{reader.login_id} 処方の確認をお願いします"
    )
    counts = of_type(await drain(reader_ws), "notification")
    assert counts == [{"type": "notification", "unread": 2}]
    await reader_ws.disconnect()
