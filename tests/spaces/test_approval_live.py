"""R2.10 live: a member waiting for their facility's approval hears nothing of the space; once
approved their list changes and its events reach them; once their facility takes them out (or
they leave the facility) their live connection loses the space at once."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from renkei.facilities import actions as facility_actions
from renkei.spaces import actions as space_actions
from renkei.timeline import actions
from tests.realtime.live import assert_silent, connect, drain, of_type, until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.rule("R2.10")
async def test_waiting_hears_nothing_approved_hears_removed_stops(live_region, layer):
    region = live_region
    space = await sync_to_async(space_actions.create_group)(
        region.nurse, name="服薬調整", member_ids=[region.pharmacist.pk]
    )
    waiting_ws = await connect(region.pharmacist)
    await sync_to_async(actions.post_message)(region.nurse, space_id=space.pk, body="相談です")
    await assert_silent(waiting_ws)

    await sync_to_async(space_actions.approve_invitation)(
        region.pharmacist,
        facility_id=region.pharmacy.pk,
        space_id=space.pk,
        member_id=region.pharmacist.pk,
    )
    assert of_type(await drain(waiting_ws), "spaces") == [{"type": "spaces"}]
    post = await sync_to_async(actions.post_message)(region.nurse, space_id=space.pk, body="続き")
    assert (await until(waiting_ws, "post"))["post"]["id"] == str(post.public_id)

    await sync_to_async(space_actions.remove_staff_from_space)(
        region.pharmacist,
        facility_id=region.pharmacy.pk,
        space_id=space.pk,
        member_id=region.pharmacist.pk,
    )
    assert of_type(await drain(waiting_ws), "spaces") == [{"type": "spaces"}]
    await sync_to_async(actions.post_message)(region.nurse, space_id=space.pk, body="その後")
    await assert_silent(waiting_ws)
    await waiting_ws.disconnect()


@pytest.mark.rule("R2.10")
async def test_leaving_the_facility_loses_its_spaces_live(live_region, layer):
    region = live_region
    space = await sync_to_async(space_actions.create_group)(
        region.nurse, name="訪問調整", member_ids=[region.shared_nurse.pk]
    )
    staying_ws = await connect(region.nurse)
    await sync_to_async(facility_actions.deregister_staff)(
        region.clinic_admin, facility_id=region.clinic.pk, member_id=region.shared_nurse.pk
    )
    assert await until(staying_ws, "members") == {
        "type": "members",
        "space": str(space.public_id),
    }
    await staying_ws.disconnect()
