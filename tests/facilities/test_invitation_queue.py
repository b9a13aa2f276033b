"""R2.10 in the facility console: a facility admin's page of its staff's invitations from other
facilities (approve, or decline with a reason) and of the spaces its staff are in (take them
out); nobody else opens it, and it shows no post."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.spaces import actions
from renkei.spaces.models import Membership, MembershipState
from renkei.timeline.actions import post_message
from tests.spaces.helpers import patient_group
from tests.support.region import _affiliate


@pytest.fixture
def invited(region):
    """The helper, pharmacy staff, invited into the clinic's patient group; waiting."""
    _affiliate(region.helper, region.pharmacy)
    space = patient_group(region, region.nurse)
    post_message(region.doctor, space_id=space.pk, body="内服薬の変更があります")
    actions.invite_to_patient_group(region.doctor, space_id=space.pk, member_ids=[region.helper.pk])
    return space


def queue_url(facility) -> str:
    return f"/facilities/{facility.public_id}/invitations/"


def decision_url(facility, space, member, what: str) -> str:
    return (
        f"/facilities/{facility.public_id}/spaces/{space.public_id}"
        f"/members/{member.public_id}/{what}/"
    )


@pytest.mark.rule("R2.10")
def test_the_admin_sees_the_queue_and_approves(region, invited, client_for):
    admin = client_for(region.pharmacist)
    console = admin.get(f"/facilities/{region.pharmacy.public_id}/").content.decode()
    assert queue_url(region.pharmacy) in console
    page = admin.get(queue_url(region.pharmacy)).content.decode()
    assert "承認待ちの招待" in page
    assert "小林 優" in page
    assert "あさか在宅クリニック" in page  # the lead facility
    assert "山田 一郎" in page  # who invited
    assert "内服薬" not in page  # no post
    response = admin.post(
        decision_url(region.pharmacy, invited, region.helper, "approve"), follow=True
    )
    assert "小林 優さんが参加できるようになりました。" in response.content.decode()
    membership = Membership.objects.get(space=invited, member=region.helper)
    assert membership.is_active
    assert membership.via_facility == region.pharmacy
    assert "承認待ちの招待はありません。" in admin.get(queue_url(region.pharmacy)).content.decode()
    assert client_for(region.helper).get(f"/spaces/{invited.public_id}/").status_code == 200


@pytest.mark.rule("R2.10")
def test_the_admin_declines_with_a_reason(region, invited, client_for):
    admin = client_for(region.pharmacist)
    response = admin.post(
        decision_url(region.pharmacy, invited, region.helper, "decline"),
        {"reason": "担当外のため"},
        follow=True,
    )
    assert "小林 優さんへの招待を承認しませんでした。" in response.content.decode()
    membership = Membership.objects.get(space=invited, member=region.helper)
    assert membership.state == MembershipState.DECLINED
    assert membership.decline_reason == "担当外のため"
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_DECLINED).exists()
    assert client_for(region.helper).get(f"/spaces/{invited.public_id}/").status_code == 404


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize("other", ["helper", "clinic_admin", "doctor", "visiting_nurse", "nurse"])
def test_nobody_else_sees_or_decides(region, invited, client_for, other):
    client = client_for(region.cast[other])
    assert client.get(queue_url(region.pharmacy)).status_code == 404
    response = client.post(decision_url(region.pharmacy, invited, region.helper, "approve"))
    assert response.status_code == 404
    assert (
        Membership.objects.get(space=invited, member=region.helper).state
        == MembershipState.PENDING_APPROVAL
    )
    # The clinic's console shows the clinic's own queue, never the pharmacy's staff.
    if other == "clinic_admin":
        page = client.get(queue_url(region.clinic)).content.decode()
        assert "小林 優" not in page


@pytest.mark.rule("R2.10")
def test_the_admin_takes_staff_out_of_a_space_from_the_page(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    post_message(region.doctor, space_id=space.pk, body="訪問予定の変更")
    admin = client_for(region.visiting_nurse)  # the station's admin; the pharmacy's is below
    assert (
        admin.post(decision_url(region.station, space, region.pharmacist, "remove")).status_code
        == 404
    )
    clinic = client_for(region.clinic_admin)
    page = clinic.get(queue_url(region.clinic)).content.decode()
    assert "佐藤 花子" in page
    assert "訪問予定" not in page
    response = clinic.post(decision_url(region.clinic, space, region.nurse, "remove"), follow=True)
    assert "佐藤 花子さんをスペースから外しました。" in response.content.decode()
    assert Membership.objects.get(space=space, member=region.nurse).state == MembershipState.REMOVED
    # The last patient group admin stays (R3.4).
    response = clinic.post(decision_url(region.clinic, space, region.doctor, "remove"), follow=True)
    assert "別の患者グループ管理者を決めてください" in response.content.decode()
    assert Membership.objects.get(space=space, member=region.doctor).is_active
