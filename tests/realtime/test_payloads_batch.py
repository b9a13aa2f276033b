"""One event, many connections: the messages are read once for all the connections of a
process, and each connection's own access is still checked at delivery."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from renkei.accounts.models import UserSession
from renkei.notifications.queries import unread_count, unread_counts
from renkei.realtime.payloads import (
    Viewer,
    space_event_messages,
    space_event_messages_for,
    unread_notifications_for,
)
from renkei.spaces import actions as space_actions
from renkei.spaces.models import Membership, MembershipState
from renkei.timeline import actions
from tests.support.approval import approve_pending
from tests.support.region import Region, sign_in


def _group(region: Region):  # type: ignore[no-untyped-def]
    space = space_actions.create_group(
        region.doctor, name="退院調整", member_ids=[region.nurse.pk, region.pharmacist.pk]
    )
    approve_pending(space)
    return space


def _viewers(*members, tabs: int = 1) -> list[Viewer]:  # type: ignore[no-untyped-def]
    """Live connections: ``tabs`` signed-in sessions of each member."""
    return [
        Viewer(member=m, session_key=sign_in(Client(), m)) for m in members for _ in range(tabs)
    ]


def _created(space, post) -> dict:  # type: ignore[no-untyped-def]
    return {
        "type": "space.event",
        "space_id": space.pk,
        "event": "post.created",
        "post_id": post.pk,
    }


@pytest.mark.rule("R2.6")
@pytest.mark.rule("R1.2")
def test_each_connection_is_checked_and_the_removed_or_signed_out_get_nothing(region):
    space = _group(region)
    doctor, nurse, pharmacist = _viewers(region.doctor, region.nurse, region.pharmacist)
    post = actions.post_message(
        region.doctor, space_id=space.pk, body="明日の訪問は10時", client_id="tab-1-0001"
    )
    # The pharmacist is removed and the nurse's session ends, neither told (events in flight).
    Membership.objects.filter(space=space, member=region.pharmacist).update(
        state=MembershipState.REMOVED, ended_at=timezone.now()
    )
    signed_out = Viewer(member=region.nurse, session_key=sign_in(Client(), region.nurse))
    UserSession.objects.filter(session_key=signed_out.session_key).update(ended_at=timezone.now())

    viewers = [doctor, pharmacist, nurse, signed_out]
    batch = space_event_messages_for(viewers, _created(space, post))
    assert [len(messages) for messages in batch] == [1, 0, 1, 0]
    # Each allowed viewer gets what it would have got alone, its own marks included.
    assert batch == [space_event_messages(v, _created(space, post)) for v in viewers]
    # Only the author's connection is given the id their client chose.
    assert [m[0]["post"]["client_id"] for m in batch if m] == ["tab-1-0001", None]
    assert batch[2][0]["post"]["body"] == "明日の訪問は10時"


def test_the_cost_of_an_event_does_not_grow_with_its_audience(region):
    space = _group(region)
    few = _viewers(region.doctor, region.nurse)
    many = _viewers(region.doctor, region.nurse, region.pharmacist, tabs=10)
    post = actions.post_message(region.doctor, space_id=space.pk, body="薬の変更があります")
    counts = []
    for viewers in (few, many):
        with CaptureQueriesContext(connection) as queries:
            batch = space_event_messages_for(viewers, _created(space, post))
        assert all(len(messages) == 1 for messages in batch)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_acknowledgements_show_each_viewers_own_mark(region):
    space = _group(region)
    post = actions.post_message(
        region.doctor, space_id=space.pk, body="了解をお願いします", ack_from=[region.nurse.pk]
    )
    actions.acknowledge(region.nurse, post_id=post.pk)
    doctor, nurse = _viewers(region.doctor, region.nurse)
    batch = space_event_messages_for([doctor, nurse], _created(space, post))
    assert [m[0]["post"]["acked_by_me"] for m in batch] == [False, True]
    assert [m[0]["post"]["ack_count"] for m in batch] == [1, 1]


def test_a_post_of_another_space_is_sent_to_nobody(region):
    space = _group(region)
    other = space_actions.create_group(region.nurse, name="別の会話", member_ids=[])
    post = actions.post_message(region.nurse, space_id=other.pk, body="こちらは別")
    viewers = _viewers(region.doctor, region.nurse)
    forged = {**_created(space, post), "space_id": space.pk}
    assert space_event_messages_for(viewers, forged) == [[], []]


def test_badges_of_many_members_in_one_query_match_each_members_own(region):
    space = _group(region)
    actions.post_message(region.doctor, space_id=space.pk, body="訪問予定")
    actions.post_message(region.nurse, space_id=space.pk, body="@ph.ito 確認をお願いします")
    gone = actions.post_message(region.doctor, space_id=space.pk, body="消す投稿")
    actions.delete_post(region.doctor, post_id=gone.pk)
    space_actions.request_connection(region.doctor, member_id=region.care_manager.pk)
    members = [
        region.doctor,
        region.nurse,
        region.pharmacist,
        region.care_manager,
        region.helper,
    ]
    with CaptureQueriesContext(connection) as queries:
        counts = unread_counts([m.pk for m in members])
    assert len(queries) == 1
    assert counts == {m.pk: unread_count(m) for m in members}
    # The pharmacist was mentioned; the care manager has a connection request waiting.
    assert counts[region.pharmacist.pk] >= 1
    assert counts[region.care_manager.pk] == 1
    viewers = _viewers(region.pharmacist, region.care_manager)
    assert unread_notifications_for(viewers) == [
        unread_count(region.pharmacist),
        unread_count(region.care_manager),
    ]


@pytest.mark.rule("R1.2")
def test_the_tabs_of_one_member_share_one_message_and_a_closed_session_gets_none(
    region, monkeypatch
):
    import json

    from renkei.realtime import consumers, payloads

    space = _group(region)
    post = actions.post_message(region.doctor, space_id=space.pk, body="本日の訪問記録")
    tabs = _viewers(region.nurse, tabs=3)
    pharmacist = _viewers(region.pharmacist)
    UserSession.objects.filter(session_key=tabs[1].session_key).update(ended_at=timezone.now())
    built = []
    real = payloads.post_json
    monkeypatch.setattr(payloads, "post_json", lambda *a, **k: built.append(1) or real(*a, **k))
    viewers = [*tabs, *pharmacist]
    batch = space_event_messages_for(viewers, _created(space, post))
    assert [len(m) for m in batch] == [1, 0, 1, 1]
    assert batch[0] is batch[2]  # one build for the nurse's open tabs
    assert len(built) == 2  # the nurse and the pharmacist
    frames = consumers._encoded_space_event_messages(viewers, _created(space, post))
    assert frames == [[json.dumps(m) for m in messages] for messages in batch]
    assert frames[0] is frames[2]  # and one encoding
