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
