"""Posting, replying, editing and deleting from the space page, without JavaScript (form posts
and redirects to the post's anchor) and as the page script does it (JSON)."""

from __future__ import annotations

import uuid

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.timeline.actions import delete_post, edit_post, post_message
from renkei.timeline.models import AckRequest, Post
from tests.spaces.helpers import connection, group, patient_group


def spaces(region):  # type: ignore[no-untyped-def]
    """One space of each kind with the nurse and a member of another facility in it."""
    return {
        "patient_group": patient_group(region, region.nurse, region.pharmacist),
        "group": group(region, region.pharmacist, region.nurse),
        "connection": connection(region.pharmacist, region.nurse),
    }


def client_id() -> str:
    return uuid.uuid4().hex


@pytest.mark.parametrize("kind", ["patient_group", "group", "connection"])
def test_a_post_without_javascript_lands_at_its_anchor_once(region, client_for, kind):
    space = spaces(region)[kind]
    nurse = client_for(region.nurse)
    page = nurse.get(f"/spaces/{space.public_id}/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="client_id"' in page
    cid = client_id()
    body = "本日15時に訪問しました。\n血圧 128/76、食欲あり。"
    response = nurse.post(f"/spaces/{space.public_id}/posts/", {"body": body, "client_id": cid})
    post = Post.objects.get(space=space)
    assert response.status_code == 302
    assert response["Location"] == f"/spaces/{space.public_id}/#post-{post.public_id}"
    # The same form sent again (double click, retry) finds the post it made.
    again = nurse.post(f"/spaces/{space.public_id}/posts/", {"body": body, "client_id": cid})
    assert again["Location"] == response["Location"]
    assert Post.objects.filter(space=space).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.POST_CREATED).count() == 1

    seen = client_for(region.pharmacist).get(f"/spaces/{space.public_id}/").content.decode()
    assert f'id="post-{post.public_id}"' in seen
    assert "血圧 128/76" in seen
    assert "佐藤 花子" in seen
    assert "看護師" in seen
    # Each rendering of the form has its own client id.
    ids = {
        nurse.get(f"/spaces/{space.public_id}/")
        .content.decode()
        .split('name="client_id" value="')[1][:32]
        for _ in range(2)
    }
    assert len(ids) == 2


def test_the_page_script_posts_and_gets_the_post_json(region, client_for):
    space = spaces(region)["patient_group"]
    nurse = client_for(region.nurse)
    cid = client_id()
    fields = {
        "body": "@ph.ito 残薬の確認をお願いします。",
        "client_id": cid,
        "ack_from": [str(region.pharmacist.public_id)],
    }
    response = nurse.post(
        f"/spaces/{space.public_id}/posts/", fields, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201
    data = response.json()["post"]
    assert data["body"] == "@ph.ito 残薬の確認をお願いします。"
    assert data["client_id"] == cid
    assert data["ack_required"] is True
    assert data["outstanding_acks"][0]["name"] == "伊藤 健"
    retry = nurse.post(f"/spaces/{space.public_id}/posts/", fields, HTTP_ACCEPT="application/json")
    assert retry.json()["post"]["id"] == data["id"]
    assert Post.objects.count() == 1
    assert AckRequest.objects.get().member == region.pharmacist


def test_the_mention_helper_lists_the_members_login_ids(region, client_for):
    space = spaces(region)["group"]
    page = client_for(region.nurse).get(f"/spaces/{space.public_id}/").content.decode()
    assert "@ログインIDでメンション" in page
    assert "<code>@ph.ito</code>" in page
    assert "了解をお願いする相手" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "投稿する内容を入力してください。"),
        ("   \n ", "投稿する内容を入力してください。"),
        ("あ" * 20001, "投稿は20000文字までです（この投稿は20001文字あります）。"),
    ],
)
def test_an_empty_or_oversized_post_is_refused_and_kept_for_correction(
    region, client_for, body, message
):
    space = spaces(region)["patient_group"]
    nurse = client_for(region.nurse)
    cid = client_id()
    response = nurse.post(f"/spaces/{space.public_id}/posts/", {"body": body, "client_id": cid})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'value="{cid}"' in html  # a corrected send keeps its id
    assert not Post.objects.exists()
    response = nurse.post(
        f"/spaces/{space.public_id}/posts/",
        {"body": body, "client_id": cid},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"] == message
    assert not Post.objects.exists()


def test_asking_an_outsider_for_acknowledgement_is_refused(region, client_for):
    space = spaces(region)["group"]
    response = client_for(region.nurse).post(
        f"/spaces/{space.public_id}/posts/",
        {"body": "確認を", "client_id": client_id(), "ack_from": [str(region.doctor.public_id)]},
    )
    assert response.status_code == 422
    assert "了解をお願いできるのは、このスペースのメンバーだけです。" in response.content.decode()
    assert not Post.objects.exists()


def test_replies_are_shown_in_the_thread_under_the_post(region, client_for):
    space = spaces(region)["patient_group"]
    post = post_message(region.doctor, space_id=space.pk, body="明日の訪問時間を調整します。")
    pharmacist = client_for(region.pharmacist)
    response = pharmacist.post(
        f"/posts/{post.public_id}/replies/",
        {"body": "午後なら伺えます。", "client_id": client_id()},
    )
    reply = Post.objects.get(parent=post)
    assert response["Location"] == f"/posts/{post.public_id}/#post-{reply.public_id}"
    timeline = pharmacist.get(f"/spaces/{space.public_id}/").content.decode()
    assert "返信 1件" in timeline
    assert "午後なら伺えます。" not in timeline  # replies live in the thread
    thread = pharmacist.get(f"/posts/{post.public_id}/").content.decode()
    assert thread.index("明日の訪問時間を調整します。") < thread.index("午後なら伺えます。")
    assert f'action="/posts/{post.public_id}/replies/"' in thread
    # A reply's own address opens its thread.
    response = pharmacist.get(f"/posts/{reply.public_id}/")
    assert response["Location"] == f"/posts/{post.public_id}/#post-{reply.public_id}"


def test_a_deleted_post_cannot_be_replied_to(region, client_for):
    space = spaces(region)["patient_group"]
    post = post_message(region.doctor, space_id=space.pk, body="誤って投稿")
    delete_post(region.doctor, post_id=post.pk)
    pharmacist = client_for(region.pharmacist)
    thread = pharmacist.get(f"/posts/{post.public_id}/").content.decode()
    assert "この投稿は削除されました" in thread
    assert "誤って投稿" not in thread
    response = pharmacist.post(
        f"/posts/{post.public_id}/replies/", {"body": "返信", "client_id": client_id()}
    )
    assert response.status_code == 422
    assert "この投稿は削除されたため、返信できません。" in response.content.decode()
    assert not Post.objects.filter(parent=post).exists()


def test_the_author_edits_and_members_see_the_earlier_text(region, client_for):
    space = spaces(region)["patient_group"]
    post = post_message(region.nurse, space_id=space.pk, body="体温 37.8度")
    nurse = client_for(region.nurse)
    form = nurse.get(f"/posts/{post.public_id}/edit/").content.decode()
    assert "体温 37.8度" in form
    response = nurse.post(f"/posts/{post.public_id}/edit/", {"body": "体温 36.8度（訂正）"})
    assert response["Location"] == f"/spaces/{space.public_id}/#post-{post.public_id}"
    page = client_for(region.pharmacist).get(f"/spaces/{space.public_id}/").content.decode()
    assert "体温 36.8度（訂正）" in page
    assert "編集済み" in page
    assert f'href="/posts/{post.public_id}/versions/">編集済み' in page
    versions = client_for(region.pharmacist).get(f"/posts/{post.public_id}/versions/")
    assert "体温 37.8度" in versions.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.POST_EDITED).count() == 1


