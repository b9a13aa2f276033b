"""R3.1: a patient group's members are invited and removed by its lead facility's facility
admins (members of it or not: they manage, they do not read) and its patient group admins;
no other member can, through the actions, the pages or the API."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, NotFound
from renkei.spaces import actions
from renkei.spaces.models import Membership, MembershipState, Space
from renkei.timeline.actions import post_message
from tests.spaces.helpers import patient_group
from tests.support.approval import approve_pending

JSON = "application/json"


def active(space: Space) -> set[int]:
    return set(
        Membership.objects.filter(space=space, state=MembershipState.ACTIVE).values_list(
            "member_id", flat=True
        )
    )


@pytest.mark.rule("R3.1")
@pytest.mark.parametrize("member", ["nurse", "care_manager", "shared_nurse", "pharmacist"])
def test_a_member_who_is_no_admin_neither_invites_nor_removes(region, member):
    space = patient_group(
        region, region.nurse, region.care_manager, region.shared_nurse, region.pharmacist
    )
    actor = region.cast[member]
    before = active(space)
    with pytest.raises(DomainError) as refused:
        actions.invite_to_patient_group(
            actor, space_id=space.pk, member_ids=[region.visiting_nurse.pk]
        )
    assert refused.value.rule == "R3.1"
    with pytest.raises(DomainError) as refused:
        actions.remove_member(actor, space_id=space.pk, member_id=region.doctor.pk)
    assert refused.value.rule == "R3.1"
    assert active(space) == before
    assert not Membership.objects.filter(space=space, member=region.visiting_nurse).exists()


@pytest.mark.rule("R3.1")
@pytest.mark.parametrize("outsider", ["visiting_nurse", "pharmacist", "helper", "secretariat"])
def test_someone_outside_the_group_and_the_lead_facility_finds_nothing(region, outsider):
    space = patient_group(region, region.nurse)
    with pytest.raises(NotFound):
        actions.invite_to_patient_group(
            region.cast[outsider], space_id=space.pk, member_ids=[region.care_manager.pk]
        )
    with pytest.raises(NotFound):
        actions.remove_member(region.cast[outsider], space_id=space.pk, member_id=region.nurse.pk)
    assert active(space) == {region.doctor.pk, region.nurse.pk}


@pytest.mark.rule("R3.1")
def test_the_lead_facility_admin_manages_members_without_being_one(region):
    space = patient_group(region, region.nurse)
    admin = region.clinic_admin  # facility admin of the clinic, not a member of the group
    invited = actions.invite_to_patient_group(
        admin, space_id=space.pk, member_ids=[region.care_manager.pk, region.pharmacist.pk]
    )
    assert invited.added == [region.care_manager]
    assert invited.pending == [region.pharmacist]  # another facility: it approves (R2.10)
    actions.remove_member(admin, space_id=space.pk, member_id=region.nurse.pk)
    assert active(space) == {region.doctor.pk, region.care_manager.pk}
    assert AuditEvent.objects.filter(
        action=AuditAction.SPACE_MEMBER_REMOVED, actor_id=admin.pk
    ).exists()
    assert not Membership.objects.filter(space=space, member=admin).exists()


@pytest.mark.rule("R3.1")
def test_a_patient_group_admin_of_another_facility_invites(region):
    space = patient_group(region, region.pharmacist)
    actions.appoint_patient_group_admin(
        region.doctor, space_id=space.pk, member_id=region.pharmacist.pk
    )
    invited = actions.invite_to_patient_group(
        region.pharmacist, space_id=space.pk, member_ids=[region.nurse.pk]
    )
    assert invited.added == [region.nurse]  # the clinic's own staff join through it at once
    assert Membership.objects.get(space=space, member=region.nurse).via_facility == region.clinic


# Pages -----------------------------------------------------------------------------------------


@pytest.mark.rule("R3.1")
def test_pages_refuse_a_member_who_is_no_admin(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    nurse = client_for(region.nurse)
    page = nurse.get(f"/spaces/{space.public_id}/members/").content.decode()
    assert "メンバーを招待" not in page
    assert "外す</button>" not in page
    response = nurse.post(
        f"/spaces/{space.public_id}/members/add/",
        {"members": [str(region.care_manager.public_id)]},
        follow=True,
    )
    assert "患者グループのメンバーは連携元事業所が招待します。" in response.content.decode()
    response = nurse.post(
        f"/spaces/{space.public_id}/members/{region.pharmacist.public_id}/remove/", follow=True
    )
    assert "このスペースからメンバーを外す権限がありません。" in response.content.decode()
    assert active(space) == {region.doctor.pk, region.nurse.pk, region.pharmacist.pk}


@pytest.mark.rule("R3.1")
def test_the_lead_facility_admin_manages_through_pages_and_reads_no_post(region, client_for):
    space = patient_group(region, region.nurse)
    post_message(region.doctor, space_id=space.pk, body="本日の血圧 138/82")
    admin = client_for(region.clinic_admin)
    console = admin.get(f"/facilities/{region.clinic.public_id}/invitations/").content.decode()
    assert f"/spaces/{space.public_id}/members/" in console
    page = admin.get(f"/spaces/{space.public_id}/members/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "メンバーを招待" in html
    assert "投稿を読めるのはメンバーだけです" in html
    assert "本日の血圧" not in html
    response = admin.post(
        f"/spaces/{space.public_id}/members/add/",
        {"members": [str(region.care_manager.public_id)]},
        follow=True,
    )
    assert "メンバーを追加しました。" in response.content.decode()
    response = admin.post(f"/spaces/{space.public_id}/members/{region.nurse.public_id}/remove/")
    assert response.status_code == 302
    assert active(space) == {region.doctor.pk, region.care_manager.pk}
    # Managing is not reading: the space page and its posts stay closed.
    assert admin.get(f"/spaces/{space.public_id}/").status_code == 404
    assert admin.get(f"/api/v1/spaces/{space.public_id}/posts").status_code == 404
    assert "本日の血圧" not in admin.get("/search/", {"q": "血圧"}).content.decode()


@pytest.mark.rule("R3.1")
@pytest.mark.parametrize("admin", ["pharmacist", "visiting_nurse"])
def test_an_admin_of_another_facility_cannot_manage_it(region, client_for, admin):
    space = patient_group(region, region.nurse)
    client = client_for(region.cast[admin])
    assert client.get(f"/spaces/{space.public_id}/members/").status_code == 404
    response = client.post(
        f"/spaces/{space.public_id}/members/add/", {"members": [str(region.helper.public_id)]}
    )
    assert response.status_code == 404
    assert active(space) == {region.doctor.pk, region.nurse.pk}


# API -------------------------------------------------------------------------------------------


@pytest.mark.rule("R3.1")
def test_the_api_refuses_a_member_who_is_no_admin(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    nurse = client_for(region.nurse)
    for path in (
        f"/api/v1/spaces/{space.public_id}/members",
        f"/api/v1/patient-groups/{space.public_id}/members",
    ):
        response = nurse.post(
            path, {"members": [str(region.care_manager.public_id)]}, content_type=JSON
        )
        assert response.status_code == 403
        assert response.json()["rule"] == "R3.1"
    for path in (
        f"/api/v1/spaces/{space.public_id}/members/{region.pharmacist.public_id}",
        f"/api/v1/patient-groups/{space.public_id}/members/{region.pharmacist.public_id}",
    ):
        response = nurse.delete(path)
        assert response.status_code == 403
        assert response.json()["rule"] == "R3.1"
    assert active(space) == {region.doctor.pk, region.nurse.pk, region.pharmacist.pk}


@pytest.mark.rule("R3.1")
def test_the_lead_facility_admin_manages_through_the_api(region, client_for):
    space = patient_group(region, region.nurse)
    admin = client_for(region.clinic_admin)
    path = f"/api/v1/patient-groups/{space.public_id}/members"
    invited = admin.post(
        path,
        {"members": [str(region.care_manager.public_id), str(region.visiting_nurse.public_id)]},
        content_type=JSON,
    )
    assert invited.status_code == 200
    body = invited.json()
    assert [m["id"] for m in body["added"]] == [str(region.care_manager.public_id)]
    assert [m["id"] for m in body["waiting"]] == [str(region.visiting_nurse.public_id)]
    assert [m["id"] for m in body["pending"]] == [str(region.visiting_nurse.public_id)]
    removed = admin.delete(f"{path}/{region.nurse.public_id}")
    assert removed.status_code == 200
    assert str(region.nurse.public_id) not in {m["id"] for m in removed.json()["members"]}
    # A waiting invitation is withdrawn the same way.
    assert admin.delete(f"{path}/{region.visiting_nurse.public_id}").status_code == 200
    assert (
        Membership.objects.get(space=space, member=region.visiting_nurse).state
        == MembershipState.REMOVED
    )
    assert admin.get(f"/api/v1/spaces/{space.public_id}").status_code == 404
    assert admin.get(f"/api/v1/spaces/{space.public_id}/posts").status_code == 404
    approve_pending(space)  # nothing is left waiting
    assert active(space) == {region.doctor.pk, region.care_manager.pk}


@pytest.mark.rule("R3.1")
def test_an_outsider_is_told_nothing_by_the_api(region, client_for):
    space = patient_group(region, region.nurse)
    client = client_for(region.pharmacist)
    path = f"/api/v1/patient-groups/{space.public_id}/members"
    assert client.get(path).status_code == 404
    response = client.post(path, {"members": [str(region.pharmacist.public_id)]}, content_type=JSON)
    assert response.status_code == 404
    assert active(space) == {region.doctor.pk, region.nurse.pk}
