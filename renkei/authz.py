"""Who may do what: every permission of the region, read in one file.

Each predicate answers for one acting member; actions call them before changing anything and
queries use the scoping helpers to build what a viewer may see. Rule ids are those of RULES.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

if TYPE_CHECKING:
    from renkei.accounts.models import Member
    from renkei.facilities.models import Facility
    from renkei.spaces.models import Membership, Space
    from renkei.timeline.models import Post


def _current_affiliations(member: Member) -> Q:
    return Q(member=member, lost_on__isnull=True, facility__state="active")


def is_eligible(member: Member) -> bool:
    """R1.2: an activated account may sign in while it holds a current registration with an
    active facility, or a secretariat role; a deregistered member may not."""
    from renkei.facilities.models import Affiliation

    if not member.is_active:
        return False
    if member.is_secretariat or member.is_operator:
        return True
    return Affiliation.objects.filter(_current_affiliations(member)).exists()


def is_secretariat(member: Member) -> bool:
    return bool(member.is_authenticated and member.is_secretariat)


def may_decide_applications(member: Member) -> bool:
    """R1.1: only the secretariat accepts or rejects a facility's application."""
    return is_secretariat(member)


def may_change_policy(member: Member) -> bool:
    """The regional policy is the secretariat's to change."""
    return is_secretariat(member)


def is_facility_admin(member: Member, facility: Facility) -> bool:
    """A current facility admin (the seed's MCS管理者) of an active facility."""
    from renkei.facilities.models import Affiliation

    return Affiliation.objects.filter(
        _current_affiliations(member), facility=facility, is_admin=True
    ).exists()


def is_facility_manager(member: Member, facility: Facility) -> bool:
    """The current facility manager (事業所管理者) of an active facility."""
    from renkei.facilities.models import Affiliation

    return Affiliation.objects.filter(
        _current_affiliations(member), facility=facility, is_manager=True
    ).exists()


def may_manage_staff(member: Member, facility: Facility) -> bool:
    """R2.10: a facility admin registers and removes the facility's staff."""
    return is_facility_admin(member, facility)


def may_appoint_admins(member: Member, facility: Facility) -> bool:
    """R2.8: the facility manager appoints and revokes facility admins; the secretariat may act
    for a facility whose manager changed (form 3 re-submitted)."""
    return is_facility_manager(member, facility) or is_secretariat(member)


def may_withdraw_facility(member: Member, facility: Facility) -> bool:
    """R1.2: a facility leaves through its manager or the secretariat."""
    return is_facility_manager(member, facility) or is_secretariat(member)


def may_view_staff(member: Member, facility: Facility) -> bool:
    """A facility's form-3 list is seen by its own current staff and the secretariat."""
    from renkei.facilities.models import Affiliation

    if is_secretariat(member):
        return True
    return Affiliation.objects.filter(_current_affiliations(member), facility=facility).exists()


def admin_facility_ids(member: Member) -> list[int]:
    """The facilities whose audit trail and console this member may open as facility admin."""
    from renkei.facilities.models import Affiliation

    return list(
        Affiliation.objects.filter(_current_affiliations(member), is_admin=True).values_list(
            "facility_id", flat=True
        )
    )


def may_view_audit(member: Member) -> bool:
    """The secretariat reads the whole trail; a facility admin, that of its facilities."""
    return is_secretariat(member) or bool(admin_facility_ids(member))


def may_view_facility_audit(member: Member, facility: Facility) -> bool:
    """One facility's audit trail is read by its facility admins and the secretariat."""
    return is_secretariat(member) or is_facility_admin(member, facility)


# --- Devices (R2.3, R2.5) --------------------------------------------------------------------


def _admins_owner(member: Member, owner: Member) -> bool:
    from renkei.facilities.models import Affiliation

    return Affiliation.objects.filter(
        member=owner, lost_on__isnull=True, facility_id__in=admin_facility_ids(member)
    ).exists()


def may_report_device_lost(member: Member, owner: Member) -> bool:
    """R2.5: a lost device is reported by its owner or a facility admin of the owner's
    facility."""
    return member.pk == owner.pk or _admins_owner(member, owner)


def may_cut_off_device(member: Member, owner: Member) -> bool:
    """R2.5, R2.10: a facility admin of the owner's facility cuts a device off."""
    return _admins_owner(member, owner)


def may_manage_devices(member: Member, facility: Facility) -> bool:
    """R2.10: the registry of the devices of a facility's staff is its facility admins'."""
    return is_facility_admin(member, facility)


# --- Second factors (R2.3, R2.10) ------------------------------------------------------------


def may_reset_second_factor(member: Member, owner: Member) -> bool:
    """R2.3, R2.10: a facility admin resets the second factor of its own facility's staff; the
    secretariat, of anyone."""
    return is_secretariat(member) or _admins_owner(member, owner)


# --- Spaces (R2.6, R3.1) ---------------------------------------------------------------------
# Space predicates take the viewer's membership of the space (or None), fetched by the caller,
# so a page that checks several things asks the database once.


def may_read_space(membership: Membership | None) -> bool:
    """Only an active member reads a space: its posts, files, search hits and live events."""
    return membership is not None and membership.is_active


def may_post(space: Space, membership: Membership | None) -> bool:
    """An active member writes in a space that is neither archived, frozen nor deleted."""
    return may_read_space(membership) and space.is_writable


def may_manage_group_members(space: Space, membership: Membership | None) -> bool:
    """R2.6: in a group, any member adds and removes members, whatever their profession."""
    return space.kind == "group" and may_post(space, membership)


