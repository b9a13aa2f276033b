"""R3.4: a patient group has at least one patient group admin at all times. Admins are appointed
and revoked by patient group admins and the lead facility's facility admins; the last one can be
neither revoked, removed, nor leave until another is appointed (actions, pages, API)."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, NotFound, RuleViolation
from renkei.spaces import actions
from renkei.spaces.models import Membership, Space
from tests.spaces.helpers import patient_group

JSON = "application/json"


def admins(space: Space) -> set[int]:
    return set(
        Membership.objects.filter(space=space, state="active", is_admin=True).values_list(
            "member_id", flat=True
        )
    )


@pytest.mark.rule("R3.4")
@pytest.mark.parametrize("appointer", ["doctor", "clinic_admin"])
def test_admins_are_appointed_and_revoked_by_admins_and_the_lead_facility(region, appointer):
    space = patient_group(region, region.nurse, region.pharmacist)
    actor = region.cast[appointer]
    actions.appoint_patient_group_admin(actor, space_id=space.pk, member_id=region.pharmacist.pk)
    assert admins(space) == {region.doctor.pk, region.pharmacist.pk}
    with pytest.raises(DomainError):  # already one
        actions.appoint_patient_group_admin(
            actor, space_id=space.pk, member_id=region.pharmacist.pk
        )
    actions.revoke_patient_group_admin(actor, space_id=space.pk, member_id=region.doctor.pk)
    assert admins(space) == {region.pharmacist.pk}
    assert AuditEvent.objects.filter(
        action=AuditAction.PATIENT_GROUP_ADMIN_APPOINTED, actor_id=actor.pk
    ).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.PATIENT_GROUP_ADMIN_REVOKED, actor_id=actor.pk
    ).exists()


@pytest.mark.rule("R3.4")
@pytest.mark.parametrize("member", ["nurse", "pharmacist"])
def test_other_members_cannot_appoint_or_revoke(region, member):
    space = patient_group(region, region.nurse, region.pharmacist)
    with pytest.raises(DomainError) as refused:
        actions.appoint_patient_group_admin(
            region.cast[member], space_id=space.pk, member_id=region.cast[member].pk
        )
    assert refused.value.rule == "R3.4"
    with pytest.raises(DomainError):
        actions.revoke_patient_group_admin(
            region.cast[member], space_id=space.pk, member_id=region.doctor.pk
        )
    assert admins(space) == {region.doctor.pk}


@pytest.mark.rule("R3.4")
def test_outsiders_find_nothing(region):
    space = patient_group(region, region.nurse)
    for outsider in (region.pharmacist, region.visiting_nurse, region.secretariat):
        with pytest.raises(NotFound):
            actions.appoint_patient_group_admin(
                outsider, space_id=space.pk, member_id=region.nurse.pk
            )
    assert admins(space) == {region.doctor.pk}


@pytest.mark.rule("R3.4")
def test_the_last_admin_is_never_revoked_removed_or_gone(region):
    space = patient_group(region, region.nurse)
    with pytest.raises(RuleViolation) as refused:
        actions.revoke_patient_group_admin(
            region.doctor, space_id=space.pk, member_id=region.doctor.pk
        )
    assert refused.value.rule == "R3.4"
    with pytest.raises(DomainError) as refused:
        actions.remove_member(region.clinic_admin, space_id=space.pk, member_id=region.doctor.pk)
    assert refused.value.rule == "R3.4"
    with pytest.raises(DomainError) as refused:
        actions.remove_staff_from_space(
            region.clinic_admin,
            facility_id=region.clinic.pk,
            space_id=space.pk,
            member_id=region.doctor.pk,
        )
    assert refused.value.rule == "R3.4"
    with pytest.raises(DomainError) as refused:
        actions.leave_space(region.doctor, space_id=space.pk)
    assert refused.value.rule == "R3.4"
    assert admins(space) == {region.doctor.pk}
    # With another appointed, the first may go.
    actions.appoint_patient_group_admin(region.doctor, space_id=space.pk, member_id=region.nurse.pk)
    actions.leave_space(region.doctor, space_id=space.pk)
    assert admins(space) == {region.nurse.pk}


@pytest.mark.rule("R3.4")
def test_pages_appoint_revoke_and_refuse_the_last(region, client_for):
    space = patient_group(region, region.nurse)
    doctor = client_for(region.doctor)
    page = doctor.get(f"/spaces/{space.public_id}/members/").content.decode()
    assert "管理者にする" in page
    nurse_page = client_for(region.nurse).get(f"/spaces/{space.public_id}/members/").content
    assert "管理者にする" not in nurse_page.decode()
    response = client_for(region.nurse).post(
        f"/spaces/{space.public_id}/members/{region.nurse.public_id}/admin/appoint/", follow=True
    )
    assert "患者グループ管理者か連携元事業所のシステム管理者だけ" in response.content.decode()
    assert admins(space) == {region.doctor.pk}
    response = doctor.post(
        f"/spaces/{space.public_id}/members/{region.doctor.public_id}/admin/revoke/", follow=True
    )
    assert "常に1人以上の患者グループ管理者が必要です" in response.content.decode()
    response = doctor.post(
        f"/spaces/{space.public_id}/members/{region.doctor.public_id}/remove/", follow=True
    )
    assert admins(space) == {region.doctor.pk}
    response = doctor.post(f"/spaces/{space.public_id}/leave/", follow=True)
    assert admins(space) == {region.doctor.pk}
    response = doctor.post(
        f"/spaces/{space.public_id}/members/{region.nurse.public_id}/admin/appoint/", follow=True
    )
    assert "佐藤 花子さんを患者グループ管理者にしました。" in response.content.decode()
    assert admins(space) == {region.doctor.pk, region.nurse.pk}


@pytest.mark.rule("R3.4")
def test_the_api_appoints_revokes_and_refuses_the_last(region, client_for):
    space = patient_group(region, region.nurse)
    path = f"/api/v1/patient-groups/{space.public_id}/admins"
    nurse = client_for(region.nurse)
    refused = nurse.post(path, {"member": str(region.nurse.public_id)}, content_type=JSON)
    assert refused.status_code == 403
    assert refused.json()["rule"] == "R3.4"
    admin = client_for(region.clinic_admin)  # the lead facility's admin, not a member
    last = admin.delete(f"{path}/{region.doctor.public_id}")
    assert last.status_code == 409
    assert last.json()["rule"] == "R3.4"
    removed = admin.delete(
        f"/api/v1/patient-groups/{space.public_id}/members/{region.doctor.public_id}"
    )
    assert removed.status_code == 400
    assert removed.json()["rule"] == "R3.4"
    left = client_for(region.doctor).post(f"/api/v1/spaces/{space.public_id}/leave")
    assert left.status_code == 400
    assert left.json()["rule"] == "R3.4"
    appointed = admin.post(path, {"member": str(region.nurse.public_id)}, content_type=JSON)
    assert appointed.status_code == 200
    flags = {m["id"]: m["is_admin"] for m in appointed.json()["members"]}
    assert flags[str(region.nurse.public_id)] is True
    assert admin.delete(f"{path}/{region.doctor.public_id}").status_code == 200
    assert admins(space) == {region.nurse.pk}
    assert (
        client_for(region.pharmacist)
        .post(path, {"member": str(region.nurse.public_id)}, content_type=JSON)
        .status_code
        == 404
    )
