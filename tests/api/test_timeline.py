"""The timeline through the API: posting, paging, catching up, replies, edits, deletion, 了解
(R3.3②) and read marks."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.spaces.models import Membership
from renkei.timeline.models import Acknowledgement, Post, PostVersion
from renkei.timeline.queries import post_view
from renkei.timeline.serializers import post_json
from tests.api.spaces_cast import (
    JSON,
    group,
    new_client_id,
    patient_group,
    post,
    send,
    spaces_of_each_kind,
)


def posts_path(space) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/spaces/{space.public_id}/posts"


def bodies(page: dict) -> list[str]:  # type: ignore[type-arg]
    return [p["body"] for p in page["posts"]]


@pytest.mark.parametrize("kind", ["patient_group", "group", "connection"])
def test_a_member_posts_and_another_reads_it(region, client_for, kind):
    space = spaces_of_each_kind(region)[kind]
    sent = send(client_for(region.nurse), space, "血圧 132/80、変わりありません。")
    assert sent.status_code == 201
    created = Post.objects.get()
    assert sent.json()["id"] == str(created.public_id)
    assert sent.json()["author"]["id"] == str(region.nurse.public_id)
    page = client_for(region.pharmacist).get(posts_path(space)).json()
    assert bodies(page) == ["血圧 132/80、変わりありません。"]
    assert page["posts"][0]["client_id"] is None  # only the author sees the client's id
    event = AuditEvent.objects.get(action=AuditAction.POST_CREATED)
    assert event.object_id == str(created.public_id)
    assert "血圧" not in str(event.detail)


def test_a_post_is_the_one_shape_of_post_json(region, client_for):
    space = group(region.nurse, region.pharmacist)
    made = post(region.nurse, space, "共有します", ack_from=[region.pharmacist.pk])
    expected = post_json(post_view(region.pharmacist, made), viewer=region.pharmacist)
    client = client_for(region.pharmacist)
    assert client.get(f"/api/v1/posts/{made.public_id}").json() == expected
    assert client.get(posts_path(space)).json()["posts"] == [expected]


def test_a_retried_send_never_makes_two_posts(region, client_for):
    space = group(region.nurse, region.pharmacist)
    client = client_for(region.nurse)
    client_id = new_client_id()
    first = send(client, space, "訪問時間を変更します。", client_id=client_id)
    again = send(client, space, "訪問時間を変更します。", client_id=client_id)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["client_id"] == client_id
    assert Post.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.POST_CREATED).count() == 1
    # Another member choosing the same id makes their own post.
    other = send(client_for(region.pharmacist), space, "了解です。", client_id=client_id)
    assert other.status_code == 201
    assert Post.objects.count() == 2


def test_a_client_id_is_not_reused_in_another_space(region, client_for):
    spaces = spaces_of_each_kind(region)
    client = client_for(region.nurse)
    client_id = new_client_id()
    assert send(client, spaces["group"], "一つ目", client_id=client_id).status_code == 201
    response = send(client, spaces["connection"], "二つ目", client_id=client_id)
    assert response.status_code == 422
    assert response.json()["errors"]["client_id"]
    assert Post.objects.count() == 1
    bad = send(client, spaces["group"], "三つ目", client_id="x")
    assert bad.status_code == 422
    assert Post.objects.count() == 1


def test_paging_stays_correct_while_new_posts_arrive(region, client_for):
    space = group(region.nurse, region.pharmacist)
    for n in range(7):
        post(region.nurse, space, f"投稿{n}")
    client = client_for(region.pharmacist)
    first = client.get(posts_path(space), {"limit": 3}).json()
    assert bodies(first) == ["投稿6", "投稿5", "投稿4"]
    # New posts arrive at the top between the pages; the next pages neither repeat nor skip.
    post(region.nurse, space, "新着1")
    post(region.nurse, space, "新着2")
    second = client.get(posts_path(space), {"limit": 3, "before": first["next_before"]}).json()
    assert bodies(second) == ["投稿3", "投稿2", "投稿1"]
    third = client.get(posts_path(space), {"limit": 3, "before": second["next_before"]}).json()
    assert bodies(third) == ["投稿0"]
    assert third["next_before"] is None
    assert first["member_count"] == 2
    # What arrived since the first page, oldest first.
    newest = first["posts"][0]["id"]
    caught_up = client.get(posts_path(space), {"after": newest}).json()
    assert bodies(caught_up) == ["新着1", "新着2"]
    assert caught_up["next_after"] is None


def test_catching_up_in_parts_includes_replies(region, client_for):
    space = group(region.nurse, region.pharmacist)
    start = post(region.nurse, space, "始まり")
    top = post(region.nurse, space, "相談です")
    post(region.pharmacist, space, "お答えします", parent_id=top.pk)
    post(region.nurse, space, "次の話題")
    client = client_for(region.pharmacist)
    part = client.get(posts_path(space), {"after": str(start.public_id), "limit": 2}).json()
    assert bodies(part) == ["相談です", "お答えします"]
    assert part["posts"][1]["parent"] == str(top.public_id)
    rest = client.get(posts_path(space), {"after": part["next_after"], "limit": 2}).json()
    assert bodies(rest) == ["次の話題"]
    assert rest["next_after"] is None
    both = client.get(
        posts_path(space), {"after": str(start.public_id), "before": str(top.public_id)}
    )
    assert both.status_code == 422
    assert both.json()["errors"] == {
        "after": ["before と after はどちらか一方だけを指定してください。"]
    }


def test_a_cursor_from_another_space_is_not_found(region, client_for):
    spaces = spaces_of_each_kind(region)
    elsewhere = post(region.nurse, spaces["connection"])
    response = client_for(region.nurse).get(
        posts_path(spaces["group"]), {"before": str(elsewhere.public_id)}
    )
    assert response.status_code == 404


def test_replies_form_a_thread_under_a_post(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    top = post(region.doctor, space, "処方を変更しました。")
    pharmacist = client_for(region.pharmacist)
    reply = send(pharmacist, space, "お薬の準備をします。", parent=str(top.public_id))
    assert reply.status_code == 201
    assert reply.json()["parent"] == str(top.public_id)
    page = pharmacist.get(posts_path(space)).json()
    assert bodies(page) == ["処方を変更しました。"]  # replies stay under their post
    assert page["posts"][0]["reply_count"] == 1
    thread = client_for(region.nurse).get(f"/api/v1/posts/{top.public_id}/replies").json()
    assert [r["body"] for r in thread] == ["お薬の準備をします。"]
    nested = send(pharmacist, space, "さらに返信", parent=reply.json()["id"])
    assert nested.status_code == 400
    assert Post.objects.count() == 2


def test_editing_keeps_the_earlier_text(region, client_for):
    space = group(region.nurse, region.pharmacist)
    made = post(region.nurse, space, "明日 10時に訪問します。")
    edited = client_for(region.nurse).patch(
        f"/api/v1/posts/{made.public_id}", {"body": "明日 11時に訪問します。"}, content_type=JSON
    )
    assert edited.status_code == 200
    assert edited.json()["body"] == "明日 11時に訪問します。"
    assert edited.json()["edited_at"] is not None
    versions = client_for(region.pharmacist).get(f"/api/v1/posts/{made.public_id}/versions")
    assert [v["body"] for v in versions.json()] == ["明日 10時に訪問します。"]
    assert AuditEvent.objects.filter(action=AuditAction.POST_EDITED).count() == 1


def test_deleting_leaves_a_trace(region, client_for):
    space = group(region.nurse, region.pharmacist)
    made = post(region.pharmacist, space, "誤って投稿しました。")
    # The nurse created the group: its admin may delete others' posts.
    deleted = client_for(region.nurse).delete(f"/api/v1/posts/{made.public_id}")
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    assert deleted.json()["body"] == ""
    page = client_for(region.pharmacist).get(posts_path(space)).json()
    assert page["posts"][0]["deleted"] is True
    assert page["posts"][0]["body"] == ""
    assert AuditEvent.objects.filter(action=AuditAction.POST_DELETED).count() == 1


@pytest.mark.rule("R3.3②")
def test_acknowledging_a_post_in_a_patient_group(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist, region.visiting_nurse)
    sent = send(
        client_for(region.doctor),
        space,
        "本日より降圧薬を変更。ご確認ください。",
        ack_from=[str(region.pharmacist.public_id), str(region.nurse.public_id)],
    )
    assert sent.status_code == 201
    body = sent.json()
    assert body["ack_required"] is True
    assert {m["id"] for m in body["outstanding_acks"]} == {
        str(region.pharmacist.public_id),
        str(region.nurse.public_id),
    }
    post_id = body["id"]
    acked = client_for(region.pharmacist).post(f"/api/v1/posts/{post_id}/ack")
    assert acked.status_code == 200
    assert acked.json()["acked_by_me"] is True
    assert acked.json()["ack_count"] == 1
    assert [m["id"] for m in acked.json()["outstanding_acks"]] == [str(region.nurse.public_id)]
    # The author sees who has acknowledged, who has not yet, and whom they asked.
    status = client_for(region.doctor).get(f"/api/v1/posts/{post_id}/acks").json()
    assert [a["member"]["id"] for a in status["acknowledged"]] == [str(region.pharmacist.public_id)]
    assert status["acknowledged"][0]["at"]
    assert {m["id"] for m in status["not_yet"]} == {
        str(region.nurse.public_id),
        str(region.visiting_nurse.public_id),
    }
    assert {m["id"] for m in status["requested"]} == {
        str(region.pharmacist.public_id),
        str(region.nurse.public_id),
    }
    event = AuditEvent.objects.get(action=AuditAction.POST_ACKNOWLEDGED)
    assert event.actor_id == region.pharmacist.pk


@pytest.mark.rule("R3.3②")
@pytest.mark.parametrize("kind", ["group", "connection"])
def test_every_post_can_be_acknowledged(region, client_for, kind):
    space = spaces_of_each_kind(region)[kind]
    made = post(region.nurse, space, "共有です")
    response = client_for(region.pharmacist).post(f"/api/v1/posts/{made.public_id}/ack")
    assert response.status_code == 200
    assert Acknowledgement.objects.filter(post=made, member=region.pharmacist).exists()


def test_reading_moves_the_mark_and_the_unread_count(region, client_for):
    space = group(region.nurse, region.pharmacist)
    posts = [post(region.nurse, space, f"連絡{n}") for n in range(3)]
    client = client_for(region.pharmacist)
    assert client.get(f"/api/v1/spaces/{space.public_id}").json()["unread"] == 3
    read = client.post(
        f"/api/v1/spaces/{space.public_id}/read",
        {"up_to": str(posts[1].public_id)},
        content_type=JSON,
    )
    assert read.status_code == 200
    assert read.json()["unread"] == 1
    assert client.get(posts_path(space)).json()["posts"][1]["read_count"] == 1
    # A mark never moves back.
    back = client.post(
        f"/api/v1/spaces/{space.public_id}/read",
        {"up_to": str(posts[0].public_id)},
        content_type=JSON,
    )
    assert back.json()["unread"] == 1
    mark = Membership.objects.get(space=space, member=region.pharmacist).last_read_post_id
    assert mark == posts[1].pk
    assert not PostVersion.objects.exists()
