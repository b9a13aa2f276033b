"""What a viewer may see of a facility's pledges and education (R2.9).

The facility manager and facility admins keep them; the secretariat sees them. Anyone else gets
NotFound, whether the facility is missing or not theirs.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from renkei import authz
from renkei.accounts.models import Member
from renkei.errors import NotFound
from renkei.facilities.models import Affiliation, Facility, FacilityState
from renkei.facilities.queries import access_facility
from renkei.pledges.models import Agreement, EducationSession, Pledge, PledgeForm, PledgeState
from renkei.policy.queries import current_policy


@dataclass
class PledgeAccess:
    facility: Facility
    may_manage: bool


@dataclass
class PledgeRow:
    """One line of the pledges list: a registration, the form it owes, and its pledge if any.

    The manager owes form 1 (to the medical association); the other staff owe form 2 (to the
    manager)."""

    affiliation: Affiliation
    form: int
    pledge: Pledge | None

    @property
    def state(self) -> str:
        return self.pledge.state if self.pledge else "not_issued"


@dataclass
class EducationRow:
    affiliation: Affiliation
    last_attended: date | None
    due_on: date
    overdue: bool


def _parse(public_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None


def pledge_access(viewer: Member, facility_public_id: uuid.UUID | str) -> PledgeAccess:
    """The facility for its manager and admins (who may change things while it is active) and
    for the secretariat (who sees); NotFound for everyone else."""
    facility = access_facility(viewer, facility_public_id)
    if not authz.may_view_pledges(viewer, facility):
        raise NotFound()
    may_manage = facility.is_active and authz.may_manage_pledges(viewer, facility)
    return PledgeAccess(facility=facility, may_manage=may_manage)


def manage_access(viewer: Member, facility_public_id: uuid.UUID | str) -> PledgeAccess:
    access = pledge_access(viewer, facility_public_id)
    if not access.may_manage:
        raise NotFound()
    return access


def current_staff(facility: Facility) -> list[Affiliation]:
    return list(
        Affiliation.objects.filter(facility=facility, lost_on__isnull=True)
        .select_related("member")
        .order_by("number")
    )


def form_for(affiliation: Affiliation) -> int:
    return PledgeForm.MANAGER if affiliation.is_manager else PledgeForm.STAFF


def pledge_rows(access: PledgeAccess) -> list[PledgeRow]:
    """Every current staff member with the pledge they owe and its state."""
    staff = current_staff(access.facility)
    pledges = {
        (p.affiliation_id, p.form): p
        for p in Pledge.objects.filter(affiliation__in=[a.pk for a in staff])
    }
    return [
        PledgeRow(affiliation=a, form=form_for(a), pledge=pledges.get((a.pk, form_for(a))))
        for a in staff
    ]


def staff_affiliation(
    access: PledgeAccess, member_public_id: uuid.UUID | str, *, form: int
) -> Affiliation:
    """The current registration of a member of the facility that owes ``form``; NotFound when
    the member is not current staff or owes the other form."""
    affiliation = (
        Affiliation.objects.filter(
            facility=access.facility,
            lost_on__isnull=True,
            member__public_id=_parse(member_public_id),
        )
        .select_related("member", "facility")
        .first()
    )
    if affiliation is None or form_for(affiliation) != form:
        raise NotFound()
    return affiliation


def manager_affiliation(access: PledgeAccess) -> Affiliation:
    affiliation = (
        Affiliation.objects.filter(facility=access.facility, lost_on__isnull=True, is_manager=True)
        .select_related("member", "facility")
        .first()
    )
    if affiliation is None:
        raise NotFound()
    return affiliation


def access_pledge(access: PledgeAccess, pledge_public_id: uuid.UUID | str) -> Pledge:
    pledge = (
        Pledge.objects.filter(
            public_id=_parse(pledge_public_id), affiliation__facility=access.facility
        )
        .select_related("affiliation__member")
        .first()
    )
    if pledge is None:
        raise NotFound()
    return pledge


def agreements(access: PledgeAccess) -> list[Agreement]:
    """The facility's form 3, newest first: the first is the current one (F3)."""
    return list(Agreement.objects.filter(facility=access.facility).order_by("-issued_at", "-id"))


def access_agreement(access: PledgeAccess, agreement_public_id: uuid.UUID | str) -> Agreement:
    agreement = Agreement.objects.filter(
        public_id=_parse(agreement_public_id), facility=access.facility
    ).first()
    if agreement is None:
        raise NotFound()
    return agreement


def education_sessions(access: PledgeAccess) -> list[EducationSession]:
    return list(
        EducationSession.objects.filter(facility=access.facility)
        .prefetch_related("attendees__member")
        .order_by("-held_on", "-id")
    )


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, kept within the month: 2026-01-31 + 1 → 2026-02-28."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def education_rows(access: PledgeAccess, *, today: date | None = None) -> list[EducationRow]:
    """R2.9: each current staff member's last education and when the next is due: the policy's
    interval after the last session attended, or after registration when none was; overdue
    once that day has passed."""
    today = today or timezone.localdate()
    months = current_policy().education_interval_months
    staff = current_staff(access.facility)
    last = dict(
        EducationSession.objects.filter(facility=access.facility, attendees__in=staff)
        .values_list("attendees")
        .annotate(last=Max("held_on"))
    )
    rows = []
    for affiliation in staff:
        attended = last.get(affiliation.pk)
        due = add_months(attended or affiliation.registered_on, months)
        rows.append(
            EducationRow(
                affiliation=affiliation, last_attended=attended, due_on=due, overdue=due < today
            )
        )
    return rows


def overdue_staff(access: PledgeAccess, *, today: date | None = None) -> list[Affiliation]:
    return [row.affiliation for row in education_rows(access, today=today) if row.overdue]


def _settled(form: int) -> Exists:
    return Exists(
        Pledge.objects.filter(
            affiliation=OuterRef("pk"),
            form=form,
            state__in=[PledgeState.SIGNED, PledgeState.ON_FILE],
        )
    )


def _current_staff_everywhere() -> QuerySet[Affiliation]:
    return Affiliation.objects.filter(
        lost_on__isnull=True, facility__state=FacilityState.ACTIVE
    ).select_related("member", "facility")


def managers_without_form1() -> QuerySet[Affiliation]:
    """Facility managers of active facilities with no signed form 1 and none on file (R2.9).
    Region-wide: for the secretariat's compliance overview, whose caller checks the viewer."""
    return _current_staff_everywhere().filter(is_manager=True).exclude(_settled(PledgeForm.MANAGER))


def staff_without_form2() -> QuerySet[Affiliation]:
    """Staff (other than the manager) of active facilities with no signed form 2 and none on
    file (R2.9). Region-wide, as ``managers_without_form1``."""
    return _current_staff_everywhere().filter(is_manager=False).exclude(_settled(PledgeForm.STAFF))
