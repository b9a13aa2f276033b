"""R2.10: a member invited into a patient group or a group by someone of another facility
reaches it only after an admin of their own facility approves. Until then the space is not in
their list, not readable (page, API, search, live events); the admin approves or declines (with
a reason) and can take their staff out of any space; a member who leaves a facility leaves the
spaces reached through it. Connections need no approval."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import NotFound, ValidationFailed
from renkei.facilities import actions as facility_actions
from renkei.search.queries import search_posts
from renkei.spaces import actions, queries
from renkei.spaces.models import Membership, MembershipState
from renkei.timeline.actions import post_message
from tests.spaces.helpers import connection, group, patient_group
from tests.support.region import _affiliate

JSON = "application/json"


@pytest.fixture
def pharmacy_clerk(region):
    """The helper, registered as staff of the pharmacy (whose admin is the pharmacist)."""
    _affiliate(region.helper, region.pharmacy)
    return region.helper


def state_of(space, member) -> str:
    return Membership.objects.get(space=space, member=member).state


@pytest.mark.rule("R2.10")
def test_a_member_invited_from_another_facility_waits_and_reaches_nothing(
    region, pharmacy_clerk, client_for
):
    space = patient_group(region, region.nurse)
    post_message(region.doctor, space_id=space.pk, body="褥瘡の処置について")
    invited = actions.invite_to_patient_group(
        region.doctor, space_id=space.pk, member_ids=[pharmacy_clerk.pk, region.care_manager.pk]
    )
    assert invited.pending == [pharmacy_clerk]
    assert invited.added == [region.care_manager]  # the lead facility's own staff: at once
    assert state_of(space, pharmacy_clerk) == MembershipState.PENDING_APPROVAL
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_PENDING).count() == 1
    # Not listed, not reachable: actions, queries, pages, API and search.
    assert not queries.my_spaces(pharmacy_clerk).exists()
    with pytest.raises(NotFound):
        queries.access_space(pharmacy_clerk, space.public_id)
    assert search_posts(pharmacy_clerk, "褥瘡").hits == []
    client = client_for(pharmacy_clerk)
    assert client.get(f"/spaces/{space.public_id}/").status_code == 404
    assert client.get(f"/spaces/{space.public_id}/members/").status_code == 404
    assert str(space.public_id) not in client.get("/spaces/").content.decode()
    assert client.get(f"/api/v1/spaces/{space.public_id}").status_code == 404
    assert client.get(f"/api/v1/spaces/{space.public_id}/posts").status_code == 404
    assert client.get("/api/v1/spaces").json() == []
    assert client.get("/api/v1/search", {"q": "褥瘡"}).json()["hits"] == []
    response = client.post(
        f"/api/v1/spaces/{space.public_id}/posts",
        {"body": "参加前の投稿", "client_id": "pending-0001"},
        content_type=JSON,
    )
    assert response.status_code == 404


@pytest.mark.rule("R2.10")
def test_the_invitees_facility_admin_approves(
    region, pharmacy_clerk, django_capture_on_commit_callbacks
):
    space = patient_group(region)
    actions.invite_to_patient_group(
        region.doctor, space_id=space.pk, member_ids=[pharmacy_clerk.pk]
    )
    queue = list(queries.pending_invitations(region.pharmacist, region.pharmacy))
    assert [(row.space_id, row.member_id) for row in queue] == [(space.pk, pharmacy_clerk.pk)]
    # Nobody else approves: not the inviter's facility, not the invitee, not another facility.
    for other, facility in (
        (region.clinic_admin, region.clinic),
        (region.clinic_admin, region.pharmacy),
        (pharmacy_clerk, region.pharmacy),
        (region.visiting_nurse, region.station),
        (region.secretariat, region.pharmacy),
    ):
        with pytest.raises(NotFound):
            actions.approve_invitation(
                other, facility_id=facility.pk, space_id=space.pk, member_id=pharmacy_clerk.pk
            )
    with pytest.raises(NotFound):
        queries.pending_invitations(region.clinic_admin, region.pharmacy)
    assert state_of(space, pharmacy_clerk) == MembershipState.PENDING_APPROVAL
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.approve_invitation(
            region.pharmacist,
            facility_id=region.pharmacy.pk,
            space_id=space.pk,
            member_id=pharmacy_clerk.pk,
        )
    membership = Membership.objects.get(space=space, member=pharmacy_clerk)
    assert membership.is_active
    assert membership.via_facility == region.pharmacy
    assert membership.decided_by == region.pharmacist
    assert queries.access_space(pharmacy_clerk, space.public_id).space == space
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_APPROVED)
    assert event.actor_id == region.pharmacist.pk
    assert event.facility_id == region.pharmacy.pk
    assert callbacks  # the member's list and the space's members change live
    assert not queries.pending_invitations(region.pharmacist, region.pharmacy).exists()


@pytest.mark.rule("R2.10")
def test_the_admin_declines_with_a_reason_kept_out_of_the_audit_trail(region, pharmacy_clerk):
    space = group(region, region.nurse)
    actions.add_group_members(region.nurse, space_id=space.pk, member_ids=[pharmacy_clerk.pk])
    with pytest.raises(ValidationFailed):
        actions.decline_invitation(
            region.pharmacist,
            facility_id=region.pharmacy.pk,
            space_id=space.pk,
            member_id=pharmacy_clerk.pk,
            reason="あ" * 501,
        )
    assert state_of(space, pharmacy_clerk) == MembershipState.PENDING_APPROVAL
    actions.decline_invitation(
        region.pharmacist,
        facility_id=region.pharmacy.pk,
        space_id=space.pk,
        member_id=pharmacy_clerk.pk,
        reason="当薬局の担当ではありません",
    )
    membership = Membership.objects.get(space=space, member=pharmacy_clerk)
    assert membership.state == MembershipState.DECLINED
    assert membership.decline_reason == "当薬局の担当ではありません"
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_DECLINED)
    assert event.detail["reason_given"] is True
    assert "担当" not in str(event.detail)
    with pytest.raises(NotFound):  # decided once
        actions.approve_invitation(
            region.pharmacist,
            facility_id=region.pharmacy.pk,
            space_id=space.pk,
            member_id=pharmacy_clerk.pk,
        )
    # Invited again later, the member waits again.
    actions.add_group_members(region.nurse, space_id=space.pk, member_ids=[pharmacy_clerk.pk])
    assert state_of(space, pharmacy_clerk) == MembershipState.PENDING_APPROVAL


@pytest.mark.rule("R2.10")
def test_groups_need_approval_for_other_facilities_and_colleagues_join_at_once(region):
    space = actions.create_group(
        region.nurse,
        name="退院調整",
        member_ids=[region.care_manager.pk, region.shared_nurse.pk, region.visiting_nurse.pk],
    )
    assert state_of(space, region.care_manager) == MembershipState.ACTIVE
    assert state_of(space, region.shared_nurse) == MembershipState.ACTIVE  # shares the clinic
    assert state_of(space, region.visiting_nurse) == MembershipState.PENDING_APPROVAL
    assert Membership.objects.get(space=space, member=region.nurse).via_facility == region.clinic


@pytest.mark.rule("R2.10")
def test_connections_need_no_approval(region):
    space = connection(region.nurse, region.pharmacist)
    assert state_of(space, region.pharmacist) == MembershipState.ACTIVE
    assert not AuditEvent.objects.filter(action=AuditAction.INVITATION_PENDING).exists()


@pytest.mark.rule("R2.10")
def test_the_admin_takes_their_staff_out_of_any_space_without_reading_it(region, pharmacy_clerk):
    space = patient_group(region, region.nurse, pharmacy_clerk)
    assert state_of(space, pharmacy_clerk) == MembershipState.ACTIVE
    assert not Membership.objects.filter(space=space, member=region.pharmacist).exists()
    rows = queries.staff_in_spaces(region.pharmacist, region.pharmacy)
    assert [(r.space_id, r.member_id) for r in rows] == [(space.pk, pharmacy_clerk.pk)]
    # Another facility's admin cannot take someone who is not their staff.
    with pytest.raises(NotFound):
        actions.remove_staff_from_space(
            region.pharmacist,
            facility_id=region.pharmacy.pk,
            space_id=space.pk,
            member_id=region.nurse.pk,
        )
    actions.remove_staff_from_space(
        region.pharmacist,
        facility_id=region.pharmacy.pk,
        space_id=space.pk,
        member_id=pharmacy_clerk.pk,
    )
    assert state_of(space, pharmacy_clerk) == MembershipState.REMOVED
    assert AuditEvent.objects.filter(
        action=AuditAction.SPACE_MEMBER_REMOVED_BY_FACILITY, actor_id=region.pharmacist.pk
    ).exists()
    with pytest.raises(NotFound):  # removing is not reading
        queries.access_space(region.pharmacist, space.public_id)


@pytest.mark.rule("R2.10")
def test_leaving_a_facility_leaves_the_spaces_reached_through_it(
    region, django_capture_on_commit_callbacks
):
    through_clinic = patient_group(region, region.shared_nurse)
    station_group = group(region, region.visiting_nurse, region.shared_nurse)
    assert (
        Membership.objects.get(space=station_group, member=region.shared_nurse).via_facility
        == region.station
    )
    with django_capture_on_commit_callbacks(execute=True):
        facility_actions.deregister_staff(
            region.clinic_admin, facility_id=region.clinic.pk, member_id=region.shared_nurse.pk
        )
    assert state_of(through_clinic, region.shared_nurse) == MembershipState.LEFT
    assert state_of(station_group, region.shared_nurse) == MembershipState.ACTIVE
    event = AuditEvent.objects.get(action=AuditAction.SPACE_LEFT_WITH_FACILITY)
    assert event.object_id == str(through_clinic.public_id)
    assert AuditEvent.objects.get(action=AuditAction.STAFF_DEREGISTERED).detail["spaces_left"] == 1


@pytest.mark.rule("R2.10")
@pytest.mark.rule("R3.4")
def test_a_withdrawing_facility_takes_its_staff_out_and_admin_roles_pass_on(region):
    space = patient_group(region, region.visiting_nurse, region.nurse)
    actions.appoint_patient_group_admin(
        region.doctor, space_id=space.pk, member_id=region.visiting_nurse.pk
    )
    actions.revoke_patient_group_admin(
        region.visiting_nurse, space_id=space.pk, member_id=region.doctor.pk
    )
    facility_actions.withdraw_facility(region.visiting_nurse, facility_id=region.station.pk)
    assert state_of(space, region.visiting_nurse) == MembershipState.LEFT
    admins = Membership.objects.filter(space=space, state="active", is_admin=True)
    assert admins.count() == 1  # the group keeps an admin (R3.4)
