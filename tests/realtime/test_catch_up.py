"""A client that reconnects asks for what it missed: exactly the posts after the last one it
saw, oldest first, none twice and none lost; a space it may not read answers not_found only."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from renkei.spaces.models import SpaceKind
from renkei.timeline import actions
from renkei.timeline.models import Post
from tests.realtime.live import connect, drain, make_space, of_type, until

pytestmark = pytest.mark.django_db(transaction=True)


def _post(member, space, body, **kwargs):  # type: ignore[no-untyped-def]
    return actions.post_message(member, space_id=space.pk, body=body, **kwargs)


@pytest.mark.parametrize("kind", [SpaceKind.PATIENT_GROUP, SpaceKind.GROUP, SpaceKind.CONNECTION])
async def test_reconnecting_gives_exactly_the_missed_posts(live_region, layer, kind):
    region = live_region
    author, reader = region.doctor, region.pharmacist
    space = await sync_to_async(make_space)(region, kind, author, reader)
    sid = str(space.public_id)
    ws = await connect(reader)
    first = await sync_to_async(_post)(author, space, "朝の様子")
    seen = [(await until(ws, "post"))["post"]["id"]]
    assert seen == [str(first.public_id)]
    await ws.disconnect()

    # While the reader is away: two posts, a reply to the post they saw, and one of their
    # own from another device.
    missed = [
        await sync_to_async(_post)(author, space, "昼の様子"),
        await sync_to_async(_post)(author, space, "返信", parent_id=first.pk),
        await sync_to_async(_post)(reader, space, "別の端末から"),
        await sync_to_async(_post)(author, space, "夕方の様子"),
    ]

    ws = await connect(reader)
    await ws.send_json_to({"type": "catch_up", "space": sid, "after": seen[-1]})
    received = await drain(ws)
    assert received[-1] == {"type": "caught_up", "space": sid}
    posts = received[:-1]
    assert all(m["type"] == "post" and m["event"] == "created" for m in posts)
    assert [m["post"]["id"] for m in posts] == [str(p.public_id) for p in missed]
    assert posts[1]["post"]["parent"] == str(first.public_id)
    seen += [m["post"]["id"] for m in posts]

    # Live again: the next post arrives once, and asking again from the newest gives nothing.
    latest = await sync_to_async(_post)(author, space, "夜の様子")
    seen.append((await until(ws, "post"))["post"]["id"])
    await ws.send_json_to({"type": "catch_up", "space": sid, "after": seen[-1]})
    assert of_type(await drain(ws), "post") == []

    every = await sync_to_async(
        lambda: [
            str(p) for p in Post.objects.filter(space=space).values_list("public_id", flat=True)
        ]
    )()
    assert sorted(seen) == sorted(every)
    assert len(seen) == len(set(seen))
    assert seen[-1] == str(latest.public_id)
    await ws.disconnect()


async def test_catching_up_from_nothing_gives_the_whole_timeline(live_region, layer):
    region = live_region
    space = await sync_to_async(make_space)(
        region, SpaceKind.GROUP, region.doctor, region.pharmacist
    )
    posts = [await sync_to_async(_post)(region.doctor, space, f"記録 {i}") for i in range(3)]
    ws = await connect(region.pharmacist)
    await ws.send_json_to({"type": "catch_up", "space": str(space.public_id), "after": None})
    received = await drain(ws)
    assert [m["post"]["id"] for m in of_type(received, "post")] == [str(p.public_id) for p in posts]
    assert received[-1]["type"] == "caught_up"
    await ws.disconnect()


async def test_catching_up_with_someone_elses_space_or_post_is_not_found(live_region, layer):
    region = live_region
    theirs = await sync_to_async(make_space)(
        region, SpaceKind.GROUP, region.doctor, region.pharmacist
    )
    mine = await sync_to_async(make_space)(
        region, SpaceKind.CONNECTION, region.nurse, region.pharmacist
    )
    their_post = await sync_to_async(_post)(region.doctor, theirs, "薬の変更")
    ws = await connect(region.nurse)
    not_found = [{"type": "error", "code": "not_found"}]
    for request in (
        {"space": str(theirs.public_id), "after": None},
        {"space": str(theirs.public_id), "after": str(their_post.public_id)},
        # A post of another space as the starting point of one's own space.
        {"space": str(mine.public_id), "after": str(their_post.public_id)},
        {"space": str(uuid.uuid4()), "after": None},
        {"space": str(mine.public_id), "after": str(uuid.uuid4())},
        {"space": "not-a-uuid", "after": None},
        {"space": 42, "after": None},
    ):
        await ws.send_json_to({"type": "catch_up", **request})
        assert await drain(ws) == not_found, request
    await ws.disconnect()
