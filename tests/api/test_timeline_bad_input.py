"""Bad input to the timeline API gets a clear error and changes nothing."""

from __future__ import annotations

import pytest

from renkei.audit.models import AuditEvent
from renkei.timeline.actions import delete_post
from renkei.timeline.models import Acknowledgement, AckRequest, Post, PostVersion
from tests.api.spaces_cast import JSON, group, new_client_id, post, send


def state() -> tuple:  # type: ignore[type-arg]
    return (
        list(Post.objects.order_by("pk").values_list("pk", "body", "deleted_at", "reply_count")),
        Acknowledgement.objects.count(),
        AckRequest.objects.count(),
        PostVersion.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def space(region):  # type: ignore[no-untyped-def]
    return group(region.nurse, region.pharmacist)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "投稿する内容を入力してください。"),
        ("   \n\t ", "投稿する内容を入力してください。"),
        ("x" * 20001, "投稿は20000文字までです（この投稿は20001文字あります）。"),
        ("制御文字\x07を含む", None),
    ],
    ids=["empty", "blank", "oversized", "control"],
)
def test_a_post_without_text_or_too_long_is_refused(region, client_for, space, body, message):
    client = client_for(region.nurse)
    before = state()
    response = send(client, space, body)
    assert response.status_code == 422
    errors = response.json()["errors"]["body"]
    assert errors
    assert all(errors)
    if message:
        assert message in errors[0]
    assert state() == before


def test_malformed_requests_are_refused(region, client_for, space):
    client = client_for(region.nurse)
    path = f"/api/v1/spaces/{space.public_id}/posts"
    before = state()
    no_id = client.post(path, {"body": "本文"}, content_type=JSON)
    assert no_id.status_code == 422
    assert no_id.json()["errors"] == {"client_id": ["この項目は必須です。"]}
    extra = client.post(
        path, {"body": "本文", "client_id": new_client_id(), "urgent": True}, content_type=JSON
    )
    assert extra.status_code == 422
    assert extra.json()["errors"] == {"urgent": ["この項目は受け付けていません。"]}
    not_json = client.post(path, "{本文", content_type=JSON)
    assert not_json.status_code == 400
    assert not_json.json()["code"] == "bad_request"
    assert state() == before


def test_asking_an_outsider_for_acknowledgement_is_refused(region, client_for, space):
    client = client_for(region.nurse)
    before = state()
    response = send(client, space, "ご確認ください", ack_from=[str(region.doctor.public_id)])
    assert response.status_code == 422
    assert response.json()["errors"]["ack_from"] == [
        "了解をお願いできるのは、このスペースのメンバーだけです。"
    ]
    assert state() == before


@pytest.mark.rule("R3.3②")
def test_acknowledging_twice_is_refused(region, client_for, space):
    made = post(region.nurse, space, "ご確認ください")
    client = client_for(region.pharmacist)
    assert client.post(f"/api/v1/posts/{made.public_id}/ack").status_code == 200
    before = state()
    again = client.post(f"/api/v1/posts/{made.public_id}/ack")
    assert again.status_code == 400
    assert again.json()["code"] == "invalid"
    assert again.json()["detail"] == "この投稿にはすでに了解しています。"
    assert state() == before
    assert Acknowledgement.objects.filter(post=made).count() == 1


def test_a_deleted_post_cannot_be_replied_to_edited_or_acknowledged(region, client_for, space):
    made = post(region.nurse, space, "取り消します")
    delete_post(region.nurse, post_id=made.pk)
    nurse, pharmacist = client_for(region.nurse), client_for(region.pharmacist)
    before = state()
    reply = send(pharmacist, space, "返信します", parent=str(made.public_id))
    assert reply.status_code == 400
    assert reply.json()["detail"] == "この投稿は削除されたため、返信できません。"
    edit = nurse.patch(f"/api/v1/posts/{made.public_id}", {"body": "復活"}, content_type=JSON)
    assert edit.status_code == 400
    ack = pharmacist.post(f"/api/v1/posts/{made.public_id}/ack")
    assert ack.status_code == 400
    again = nurse.delete(f"/api/v1/posts/{made.public_id}")
    assert again.status_code == 400
    assert state() == before


def test_another_members_post_cannot_be_edited_or_deleted(region, client_for, space):
    made = post(region.nurse, space, "私の投稿")
    pharmacist = client_for(region.pharmacist)
    before = state()
    edit = pharmacist.patch(f"/api/v1/posts/{made.public_id}", {"body": "改変"}, content_type=JSON)
    assert edit.status_code == 403
    assert "投稿者本人だけ" in edit.json()["detail"]
    # The pharmacist is not an admin of the group the nurse created.
    deleted = pharmacist.delete(f"/api/v1/posts/{made.public_id}")
    assert deleted.status_code == 403
    assert "投稿者本人かスペースの管理者だけ" in deleted.json()["detail"]
    assert state() == before
    assert Post.objects.get(pk=made.pk).body == "私の投稿"


def test_an_edit_must_still_be_a_valid_post(region, client_for, space):
    made = post(region.nurse, space, "元の本文")
    client = client_for(region.nurse)
    before = state()
    response = client.patch(f"/api/v1/posts/{made.public_id}", {"body": " "}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["errors"]["body"]
    assert state() == before
