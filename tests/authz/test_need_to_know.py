"""Need to know on live connections (R2.4, R3.1, R3.3①): admins who are not members of a space
(the lead facility's facility admin, who manages the patient group's membership; the
secretariat; the operator) receive nothing of its posts, replies, edits or 了解 live, even
right after they changed its membership, while its members do.

Pages, API and search are covered by the matrix (tests/authz/test_matrix.py: every read route
answers 404 to them; lists and search show them nothing; ``test_admins_see_no_post_anywhere``)
and by tests/api/test_spaces_visibility.py, tests/timeline/test_pages_visibility.py and
tests/search/test_search_posts.py::test_outsiders_with_power_find_nothing.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from renkei.spaces import actions as space_actions
from renkei.spaces.models import SpaceKind
from renkei.timeline import actions
from tests.realtime.live import assert_silent, connect, make_space, until
from tests.support.region import Region

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.rule("R2.4", "R3.1", "R3.3①"),
]


async def test_admins_who_are_not_members_receive_nothing_live(
    live_region: Region, layer: object
) -> None:
    region = live_region
    author, reader = region.doctor, region.nurse
    space = await sync_to_async(make_space)(region, SpaceKind.PATIENT_GROUP, author, reader)
    admins = {
        "facility admin of the lead facility": region.clinic_admin,
        "secretariat": region.secretariat,
        "operator": region.operator,
    }
    connections = {name: await connect(member) for name, member in admins.items()}
    reader_ws = await connect(reader)

    # The lead facility's admin manages the membership (R3.1) without becoming a member.
    await sync_to_async(space_actions.invite_to_patient_group)(
        region.clinic_admin, space_id=space.pk, member_ids=[region.care_manager.pk]
    )
    post = await sync_to_async(actions.post_message)(
        author, space_id=space.pk, body="血圧 150/90、内服を確認しました", ack_from=[reader.pk]
    )
    assert (await until(reader_ws, "post"))["post"]["id"] == str(post.public_id)
    await sync_to_async(actions.post_message)(
        reader, space_id=space.pk, body="承知しました", parent_id=post.pk
    )
    await sync_to_async(actions.edit_post)(author, post_id=post.pk, body="血圧 148/90 に訂正")
    await sync_to_async(actions.acknowledge)(reader, post_id=post.pk)
    await until(reader_ws, "post")

    for name, ws in connections.items():
        try:
            await assert_silent(ws)
        except AssertionError as exc:  # name the admin who heard something
            raise AssertionError(f"{name} received live events of a space: {exc}") from exc
    for ws in (*connections.values(), reader_ws):
        await ws.disconnect()
