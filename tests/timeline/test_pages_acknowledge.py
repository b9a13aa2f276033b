"""了解 on the pages (R3.3②): a clear button, pressed once; who acknowledged and who has not
yet; for the author, the members asked who are still outstanding."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.timeline.actions import acknowledge, post_message
from renkei.timeline.models import Acknowledgement
from tests.spaces.helpers import group, patient_group


def article(html: str, post) -> str:  # type: ignore[no-untyped-def]
    start = html.index(f'id="post-{post.public_id}"')
    return html[start : html.index("</article>", start)]


@pytest.mark.rule("R3.3②")
def test_the_acknowledge_button_is_pressed_once(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    post = post_message(region.doctor, space_id=space.pk, body="処方が変わりました。")
    pharmacist = client_for(region.pharmacist)
    before = article(pharmacist.get(f"/spaces/{space.public_id}/").content.decode(), post)
    assert f'action="/posts/{post.public_id}/ack/"' in before
    assert '<button type="submit" class="ack">了解</button>' in before
    assert "了解 0人" in before

    response = pharmacist.post(f"/posts/{post.public_id}/ack/")
    assert response["Location"] == f"/spaces/{space.public_id}/#post-{post.public_id}"
    after = article(pharmacist.get(f"/spaces/{space.public_id}/").content.decode(), post)
    assert '<button type="submit" class="ack" disabled>了解済み</button>' in after
    assert "了解 1人" in after
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.POST_ACKNOWLEDGED, actor_id=region.pharmacist.pk
        ).count()
        == 1
    )

    # Twice is refused with a message, with or without the page script; still one.
    response = pharmacist.post(f"/posts/{post.public_id}/ack/", follow=True)
    assert "この投稿にはすでに了解しています。" in response.content.decode()
    response = pharmacist.post(f"/posts/{post.public_id}/ack/", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "この投稿にはすでに了解しています。"
    assert Acknowledgement.objects.filter(post=post).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.POST_ACKNOWLEDGED).count() == 1


@pytest.mark.rule("R3.3②")
def test_the_page_script_acknowledges_and_gets_the_new_count(region, client_for):
    space = group(region, region.nurse, region.pharmacist, region.visiting_nurse)
    post = post_message(region.nurse, space_id=space.pk, body="勉強会の資料です。")
    acknowledge(region.visiting_nurse, post_id=post.pk)
    response = client_for(region.pharmacist).post(
        f"/posts/{post.public_id}/ack/", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201
    data = response.json()["post"]
    assert data["ack_count"] == 2
    assert data["acked_by_me"] is True


@pytest.mark.rule("R3.3②")
def test_who_acknowledged_and_who_not_yet(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist, region.visiting_nurse)
    post = post_message(region.doctor, space_id=space.pk, body="退院前カンファレンスの日程")
    acknowledge(region.pharmacist, post_id=post.pk)
    for viewer in (region.doctor, region.nurse, region.pharmacist):
        html = client_for(viewer).get(f"/posts/{post.public_id}/acks/").content.decode()
        acked = html[html.index("了解済み（") : html.index("まだの方（")]
        not_yet = html[html.index("まだの方（") :]
        assert "了解済み（1人）" in html
        assert "伊藤 健" in acked
        assert "まだの方（2人）" in html
        assert "佐藤 花子" in not_yet
        assert "加藤 由美" in not_yet
        assert "山田 一郎" not in not_yet  # the author is not asked to acknowledge
    # The count links to that list.
    page = client_for(region.nurse).get(f"/spaces/{space.public_id}/").content.decode()
    assert f'href="/posts/{post.public_id}/acks/">了解 1人' in page


@pytest.mark.rule("R3.3②")
def test_the_author_sees_who_is_still_outstanding(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist, region.visiting_nurse)
    nurse = client_for(region.nurse)
    nurse.post(
        f"/spaces/{space.public_id}/posts/",
        {
            "body": "褥瘡の処置方法を変更します。ご確認ください。",
            "client_id": "a" * 32,
            "ack_from": [str(region.pharmacist.public_id), str(region.visiting_nurse.public_id)],
        },
    )
    post = space.posts.get()
    mine = article(nurse.get(f"/spaces/{space.public_id}/").content.decode(), post)
    assert "了解の依頼" in mine
    assert "まだ了解していない方：" in mine
    assert "伊藤 健" in mine
    assert "加藤 由美" in mine

    client_for(region.pharmacist).post(f"/posts/{post.public_id}/ack/")
    mine = article(nurse.get(f"/spaces/{space.public_id}/").content.decode(), post)
    assert "伊藤 健" not in mine
    assert "加藤 由美" in mine
    acks = nurse.get(f"/posts/{post.public_id}/acks/").content.decode()
    outstanding = acks[acks.index("了解をお願いしていて、まだの方") : acks.index("了解済み（")]
    assert "加藤 由美" in outstanding
    assert "伊藤 健" not in outstanding

    client_for(region.visiting_nurse).post(f"/posts/{post.public_id}/ack/")
    mine = article(nurse.get(f"/spaces/{space.public_id}/").content.decode(), post)
    assert '<p class="outstanding" hidden>' in mine
    # Other members see the request, not the author's list of who is outstanding.
    theirs = article(
        client_for(region.pharmacist).get(f"/spaces/{space.public_id}/").content.decode(), post
    )
    assert "了解の依頼" in theirs
    assert "まだ了解していない方" not in theirs


def test_a_deleted_post_cannot_be_acknowledged(region, client_for):
    space = patient_group(region, region.nurse)
    post = post_message(region.doctor, space_id=space.pk, body="取り消し")
    client_for(region.doctor).post(f"/posts/{post.public_id}/delete/")
    nurse = client_for(region.nurse)
    assert (
        f"/posts/{post.public_id}/ack/"
        not in nurse.get(f"/spaces/{space.public_id}/").content.decode()
    )
    response = nurse.post(f"/posts/{post.public_id}/ack/", follow=True)
    assert "この投稿は削除されました" in response.content.decode()
    assert not Acknowledgement.objects.exists()
