"""Compliance at a glance: where the region's rules are not kept, for the secretariat.

Each line of the overview is one ``Check``: an id, a label, the rule it watches, the query of
its cases (whose count is the line's number) and how one case is shown. Adding a line is one
function decorated with ``@check``. A check that reads another app's data names that app in
``needs``; while the app is not installed the line does not exist, so no line ever stands for
data the region does not have.

Cases of patient groups are shown by their lead facility and dates only: the secretariat runs
the network, it does not read patients' records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renkei import authz
from renkei.accounts.models import Member
from renkei.errors import NotFound
from renkei.facilities.models import Affiliation, Facility, FacilityState
from renkei.policy.definitions import Policy
from renkei.policy.queries import current_policy
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind, SpaceState


@dataclass(frozen=True)
class Context:
    """What every check may read, computed once per page: the viewer (always the secretariat),
    the policy and the present."""

    viewer: Member
    policy: Policy
    now: datetime

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)


@dataclass(frozen=True)
class Case:
    """One case behind a line: its cells, and the console page that shows it, if any."""

    cells: tuple[str, ...]
    url: str = ""


@dataclass(frozen=True)
class Check:
    id: str
    label: str | Promise
    rule: str
    columns: tuple[str | Promise, ...]
    cases: Callable[[Context], QuerySet[Any]]
    show: Callable[[Any], Case]
    needs: tuple[str, ...] = field(default=())

    @property
    def available(self) -> bool:
        return all(apps.is_installed(app) for app in self.needs)

    def count(self, context: Context) -> int:
        return self.cases(context).count()


REGISTRY: dict[str, Check] = {}


def check(
    id: str,
    *,
    label: str | Promise,
    rule: str,
    columns: tuple[str | Promise, ...],
    show: Callable[[Any], Case],
    needs: tuple[str, ...] = (),
) -> Callable[[Callable[[Context], QuerySet[Any]]], Callable[[Context], QuerySet[Any]]]:
    """Register the decorated cases query as one line of the overview."""

    def register(
        cases: Callable[[Context], QuerySet[Any]],
    ) -> Callable[[Context], QuerySet[Any]]:
        if id in REGISTRY:
            raise RuntimeError(f"compliance check {id!r} is registered twice")
        REGISTRY[id] = Check(id, label, rule, columns, cases, show, needs)
        return cases

    return register


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    return date_format(value, "Y-m-d")


def _facility_url(facility: Facility) -> str:
    return reverse("console:facility", args=[facility.public_id])


# --- Facilities -------------------------------------------------------------------------------


def _show_facility(facility: Facility) -> Case:
    return Case(
        (facility.name, facility.get_kind_display(), facility.manager_name, facility.tel),
        _facility_url(facility),
    )


@check(
    "facilities_without_admin",
    label=_("Facilities without a current facility admin"),
    rule="R2.8",
    columns=(_("Facility"), _("Kind"), _("Facility manager"), _("TEL")),
    show=_show_facility,
)
def facilities_without_admin(context: Context) -> QuerySet[Facility]:
    """Active facilities none of whose current registrations is a facility admin (R2.8)."""
    admins = Affiliation.objects.filter(
        facility=OuterRef("pk"), lost_on__isnull=True, is_admin=True
    )
    return (
        Facility.objects.filter(state=FacilityState.ACTIVE)
        .exclude(Exists(admins))
        .order_by("name", "id")
    )


# --- Members ----------------------------------------------------------------------------------


def _eligible_members() -> QuerySet[Member]:
    """Members who may sign in (``authz.is_eligible``): activated, with a current registration
    at an active facility or a secretariat role."""
    current = Affiliation.objects.filter(
        member=OuterRef("pk"), lost_on__isnull=True, facility__state=FacilityState.ACTIVE
    )
    return Member.objects.filter(is_active=True).filter(
        Q(is_secretariat=True) | Q(is_operator=True) | Exists(current)
    )


def _show_password(member: Member) -> Case:
    return Case((member.name, member.login_id or "", _day(member.password_changed_at)))


@check(
    "passwords_overdue",
    label=_("Members whose password is overdue"),
    rule="R2.2",
    columns=(_("Name"), _("Login ID"), _("Password last changed")),
    show=_show_password,
)
def passwords_overdue(context: Context) -> QuerySet[Member]:
    """Members who may sign in and whose password is older than the rotation period (R2.2),
    as ``accounts.passwords.password_expired`` decides at sign-in."""
    days = context.policy.password_rotation_days
    if days == 0:
        return Member.objects.none()
    cutoff = context.now - timedelta(days=days)
    return _eligible_members().filter(password_changed_at__lt=cutoff).order_by("furigana", "id")


# --- Pledges (R2.9) ---------------------------------------------------------------------------


def _show_pledge(row: Affiliation) -> Case:
    return Case(
        (
            row.member.name,
            row.facility.name,
            row.member.get_profession_display(),
            _day(row.registered_on),
        ),
        reverse("pledges:console", args=[row.facility.public_id]),
    )


_PLEDGE_COLUMNS = (_("Name"), _("Facility"), _("Profession"), _("Registration date"))


@check(
    "managers_without_form1",
    label=_("Facility managers without form 1 on file"),
    rule="R2.9",
    columns=_PLEDGE_COLUMNS,
    show=_show_pledge,
    needs=("renkei.pledges",),
)
def managers_without_form1(context: Context) -> QuerySet[Affiliation]:
    """Managers of active facilities with no signed or recorded form 1 (R2.9)."""
    from renkei.pledges.queries import managers_without_form1 as missing

    return missing().order_by("facility__name", "number")


@check(
    "staff_without_form2",
    label=_("Staff without a confidentiality pledge (form 2) on file"),
    rule="R2.9",
    columns=_PLEDGE_COLUMNS,
    show=_show_pledge,
    needs=("renkei.pledges",),
)
def staff_without_form2(context: Context) -> QuerySet[Affiliation]:
    """Staff of active facilities with no signed or recorded form 2 (R2.9)."""
    from renkei.pledges.queries import staff_without_form2 as missing

    return missing().order_by("facility__name", "number")


# --- Patient groups ---------------------------------------------------------------------------


def _patient_groups(*states: str) -> QuerySet[Space]:
    return (
        Space.objects.filter(kind=SpaceKind.PATIENT_GROUP, state__in=states)
        .select_related("lead_facility")
        .order_by("lead_facility__name", "created_at", "id")
    )


def _show_group(space: Space) -> Case:
    facility = space.lead_facility
    assert facility is not None  # a patient group always has its lead facility (R3.1)
    return Case(
        (
            facility.name,
            str(space.public_id)[:8],
            space.get_state_display(),
            _day(space.created_at),
            _day(space.last_activity_at),
        ),
        _facility_url(facility),
    )


_GROUP_COLUMNS = (
    _("Lead facility"),
    _("Patient group"),
    _("State"),
    _("Created"),
    _("Last activity"),
)


@check(
    "patient_groups_without_consent",
    label=_("Patient groups without recorded consent"),
    rule="R3.2",
    columns=_GROUP_COLUMNS,
    show=_show_group,
    needs=("renkei.consents",),
)
def patient_groups_without_consent(context: Context) -> QuerySet[Space]:
    """Patient groups in use (active, or frozen by a withdrawal) with no current signed form 4
    (R3.2). Archived groups are read-only and no longer share anything."""
    from renkei.consents.models import ConsentRecord

    current = ConsentRecord.objects.filter(space=OuterRef("pk"), withdrawn_at__isnull=True)
    return _patient_groups(SpaceState.ACTIVE, SpaceState.FROZEN).exclude(Exists(current))


@check(
    "patient_groups_without_admin",
    label=_("Patient groups without a patient group admin"),
    rule="R3.4",
    columns=_GROUP_COLUMNS,
    show=_show_group,
)
def patient_groups_without_admin(context: Context) -> QuerySet[Space]:
    """Patient groups not deleted with no active patient group admin (R3.4)."""
    admins = Membership.objects.filter(
        space=OuterRef("pk"), state=MembershipState.ACTIVE, is_admin=True
    )
    return _patient_groups(SpaceState.ACTIVE, SpaceState.FROZEN, SpaceState.ARCHIVED).exclude(
        Exists(admins)
    )


@check(
    "archive_candidates",
    label=_("Patient groups with no activity for the policy period (archive candidates)"),
    rule="R3.5",
    columns=_GROUP_COLUMNS,
    show=_show_group,
)
def archive_candidates(context: Context) -> QuerySet[Space]:
    """Active patient groups with no post for ``archive_candidate_days`` (R3.5): their admins
    should move them to the archive when support has ended."""
    cutoff = context.now - timedelta(days=context.policy.archive_candidate_days)
    return _patient_groups(SpaceState.ACTIVE).filter(last_activity_at__lt=cutoff)


# --- Problem reports and devices (R2.10, R2.5) --------------------------------------------------


def _show_report(report: Any) -> Case:
    return Case(
        (
            report.title,
            report.facility.name,
            report.get_status_display(),
            _day(report.created_at),
        ),
        reverse("reports:detail", args=[report.public_id]),
    )


@check(
    "open_reports",
    label=_("Open problem reports"),
    rule="R2.10",
    columns=(_("Title"), _("Facility"), _("Status"), _("Reported")),
    show=_show_report,
    needs=("renkei.reports",),
)
def open_reports(context: Context) -> QuerySet[Any]:
    """Problem reports not closed yet (open or in progress), oldest first (R2.10, R3.5)."""
    from renkei.reports.models import ReportStatus
    from renkei.reports.queries import inbox

    return inbox(context.viewer).exclude(status=ReportStatus.CLOSED).order_by("created_at", "id")


def _show_device(device: Any) -> Case:
    by = device.reported_lost_by
    return Case(
        (
            device.member.name,
            device.name,
            device.get_kind_display(),
            _day(device.reported_lost_at),
            by.name if by else "—",
        )
    )


@check(
    "lost_devices",
    label=_("Devices reported lost and not yet cut off"),
    rule="R2.5",
    columns=(_("Owner"), _("Device"), _("Kind"), _("Reported lost"), _("Reported by")),
    show=_show_device,
    needs=("renkei.devices",),
)
def lost_devices(context: Context) -> QuerySet[Any]:
    """Devices in the lost state: reported, and waiting for a facility admin to cut them off
    (R2.5)."""
    from renkei.devices.models import Device, DeviceState

    return (
        Device.objects.filter(state=DeviceState.LOST)
        .select_related("member", "reported_lost_by")
        .order_by("reported_lost_at", "id")
    )


# --- Reading the registry ---------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    check: Check
    count: int


def _require_secretariat(viewer: Member) -> None:
    if not authz.is_secretariat(viewer):
        raise NotFound()


def _context(viewer: Member) -> Context:
    return Context(viewer=viewer, policy=current_policy(), now=timezone.now())


def available_checks() -> list[Check]:
    """The checks whose data exists in this installation, in the order they were registered."""
    return [c for c in REGISTRY.values() if c.available]


def compliance_lines(viewer: Member) -> list[Line]:
    """Every available line with its count (secretariat only): one query per line, whatever
    the size of the region."""
    _require_secretariat(viewer)
    context = _context(viewer)
    return [Line(c, c.count(context)) for c in available_checks()]


def access_check(viewer: Member, check_id: str) -> Check:
    """One available check for the secretariat; NotFound otherwise."""
    _require_secretariat(viewer)
    found = REGISTRY.get(check_id)
    if found is None or not found.available:
        raise NotFound()
    return found


def case_page(
    viewer: Member, found: Check, *, number: str | int | None, per_page: int = 100
) -> tuple[Page[Any], list[Case]]:
    """One page of the cases behind a line, and those cases as the list shows them
    (secretariat only)."""
    _require_secretariat(viewer)
    page = Paginator(found.cases(_context(viewer)), per_page).get_page(number)
    return page, [found.show(obj) for obj in page.object_list]
