"""A timeline page is answered without validating every post again (renkei/api/endpoints/
timeline.py): it must still be exactly the schema's shape, and each post in it exactly what the
post answers when read on its own, through the validated path."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.test.utils import override_settings

from renkei.api.schemas import PostOut, TimelineOut
from renkei.timeline.actions import delete_post, edit_post, post_message
from tests.api.spaces_cast import group, patient_group, send
from tests.attachments import samples


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _varied_space(region):  # type: ignore[no-untyped-def]
    space = patient_group(region, region.nurse, region.pharmacist)
    nurse = region.nurse
    plain = post_message(nurse, space_id=space.pk, body="訪問しました", client_id=str(uuid.uuid4()))
    post_message(region.pharmacist, space_id=space.pk, body="了解です", parent_id=plain.pk)
    post_message(
        region.doctor,
        space_id=space.pk,
        body="処方を変更しました",
        ack_from=[region.pharmacist.pk, region.nurse.pk],
    )
    edited = post_message(nurse, space_id=space.pk, body="体温37.2度")
    edit_post(nurse, post_id=edited.pk, body="体温37.4度")
    gone = post_message(nurse, space_id=space.pk, body="誤投稿")
    delete_post(nurse, post_id=gone.pk)
    return space


def _with_a_file(client, space) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        f"/api/v1/spaces/{space.public_id}/posts",
        {
            "client_id": str(uuid.uuid4()),
            "body": "記録です",
            "files": [samples.upload("訪問記録.pdf", samples.pdf())],
        },
    )
    assert answer.status_code == 201, answer.content


@pytest.mark.rule("R3.3②")
@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_page_is_the_schema_and_each_post_as_read_alone(region, client_for, language):
    space = _varied_space(region)
    client = client_for(region.nurse)
    _with_a_file(client, space)
    with override_settings(LANGUAGE_CODE=language):
        page = client.get(
            f"/api/v1/spaces/{space.public_id}/posts?limit=3", HTTP_ACCEPT_LANGUAGE=language
        )
        assert page.status_code == 200
        assert page["Content-Type"].startswith("application/json")
        body = page.json()
        assert TimelineOut.model_validate(body).model_dump(mode="json") == body
        assert len(body["posts"]) == 3
        assert body["next_before"]
        older = client.get(
            f"/api/v1/spaces/{space.public_id}/posts?before={body['next_before']}",
            HTTP_ACCEPT_LANGUAGE=language,
        ).json()
        posts = body["posts"] + older["posts"]
        assert any(p["deleted"] for p in posts)
        assert any(p["attachments"] for p in posts)
        assert any(p["outstanding_acks"] for p in posts)
        assert any(p["edited_at"] for p in posts)
        for post in posts:
            alone = client.get(f"/api/v1/posts/{post['id']}", HTTP_ACCEPT_LANGUAGE=language)
            assert alone.json() == post


def test_catching_up_is_the_schema_and_the_posts_as_read_alone(region, client_for):
    space = group(region.nurse, region.doctor)
    client = client_for(region.doctor)
    first = send(client, space, "最初").json()
    for i in range(3):
        send(client, space, f"続き {i}")
    caught = client.get(f"/api/v1/spaces/{space.public_id}/posts?after={first['id']}&limit=2")
    body = caught.json()
    assert TimelineOut.model_validate(body).model_dump(mode="json") == body
    assert len(body["posts"]) == 2
    assert body["next_after"] == body["posts"][-1]["id"]
    for post in body["posts"]:
        assert client.get(f"/api/v1/posts/{post['id']}").json() == post


@pytest.mark.rule("R3.3②")
def test_a_new_post_answers_the_schema_and_the_post_as_read_alone(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    client = client_for(region.nurse)

    def made(answer):  # type: ignore[no-untyped-def]
        assert answer.status_code == 201, answer.content
        assert answer["Content-Type"].startswith("application/json")
        post = answer.json()
        assert PostOut.model_validate(post).model_dump(mode="json") == post
        # Read back before anything else changes it (a reply raises its parent's count).
        assert client.get(f"/api/v1/posts/{post['id']}").json() == post
        return post

    parent = made(send(client, space, "訪問しました"))
    reply = made(send(client, space, "返信です", parent=parent["id"]))
    assert reply["parent"] == parent["id"]
    asked = made(
        send(client, space, "確認をお願いします", ack_from=[str(region.pharmacist.public_id)])
    )
    assert [m["name"] for m in asked["outstanding_acks"]] == [region.pharmacist.name]
    filed = made(
        client.post(
            f"/api/v1/spaces/{space.public_id}/posts",
            {
                "client_id": str(uuid.uuid4()),
                "body": "記録です",
                "files": [samples.upload("訪問記録.pdf", samples.pdf())],
            },
        )
    )
    assert [a["name"] for a in filed["attachments"]] == ["訪問記録.pdf"]