def may_create_patient_group(member: Member, facility: Facility) -> bool:
    """R3.1: a patient group is created by a member of its lead facility."""
    from renkei.facilities.models import Affiliation

    return Affiliation.objects.filter(_current_affiliations(member), facility=facility).exists()


def is_patient_group_admin(space: Space, membership: Membership | None) -> bool:
    """R3.4: an active member of a patient group who holds its patient group admin role."""
    return (
        space.kind == "patient_group"
        and may_read_space(membership)
        and bool(membership and membership.is_admin)
    )


def is_lead_facility_admin(member: Member, space: Space) -> bool:
    """R3.1: a facility admin of the patient group's lead facility (a member of it or not)."""
    return (
        space.kind == "patient_group"
        and space.lead_facility is not None
        and is_facility_admin(member, space.lead_facility)
    )


def may_manage_patient_group(member: Member, space: Space, membership: Membership | None) -> bool:
    """R3.1, R3.4: a patient group's membership and admins are managed by the facility admins of
    its lead facility (who need not be members, and then read none of its posts) and by its
    patient group admins; no other member."""
    if space.kind != "patient_group" or space.state == "deleted":
        return False
    return is_patient_group_admin(space, membership) or is_lead_facility_admin(member, space)


def may_invite_to_patient_group(
    member: Member, space: Space, membership: Membership | None
) -> bool:
    """R3.1: a patient group's members are invited and removed by its lead facility's facility
    admins and its patient group admins, while the group is active (not archived or frozen)."""
    return space.is_writable and may_manage_patient_group(member, space, membership)


def may_archive_patient_group(space: Space, membership: Membership | None) -> bool:
    """R3.5: the patient group admin moves the group to the archive and restores it."""
    return is_patient_group_admin(space, membership) and space.state != "deleted"


def may_approve_invitations(member: Member, facility: Facility) -> bool:
    """R2.10: a facility admin approves or declines its members' invitations from other
    facilities and removes its members from any space (without reading it)."""
    return is_facility_admin(member, facility)


def may_edit_patient_record(space: Space, membership: Membership | None) -> bool:
    """R3.5: the patient group admin manages the patient record."""
    return (
        space.kind == "patient_group"
        and may_post(space, membership)
        and bool(membership and membership.is_admin)
    )


def may_edit_post(member: Member, post: Post, membership: Membership | None) -> bool:
    """Only the author edits a post, while the space is writable."""
    return post.author_id == member.pk and may_post(post.space, membership)


def may_delete_post(member: Member, post: Post, membership: Membership | None) -> bool:
    """The author or an admin of the space deletes a post, while the space is writable."""
    if not may_post(post.space, membership):
        return False
    return post.author_id == member.pk or bool(membership and membership.is_admin)


# --- Consent (R3.2) --------------------------------------------------------------------------


def may_manage_consent(member: Member, space: Space, membership: Membership | None) -> bool:
    """R3.2: a patient group's consent (form 4) is recorded, withdrawn and its signed copy read
    by the group's patient group admins and the facility admins of its lead facility."""
    if space.kind != "patient_group" or space.state == "deleted":
        return False
    if membership is not None and membership.is_active and membership.is_admin:
        return True
    facility = space.lead_facility
    return facility is not None and is_facility_admin(member, facility)


# --- Complete deletion (R3.5) ----------------------------------------------------------------


def may_request_deletion(member: Member, space: Space, membership: Membership | None) -> bool:
    """R3.5 (R3.1): complete deletion of a patient group is asked for, and the request withdrawn,
    by its patient group admins and the facility admins of its lead facility."""
    if space.kind != "patient_group" or space.state == "deleted":
        return False
    if membership is not None and membership.is_active and membership.is_admin:
        return True
    facility = space.lead_facility
    return facility is not None and is_facility_admin(member, facility)


def may_execute_deletion(member: Member) -> bool:
    """R3.5: only the operator (a secretariat role) executes a complete deletion."""
    return bool(member.is_authenticated and member.is_active and member.is_operator)


def may_read_tombstone(
    member: Member, *, recorded_by_id: int, lead_facility: Facility | None
) -> bool:
    """R3.5: a deletion's tombstone and certificate are read by the operator, the admin who
    recorded the request and the facility admins of the lead facility."""
    if may_execute_deletion(member) or member.pk == recorded_by_id:
        return True
    return lead_facility is not None and is_facility_admin(member, lead_facility)


# --- Pledges and education (R2.9) ------------------------------------------------------------


def may_manage_pledges(member: Member, facility: Facility) -> bool:
    """R2.9: a facility's pledges (forms 1 and 2) and education sessions are kept by its
    facility manager and its facility admins."""
    return is_facility_admin(member, facility) or is_facility_manager(member, facility)


def may_view_pledges(member: Member, facility: Facility) -> bool:
    """R2.9: the secretariat sees every facility's pledges and education, besides those who
    keep them."""
    return is_secretariat(member) or may_manage_pledges(member, facility)


def may_report_for_facility(member: Member, facility: Facility) -> bool:
    """R2.10: a facility admin reports operational problems of its facility to the
    secretariat."""
    return is_facility_admin(member, facility)


def may_report_for_patient_group(space: Space, membership: Membership | None) -> bool:
    """R3.5: a patient group admin reports problems of the patient group to the secretariat."""
    return is_patient_group_admin(space, membership)


def may_handle_reports(member: Member) -> bool:
    """R2.10, R3.5: problem reports are received, answered and closed by the secretariat."""
    return is_secretariat(member)


def may_export(member: Member) -> bool:
    """CSV exports of the form-3 lists and the audit trail are the secretariat's alone."""
    return is_secretariat(member)
