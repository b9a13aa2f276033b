"""Group pages (R2.6): any member creates a group with members picked by search, and any of
its members adds, removes and renames, whatever their profession or facility; leaving."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind
from tests.spaces.helpers import group
from tests.support.approval import approve_pending


def active_members(space: Space) -> set[int]:
    return set(
        Membership.objects.filter(space=space, state=MembershipState.ACTIVE).values_list(
            "member_id", flat=True
        )
    )


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("creator", ["pharmacist", "care_manager", "visiting_nurse"])
def test_any_member_creates_a_group_with_members_found_by_search(region, client_for, creator):
    author = region.cast[creator]
    client = client_for(author)
    page = client.get("/spaces/groups/new/").content.decode()
    assert "グループ名" in page
    assert "患者の個人情報" in page

    # Searching keeps the name typed and the members ticked so far.
    found = client.post(
        "/spaces/groups/new/",
        {"name": "地域ケア会議", "q": "ns.", "search": "1"},
    ).content.decode()
    assert "地域ケア会議" in found
    assert "佐藤 花子" in found
    assert "木村 恵" in found
    found = client.post(
        "/spaces/groups/new/",
        {
            "name": "地域ケア会議",
            "members": [str(region.nurse.public_id)],
            "q": "木村",
            "search": "1",
        },
    ).content.decode()
    assert f'value="{region.nurse.public_id}" id="pick-{region.nurse.public_id}" checked' in found
    assert "木村 恵" in found

    response = client.post(
        "/spaces/groups/new/",
        {
            "name": "地域ケア会議",
            "members": [str(region.nurse.public_id), str(region.shared_nurse.public_id)],
            "create": "1",
        },
    )
    space = Space.objects.get(kind=SpaceKind.GROUP)
    assert response.status_code == 302
    assert response["Location"] == f"/spaces/{space.public_id}/"
    assert space.name == "地域ケア会議"
    approve_pending(space)  # members of another facility join once it approves (R2.10)
    assert active_members(space) == {author.pk, region.nurse.pk, region.shared_nurse.pk}
    assert AuditEvent.objects.filter(
        action=AuditAction.SPACE_CREATED, actor_id=author.pk, object_id=str(space.public_id)
    ).exists()
    assert "地域ケア会議" in client.get(f"/spaces/{space.public_id}/").content.decode()


def test_a_group_needs_a_name_and_real_members(region, client_for):
    client = client_for(region.nurse)
    response = client.post("/spaces/groups/new/", {"name": "  ", "create": "1"})
    assert response.status_code == 422
    assert "この項目は必須です。" in response.content.decode()
    response = client.post(
        "/spaces/groups/new/",
        {"name": "会", "members": [str(region.helper.public_id)], "create": "1"},
    )
    assert response.status_code == 422
    assert "ネットワークに参加しているメンバーを選んでください。" in response.content.decode()
    assert not Space.objects.exists()


def test_a_member_who_belongs_nowhere_cannot_create_a_group(region, client_for):
    # The helper has no current facility: the sign-in guard ends the session.
    response = client_for(region.helper).post("/spaces/groups/new/", {"name": "会", "create": "1"})
    assert response.status_code in (302, 404)
    assert not Space.objects.exists()


@pytest.mark.rule("R2.6")
def test_any_member_adds_and_removes_members_whatever_their_profession(region, client_for):
    space = group(region, region.doctor, region.pharmacist)
    pharmacist = client_for(region.pharmacist)  # not the creator, another facility and profession
    page = pharmacist.get(f"/spaces/{space.public_id}/members/").content.decode()
    assert "メンバーを追加" in page
    assert "山田 一郎" in page

    found = pharmacist.post(
        f"/spaces/{space.public_id}/members/add/", {"q": "加藤", "search": "1"}
    ).content.decode()
    assert "加藤 由美" in found
    response = pharmacist.post(
        f"/spaces/{space.public_id}/members/add/",
        {"members": [str(region.visiting_nurse.public_id), str(region.care_manager.public_id)]},
        follow=True,
    )
    # Neither shares a facility with the pharmacist: each joins once their facility approves.
    assert "所属事業所のシステム管理者が承認すると参加します" in response.content.decode()
    assert active_members(space) == {region.doctor.pk, region.pharmacist.pk}
    approve_pending(space)
    assert active_members(space) == {
        region.doctor.pk,
        region.pharmacist.pk,
        region.visiting_nurse.pk,
        region.care_manager.pk,
    }

    # The visiting nurse, just added, removes the doctor who created the group.
    visiting = client_for(region.visiting_nurse)
    response = visiting.post(
        f"/spaces/{space.public_id}/members/{region.doctor.public_id}/remove/", follow=True
    )
    assert "山田 一郎さんをこのスペースから外しました。" in response.content.decode()
    assert region.doctor.pk not in active_members(space)
    assert AuditEvent.objects.filter(
        action=AuditAction.SPACE_MEMBER_REMOVED, actor_id=region.visiting_nurse.pk
    ).exists()
    # The removed doctor no longer sees the group.
    assert client_for(region.doctor).get(f"/spaces/{space.public_id}/").status_code == 404


def test_rename_and_leave_a_group(region, client_for):
    space = group(region, region.doctor, region.nurse)
    nurse = client_for(region.nurse)
    response = nurse.post(f"/spaces/{space.public_id}/rename/", {"name": ""})
    assert response.status_code == 422
    space.refresh_from_db()
    assert space.name == "多職種連携の会"
    response = nurse.post(
        f"/spaces/{space.public_id}/rename/", {"name": "褥瘡ケア勉強会"}, follow=True
    )
    assert "グループ名を変更しました。" in response.content.decode()
    space.refresh_from_db()
    assert space.name == "褥瘡ケア勉強会"

    page = nurse.get(f"/spaces/{space.public_id}/leave/").content.decode()
    assert "褥瘡ケア勉強会" in page
    assert "退出しますか" in page
    response = nurse.post(f"/spaces/{space.public_id}/leave/")
    assert response.status_code == 302
    assert region.nurse.pk not in active_members(space)
    assert nurse.get(f"/spaces/{space.public_id}/").status_code == 404
    # The last member cannot leave: a message, and nothing changes.
    doctor = client_for(region.doctor)
    response = doctor.post(f"/spaces/{space.public_id}/leave/", follow=True)
    assert "最後のメンバーは退出することも外されることもできません。" in response.content.decode()
    assert active_members(space) == {region.doctor.pk}


def test_outsiders_cannot_manage_a_group(region, client_for):
    space = group(region, region.doctor, region.nurse)
    for outsider in (region.pharmacist, region.visiting_nurse, region.secretariat):
        client = client_for(outsider)
        assert client.get(f"/spaces/{space.public_id}/members/").status_code == 404
        assert (
            client.post(
                f"/spaces/{space.public_id}/members/add/",
                {"members": [str(outsider.public_id)]},
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/spaces/{space.public_id}/members/{region.nurse.public_id}/remove/"
            ).status_code
            == 404
        )
        assert (
            client.post(f"/spaces/{space.public_id}/rename/", {"name": "乗っ取り"}).status_code
            == 404
        )
        assert client.post(f"/spaces/{space.public_id}/leave/").status_code == 404
    space.refresh_from_db()
    assert space.name == "多職種連携の会"
    assert active_members(space) == {region.doctor.pk, region.nurse.pk}
