"""The in-app list: newest first, what happened and who did it, read one or all, the unread
count for the badge; rows of spaces the member can no longer read are never shown."""

from __future__ import annotations

from unittest import mock

import pytest

from renkei.errors import NotFound
from renkei.notifications import actions
from renkei.notifications.models import Notification, NotificationKind
from renkei.notifications.queries import my_notifications, unread_count
from renkei.spaces import actions as space_actions
from renkei.spaces.models import Space, SpaceState
from renkei.timeline.actions import delete_post, mark_read, post_message
from tests.spaces.helpers import group, patient_group


def kinds(member):
    return [n.kind for n in my_notifications(member)]


def test_each_kind_of_event_reaches_the_list(region):
    space = patient_group(region, region.nurse, region.pharmacist)  # ADDED for both
    first = post_message(
        region.doctor,
        space_id=space.pk,
        body="@ns.sato 夜間の連絡先を確認してください",
        ack_from=[region.pharmacist.pk],
    )
    post_message(region.nurse, space_id=space.pk, body="確認しました", parent_id=first.pk)
    space_actions.request_connection(region.visiting_nurse, member_id=region.nurse.pk)
    assert kinds(region.nurse) == [
        NotificationKind.CONNECTION_REQUEST,
        NotificationKind.MENTION,
        NotificationKind.ADDED,
    ]
    assert kinds(region.pharmacist) == [
        NotificationKind.ACTIVITY,
        NotificationKind.ACK_REQUEST,
        NotificationKind.ADDED,
    ]
    assert kinds(region.doctor) == [NotificationKind.REPLY]
    assert unread_count(region.nurse) == 3


def test_the_page_says_what_happened_with_actor_and_link(region, client_for):
    space = group(region, region.care_manager, region.nurse, name="退院調整チーム")
    post_message(region.care_manager, space_id=space.pk, body="@ns.sato 明日の件")
    html = client_for(region.nurse).get("/notifications/").content.decode()
    assert "鈴木 次郎さんが退院調整チームであなたをメンションしました" in html.replace(" ", " ")
    assert "鈴木 次郎さんがあなたを退院調整チームに追加しました" in html
    row = my_notifications(region.nurse).first()
    assert f"/notifications/{row.pk}/" in html


def test_opening_a_notification_reads_it_and_leads_to_the_post(region, client_for):
    space = group(region, region.care_manager, region.nurse)
    made = post_message(region.care_manager, space_id=space.pk, body="@ns.sato 確認お願いします")
    row = my_notifications(region.nurse).filter(kind=NotificationKind.MENTION).get()
    response = client_for(region.nurse).get(f"/notifications/{row.pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#post-{made.public_id}")
    assert str(space.public_id) in response["Location"]
    row.refresh_from_db()
    assert row.read_at is not None


def test_mark_one_and_all_read(region, client_for):
    space = group(region, region.care_manager, region.nurse, region.doctor)
    post_message(region.care_manager, space_id=space.pk, body="@ns.sato 一件目")
    client = client_for(region.nurse)
    assert unread_count(region.nurse) == 2  # added, mentioned
    one = my_notifications(region.nurse).first()
    assert client.post(f"/notifications/{one.pk}/read/").status_code == 302
    assert unread_count(region.nurse) == 1
    assert client.post("/notifications/read/").status_code == 302
    assert unread_count(region.nurse) == 0
    assert unread_count(region.doctor) == 2  # another member's rows are untouched


def test_nobody_reads_or_marks_another_members_notification(region, client_for):
    space = group(region, region.care_manager, region.nurse)
    post_message(region.care_manager, space_id=space.pk, body="@ns.sato 確認")
    row = my_notifications(region.nurse).first()
    for other in (region.doctor, region.clinic_admin, region.secretariat, region.care_manager):
        client = client_for(other)
        assert client.get(f"/notifications/{row.pk}/").status_code == 404
        assert client.post(f"/notifications/{row.pk}/read/").status_code == 404
        with pytest.raises(NotFound):
            actions.mark_notification_read(other, notification_id=row.pk)
    row.refresh_from_db()
    assert row.read_at is None


def test_rows_of_spaces_no_longer_readable_are_not_shown(region):
    space = patient_group(region, region.pharmacist)
    post_message(region.doctor, space_id=space.pk, body="処方内容の変更があります")
    assert unread_count(region.pharmacist) == 2
    space_actions.remove_member(region.doctor, space_id=space.pk, member_id=region.pharmacist.pk)
    assert list(my_notifications(region.pharmacist)) == []
    assert unread_count(region.pharmacist) == 0
    assert Notification.objects.filter(member=region.pharmacist).count() == 2  # kept, unseen


def test_rows_of_a_deleted_space_or_post_are_not_shown(region):
    space = group(region, region.care_manager, region.nurse)
    made = post_message(region.care_manager, space_id=space.pk, body="@ns.sato 消える投稿")
    assert unread_count(region.nurse) == 2
    delete_post(region.care_manager, post_id=made.pk)
    assert kinds(region.nurse) == [NotificationKind.ADDED]
    Space.objects.filter(pk=space.pk).update(state=SpaceState.DELETED)
    assert unread_count(region.nurse) == 0


def test_reading_the_space_reads_its_new_posts_row(region):
    space = group(region, region.care_manager, region.nurse)
    actions.mark_all_notifications_read(region.nurse)
    made = post_message(region.care_manager, space_id=space.pk, body="新しい投稿")
    post_message(region.care_manager, space_id=space.pk, body="もう一つ")
    assert kinds(region.nurse) == [NotificationKind.ACTIVITY, NotificationKind.ADDED]
    assert unread_count(region.nurse) == 1  # one row per space, however many posts
    mark_read(region.nurse, space_id=space.pk, up_to_post_id=made.pk + 1)
    assert unread_count(region.nurse) == 0


def test_marking_read_tells_the_live_badge(region, django_capture_on_commit_callbacks):
    group(region, region.care_manager, region.nurse)
    with (
        mock.patch("renkei.realtime.publish.publish_now") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        actions.mark_all_notifications_read(region.nurse)
    publish.assert_called_once_with(f"member.{region.nurse.pk}", {"type": "member.notified"})
    with (
        mock.patch("renkei.realtime.publish.publish_now") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert actions.mark_all_notifications_read(region.nurse) == 0
    publish.assert_not_called()


def test_the_list_is_newest_first_and_paged(region, client_for):
    space = group(region, region.care_manager, region.nurse)
    for i in range(35):
        post_message(region.care_manager, space_id=space.pk, body=f"@ns.sato 連絡 {i}")
    rows = list(my_notifications(region.nurse))
    assert [r.pk for r in rows] == sorted((r.pk for r in rows), reverse=True)
    client = client_for(region.nurse)
    first = client.get("/notifications/").content.decode()
    assert first.count('class="card notification') == 30
    second = client.get("/notifications/?page=2").content.decode()
    assert second.count('class="card notification') == 6
