"""The demo's invitations from other facilities, approved by an admin of each invitee's own
facility through the real action (R2.10), as the facilities' admins would on the first day."""

from __future__ import annotations

from renkei.facilities.models import Affiliation
from renkei.spaces.actions import approve_invitation
from renkei.spaces.models import Membership, MembershipState, Space


def approve_waiting_invitations(space: Space) -> None:
    for membership in Membership.objects.filter(
        space=space, state=MembershipState.PENDING_APPROVAL
    ):
        facility_ids = list(
            Affiliation.objects.filter(
                member_id=membership.member_id, lost_on__isnull=True
            ).values_list("facility_id", flat=True)
        )
        admin = (
            Affiliation.objects.filter(
                facility_id__in=facility_ids, is_admin=True, lost_on__isnull=True
            )
            .order_by("facility_id", "id")
            .first()
        )
        if admin is not None:
            approve_invitation(
                admin.member,
                facility_id=admin.facility_id,
                space_id=space.pk,
                member_id=membership.member_id,
            )
