"""Notifications through the API: the list, reading them, and the e-mail choices."""

from __future__ import annotations

from renkei.notifications.models import EmailPreference, Notification
from renkei.spaces.actions import leave_space
from tests.api.spaces_cast import JSON, group, patient_group, post

LIST = "/api/v1/notifications"


def test_the_list_says_what_happened_and_where(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    post(region.doctor, space, "処方変更のお知らせ", ack_from=[region.pharmacist.pk])
    body = client_for(region.pharmacist).get(LIST).json()
    kinds = [item["kind"] for item in body["items"]]
    assert kinds == ["ack_request", "added"]
    asked = body["items"][0]
    assert asked["read"] is False
    assert asked["actor"]["id"] == str(region.doctor.public_id)
    assert asked["space"]["id"] == str(space.public_id)
    assert asked["space"]["patient_name"] == "朝霞 花子"
    assert asked["post"] == str(
        Notification.objects.filter(post__isnull=False).first().post.public_id
    )
    assert "山田 一郎" in asked["text"]
    assert asked["kind_label"]
    assert body["unread"] == 2
    assert body["next_offset"] is None
    assert "処方変更" not in str(body)  # a notification names the post, never its content
    # Nobody sees another member's notifications.
    assert client_for(region.clinic_admin).get(LIST).json() == {
        "unread": 0,
        "items": [],
        "next_offset": None,
    }


def test_reading_one_space_or_all(region, client_for):
    first = group(region.nurse, region.pharmacist, name="一つ目")
    second = group(region.nurse, region.pharmacist, name="二つ目")
    post(region.nurse, first)
    post(region.nurse, second)
    client = client_for(region.pharmacist)
    assert client.get(LIST).json()["unread"] == 4  # added twice, new posts twice
    one = client.post(
        "/api/v1/notifications/read", {"space": str(first.public_id)}, content_type=JSON
    )
    assert one.status_code == 200
    assert one.json() == {"unread": 2}
    unread = client.get(LIST, {"unread": True}).json()["items"]
    assert {item["space"]["id"] for item in unread} == {str(second.public_id)}
    everything = client.post("/api/v1/notifications/read", {}, content_type=JSON)
    assert everything.json() == {"unread": 0}
    # The nurse's own notifications are untouched.
    assert Notification.objects.filter(member=region.nurse).count() == 0
    assert Notification.objects.filter(member=region.pharmacist, read_at__isnull=True).count() == 0


def test_marking_a_post_read_and_paging(region, client_for):
    space = group(region.nurse, region.pharmacist)
    asked = post(region.nurse, space, "ご確認を", ack_from=[region.pharmacist.pk])
    client = client_for(region.pharmacist)
    page = client.get(LIST, {"limit": 1}).json()
    assert len(page["items"]) == 1
    assert page["next_offset"] == 1
    done = client.post(
        "/api/v1/notifications/read", {"post": str(asked.public_id)}, content_type=JSON
    )
    assert done.json() == {"unread": 1}
    assert Notification.objects.get(post=asked, member=region.pharmacist).read_at is not None


def test_a_space_one_left_is_no_longer_notified(region, client_for):
    space = group(region.nurse, region.pharmacist)
    post(region.nurse, space)
    leave_space(region.pharmacist, space_id=space.pk)
    assert client_for(region.pharmacist).get(LIST).json()["items"] == []


def test_email_choices_per_kind_of_space(region, client_for):
    client = client_for(region.nurse)
    path = "/api/v1/notifications/settings"
    assert client.get(path).json() == {"patient_group": True, "group": True, "connection": True}
    changed = client.put(
        path, {"patient_group": True, "group": False, "connection": False}, content_type=JSON
    )
    assert changed.status_code == 200
    assert changed.json() == {"patient_group": True, "group": False, "connection": False}
    assert client.get(path).json() == changed.json()
    assert client_for(region.pharmacist).get(path).json()["group"] is True
    partial = client.put(path, {"group": True}, content_type=JSON)
    assert partial.status_code == 422
    assert EmailPreference.objects.get(member=region.nurse, space_kind="group").enabled is False
