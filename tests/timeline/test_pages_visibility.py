"""Visibility on the pages: for each kind of space, anyone who is not an active member gets
404 on the space, its posts, threads, versions and 了解 lists, and can change nothing."""

from __future__ import annotations

import pytest

from renkei.spaces import actions as space_actions
from renkei.timeline.actions import edit_post, post_message
from renkei.timeline.models import Acknowledgement, Post
from tests.spaces.helpers import connection, group, patient_group


def kinds(region):  # type: ignore[no-untyped-def]
    return {
        "patient_group": patient_group(region, region.nurse),
        "group": group(region, region.nurse, region.doctor),
        "connection": connection(region.nurse, region.doctor),
    }


def outsiders(region):  # type: ignore[no-untyped-def]
    return [region.pharmacist, region.visiting_nurse, region.care_manager, region.secretariat]


@pytest.mark.parametrize("kind", ["patient_group", "group", "connection"])
def test_outsiders_get_404_everywhere_and_change_nothing(region, client_for, kind):
    space = kinds(region)[kind]
    post = post_message(region.doctor, space_id=space.pk, body="秘密の内容")
    edit_post(region.doctor, post_id=post.pk, body="秘密の内容（訂正）")
    reply = post_message(region.nurse, space_id=space.pk, body="返信の内容", parent_id=post.pk)
    for outsider in outsiders(region):
        client = client_for(outsider)
        for url in (
            f"/spaces/{space.public_id}/",
            f"/spaces/{space.public_id}/?before={post.public_id}",
            f"/posts/{post.public_id}/",
            f"/posts/{reply.public_id}/",
            f"/posts/{post.public_id}/versions/",
            f"/posts/{post.public_id}/acks/",
            f"/posts/{post.public_id}/edit/",
            f"/posts/{post.public_id}/delete/",
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert "秘密の内容" not in response.content.decode()
        for url, data in (
            (f"/spaces/{space.public_id}/posts/", {"body": "侵入", "client_id": "b" * 32}),
            (f"/posts/{post.public_id}/replies/", {"body": "侵入", "client_id": "c" * 32}),
            (f"/posts/{post.public_id}/ack/", {}),
            (f"/posts/{post.public_id}/edit/", {"body": "侵入"}),
            (f"/posts/{post.public_id}/delete/", {}),
            (f"/spaces/{space.public_id}/read/", {"up_to": str(post.public_id)}),
        ):
            assert client.post(url, data).status_code == 404, url
            assert client.post(url, data, HTTP_ACCEPT="application/json").status_code == 404, url
    assert Post.objects.filter(space=space).count() == 2
    assert not Acknowledgement.objects.exists()
    post.refresh_from_db()
    assert post.body == "秘密の内容（訂正）"
    assert not post.is_deleted


def test_a_removed_member_loses_the_pages_at_once(region, client_for):
    space = group(region, region.nurse, region.pharmacist)
    post = post_message(region.nurse, space_id=space.pk, body="メンバー限定")
    pharmacist = client_for(region.pharmacist)
    assert pharmacist.get(f"/posts/{post.public_id}/").status_code == 200
    space_actions.remove_member(region.nurse, space_id=space.pk, member_id=region.pharmacist.pk)
    assert pharmacist.get(f"/spaces/{space.public_id}/").status_code == 404
    assert pharmacist.get(f"/posts/{post.public_id}/").status_code == 404
    assert pharmacist.get(f"/posts/{post.public_id}/acks/").status_code == 404


def test_a_post_of_another_space_is_no_cursor_and_no_read_mark(region, client_for):
    mine = group(region, region.nurse, region.pharmacist)
    theirs = group(region, region.doctor, region.nurse)
    other_post = post_message(region.doctor, space_id=theirs.pk, body="別のスペース")
    pharmacist = client_for(region.pharmacist)
    assert (
        pharmacist.get(f"/spaces/{mine.public_id}/?before={other_post.public_id}").status_code
        == 404
    )
    nurse = client_for(region.nurse)
    assert nurse.get(f"/spaces/{mine.public_id}/?before={other_post.public_id}").status_code == 404
    assert nurse.get(f"/spaces/{mine.public_id}/?before=nonsense").status_code == 404
    response = nurse.post(f"/spaces/{mine.public_id}/read/", {"up_to": str(other_post.public_id)})
    assert response.status_code == 404
