"""Only the active members of a space reach it through the API: for anyone else, facility admins
and the secretariat included, the space, its posts and everything on them answer 404, the
same as for a space that does not exist, and nothing changes."""

from __future__ import annotations

import pytest

from renkei.spaces import actions
from renkei.spaces.models import Membership, PatientRecord, Space
from renkei.timeline.actions import edit_post
from renkei.timeline.models import Acknowledgement, Post, PostVersion
from tests.api.spaces_cast import JSON, PATIENT, new_client_id, post, spaces_of_each_kind

MEMBERS = {
    "patient_group": {"doctor", "nurse", "pharmacist"},
    "group": {"nurse", "visiting_nurse", "pharmacist"},
    "connection": {"nurse", "pharmacist"},
}
CAST = [
    "secretariat",
    "operator",
    "doctor",
    "nurse",
    "care_manager",
    "clinic_admin",
    "pharmacist",
    "visiting_nurse",
    "shared_nurse",
    "helper",
]
OUTSIDERS = [(kind, who) for kind, members in MEMBERS.items() for who in CAST if who not in members]


def every_call(space: Space, top: Post, reply: Post, member_id: str) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    s, p = f"/api/v1/spaces/{space.public_id}", f"/api/v1/posts/{top.public_id}"
    return [
        ("get", s, {}),
        ("get", f"{s}/members", {}),
        ("post", f"{s}/members", {"members": [member_id]}),
        ("delete", f"{s}/members/{member_id}", {}),
        ("post", f"{s}/leave", {}),
        ("get", f"{s}/posts", {}),
        ("get", f"{s}/posts?after={top.public_id}", {}),
        ("get", f"{s}/posts?before={reply.public_id}", {}),
        ("post", f"{s}/posts", {"body": "見えますか", "client_id": new_client_id()}),
        (
            "post",
            f"{s}/posts",
            {"body": "返信", "client_id": new_client_id(), "parent": str(top.public_id)},
        ),
        ("post", f"{s}/read", {"up_to": str(top.public_id)}),
        ("patch", f"/api/v1/groups/{space.public_id}", {"name": "乗っ取り"}),
        ("put", f"/api/v1/patient-groups/{space.public_id}/patient", PATIENT),
        ("post", f"/api/v1/connections/{space.public_id}/accept", {}),
        ("post", f"/api/v1/connections/{space.public_id}/decline", {}),
        ("get", p, {}),
        ("get", f"/api/v1/posts/{reply.public_id}", {}),
        ("patch", p, {"body": "書き換え"}),
        ("delete", p, {}),
        ("get", f"{p}/versions", {}),
        ("get", f"{p}/replies", {}),
        ("get", f"{p}/acks", {}),
        ("post", f"{p}/ack", {}),
    ]


def snapshot() -> tuple:  # type: ignore[type-arg]
    return (
        list(Post.objects.order_by("pk").values_list("pk", "body", "deleted_at", "edited_at")),
        list(Membership.objects.order_by("pk").values_list("pk", "state", "last_read_post_id")),
        Acknowledgement.objects.count(),
        PostVersion.objects.count(),
        list(Space.objects.order_by("pk").values_list("pk", "name", "state")),
        list(PatientRecord.objects.values_list("care_level", "updated_at")),
    )


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize(("kind", "outsider"), OUTSIDERS)
def test_an_outsider_reaches_nothing_of_a_space(region, client_for, kind, outsider):
    space = spaces_of_each_kind(region)[kind]
    top = post(region.nurse, space, "個人情報を含む連絡")
    edit_post(region.nurse, post_id=top.pk, body="個人情報を含む連絡（訂正）")
    reply = post(region.pharmacist, space, "承知しました", parent_id=top.pk)
    client = client_for(region.cast[outsider])
    assert str(space.public_id) not in str(client.get("/api/v1/spaces").json())
    before = snapshot()
    for method, path, payload in every_call(space, top, reply, str(region.nurse.public_id)):
        response = getattr(client, method)(path, payload, content_type=JSON)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["code"] == "not_found"
        assert "個人情報" not in response.content.decode()
    assert snapshot() == before


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("kind", ["patient_group", "group"])
def test_a_former_member_reaches_nothing(region, client_for, kind):
    space = spaces_of_each_kind(region)[kind]
    top = post(region.nurse, space, "退出前の投稿")
    actions.leave_space(region.pharmacist, space_id=space.pk)
    client = client_for(region.pharmacist)
    assert client.get(f"/api/v1/spaces/{space.public_id}/posts").status_code == 404
    assert client.get(f"/api/v1/posts/{top.public_id}").status_code == 404
    sent = client.post(
        f"/api/v1/spaces/{space.public_id}/posts",
        {"body": "まだ書けますか", "client_id": new_client_id()},
        content_type=JSON,
    )
    assert sent.status_code == 404
    assert Post.objects.count() == 1


def test_a_missing_space_or_post_answers_the_same(region, client_for):
    client = client_for(region.nurse)
    missing = "00000000-0000-4000-8000-000000000000"
    for path in (f"/api/v1/spaces/{missing}", f"/api/v1/posts/{missing}"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "見つかりません。", "code": "not_found"}