def test_editing_someone_elses_post_or_emptying_it_changes_nothing(region, client_for):
    space = spaces(region)["patient_group"]
    post = post_message(region.nurse, space_id=space.pk, body="原文")
    pharmacist = client_for(region.pharmacist)
    page = pharmacist.get(f"/spaces/{space.public_id}/").content.decode()
    assert f"/posts/{post.public_id}/edit/" not in page
    response = pharmacist.post(f"/posts/{post.public_id}/edit/", {"body": "改ざん"}, follow=True)
    assert "投稿を編集できるのは投稿者本人だけです" in response.content.decode()
    response = client_for(region.nurse).post(f"/posts/{post.public_id}/edit/", {"body": ""})
    assert response.status_code == 422
    assert "投稿する内容を入力してください。" in response.content.decode()
    post.refresh_from_db()
    assert post.body == "原文"
    assert post.edited_at is None


@pytest.mark.parametrize("deleter", ["nurse", "doctor"])  # the author, the patient group admin
def test_the_author_or_a_space_admin_deletes_after_confirming(region, client_for, deleter):
    space = spaces(region)["patient_group"]
    post = post_message(region.nurse, space_id=space.pk, body="削除される投稿")
    edit_post(region.nurse, post_id=post.pk, body="削除される投稿（訂正）")
    client = client_for(region.cast[deleter])
    confirm = client.get(f"/posts/{post.public_id}/delete/").content.decode()
    assert "この投稿を削除しますか？" in confirm
    response = client.post(f"/posts/{post.public_id}/delete/")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_deleted
    page = client_for(region.pharmacist).get(f"/spaces/{space.public_id}/").content.decode()
    assert "この投稿は削除されました" in page
    assert "削除される投稿" not in page
    assert 'class="post-edited" hidden' in page  # its earlier versions went with it
    assert AuditEvent.objects.filter(
        action=AuditAction.POST_DELETED, actor_id=region.cast[deleter].pk
    ).exists()


def test_another_member_cannot_delete(region, client_for):
    space = spaces(region)["patient_group"]
    post = post_message(region.nurse, space_id=space.pk, body="残る投稿")
    pharmacist = client_for(region.pharmacist)
    assert (
        f"/posts/{post.public_id}/delete/"
        not in pharmacist.get(f"/spaces/{space.public_id}/").content.decode()
    )
    response = pharmacist.post(f"/posts/{post.public_id}/delete/", follow=True)
    assert (
        "投稿を削除できるのは、投稿者本人かスペースの管理者だけです。" in response.content.decode()
    )
    post.refresh_from_db()
    assert not post.is_deleted
    assert post.body == "残る投稿"
