"""Approving invitations from other facilities (R2.10) the way a facility admin does, for tests
that need members of several facilities in one space and are about something else."""

from __future__ import annotations

from renkei.facilities.models import Affiliation
from renkei.spaces import actions
from renkei.spaces.models import Membership, MembershipState, Space


def approve_pending(space: Space) -> None:
    """Each invitation to ``space`` still waiting is approved by an admin of the member's own
    facility, through the real action."""
    waiting = Membership.objects.filter(space=space, state=MembershipState.PENDING_APPROVAL)
    for membership in waiting.select_related("member"):
        facility_ids = Affiliation.objects.filter(
            member=membership.member, lost_on__isnull=True
        ).values_list("facility_id", flat=True)
        admin = (
            Affiliation.objects.filter(
                facility_id__in=list(facility_ids), is_admin=True, lost_on__isnull=True
            )
            .select_related("member", "facility")
            .order_by("facility_id", "id")
            .first()
        )
        assert admin is not None, "the member's facility has no admin to approve"
        actions.approve_invitation(
            admin.member,
            facility_id=admin.facility_id,
            space_id=space.pk,
            member_id=membership.member_id,
        )
