"""The governance API (R2.10, R3.1): a facility admin's queue of invitations, approving,
declining, taking staff out of spaces, the patient groups the facility leads; refusals for
everyone else, and no post anywhere in these answers."""

from __future__ import annotations

import pytest

from renkei.spaces import actions
from renkei.spaces.models import Membership, MembershipState
from renkei.timeline.actions import post_message
from tests.spaces.helpers import group, patient_group
from tests.support.region import _affiliate

JSON = "application/json"


@pytest.fixture
def invited(region):
    """The helper, pharmacy staff, invited into the clinic's patient group; waiting."""
    _affiliate(region.helper, region.pharmacy)
    space = patient_group(region, region.nurse)
    post_message(region.doctor, space_id=space.pk, body="内服薬の変更があります")
    actions.invite_to_patient_group(region.doctor, space_id=space.pk, member_ids=[region.helper.pk])
    return space


def base(facility) -> str:
    return f"/api/v1/facilities/{facility.public_id}"


@pytest.mark.rule("R2.10")
def test_the_queue_lists_the_invitation_and_approving_opens_the_space(region, invited, client_for):
    admin = client_for(region.pharmacist)
    queue = admin.get(f"{base(region.pharmacy)}/invitations")
    assert queue.status_code == 200
    (row,) = queue.json()
    assert row["space"] == str(invited.public_id)
    assert row["kind"] == "patient_group"
    assert row["patient_name"] == "朝霞 花子"
    assert row["lead_facility"]["name"] == region.clinic.name
    assert row["member"]["id"] == str(region.helper.public_id)
    assert row["invited_by"]["id"] == str(region.doctor.public_id)
    assert "内服薬" not in queue.content.decode()
    helper = client_for(region.helper)
    assert helper.get(f"/api/v1/spaces/{invited.public_id}/posts").status_code == 404
    approved = admin.post(
        f"{base(region.pharmacy)}/invitations/{invited.public_id}/{region.helper.public_id}/approve"
    )
    assert approved.status_code == 200
    assert approved.json()["state"] == "active"
    assert helper.get(f"/api/v1/spaces/{invited.public_id}/posts").status_code == 200
    assert admin.get(f"{base(region.pharmacy)}/invitations").json() == []
    again = admin.post(
        f"{base(region.pharmacy)}/invitations/{invited.public_id}/{region.helper.public_id}/approve"
    )
    assert again.status_code == 404


@pytest.mark.rule("R2.10")
def test_declining_keeps_the_space_closed(region, invited, client_for):
    admin = client_for(region.pharmacist)
    path = f"{base(region.pharmacy)}/invitations/{invited.public_id}/{region.helper.public_id}"
    too_long = admin.post(f"{path}/decline", {"reason": "あ" * 501}, content_type=JSON)
    assert too_long.status_code == 422
    declined = admin.post(f"{path}/decline", {"reason": "担当外"}, content_type=JSON)
    assert declined.status_code == 200
    assert declined.json()["state"] == "declined"
    assert Membership.objects.get(space=invited, member=region.helper).decline_reason == "担当外"
    assert client_for(region.helper).get(f"/api/v1/spaces/{invited.public_id}").status_code == 404


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize(
    "other", ["helper", "clinic_admin", "doctor", "visiting_nurse", "secretariat"]
)
def test_nobody_else_reads_or_decides(region, invited, client_for, other):
    client = client_for(region.cast[other])
    assert client.get(f"{base(region.pharmacy)}/invitations").status_code == 404
    assert client.get(f"{base(region.pharmacy)}/staff-spaces").status_code == 404
    path = f"{base(region.pharmacy)}/invitations/{invited.public_id}/{region.helper.public_id}"
    assert client.post(f"{path}/approve").status_code == 404
    assert client.post(f"{path}/decline", {}, content_type=JSON).status_code == 404
    assert (
        Membership.objects.get(space=invited, member=region.helper).state
        == MembershipState.PENDING_APPROVAL
    )


@pytest.mark.rule("R2.10")
def test_the_admin_takes_staff_out_of_any_space(region, client_for):
    space = group(region, region.nurse, region.pharmacist)
    post_message(region.nurse, space_id=space.pk, body="相談したいことがあります")
    admin = client_for(region.clinic_admin)
    listed = admin.get(f"{base(region.clinic)}/staff-spaces")
    assert listed.status_code == 200
    assert {(r["space"], r["member"]["id"]) for r in listed.json()} == {
        (str(space.public_id), str(region.nurse.public_id))
    }
    assert "相談" not in listed.content.decode()
    # Not the clinic's staff: the pharmacist is out of reach.
    other = admin.delete(
        f"{base(region.clinic)}/staff-spaces/{space.public_id}/{region.pharmacist.public_id}"
    )
    assert other.status_code == 404
    removed = admin.delete(
        f"{base(region.clinic)}/staff-spaces/{space.public_id}/{region.nurse.public_id}"
    )
    assert removed.status_code == 200
    assert Membership.objects.get(space=space, member=region.nurse).state == MembershipState.REMOVED
    assert admin.get(f"/api/v1/spaces/{space.public_id}/posts").status_code == 404


@pytest.mark.rule("R3.1")
def test_the_lead_facility_lists_its_patient_groups(region, client_for):
    space = patient_group(region, region.nurse)
    listed = client_for(region.clinic_admin).get(f"{base(region.clinic)}/patient-groups")
    assert listed.status_code == 200
    assert listed.json() == [
        {"id": str(space.public_id), "state": "active", "patient_name": "朝霞 花子"}
    ]
    assert client_for(region.nurse).get(f"{base(region.clinic)}/patient-groups").status_code == 404
    assert (
        client_for(region.pharmacist).get(f"{base(region.clinic)}/patient-groups").status_code
        == 404
    )
