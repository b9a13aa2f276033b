"""Reads of the secretariat console that the other apps do not offer.

Every function takes the viewer and answers NotFound to anyone but the secretariat, so that a
console page cannot show more than the secretariat may see even if a view forgets its guard.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from renkei import authz
from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.audit.queries import visible_events
from renkei.errors import NotFound
from renkei.facilities import queries as facility_queries
from renkei.facilities.models import Affiliation, Facility, FacilityState
from renkei.facilities.queries import visible_facilities
from renkei.policy.definitions import SETTINGS, Setting
from renkei.policy.queries import current_policy

# A broad actor search is cut here so the query's IN list stays a reasonable size.
MAX_ACTOR_MATCHES = 500


def _require_secretariat(viewer: Member) -> None:
    if not authz.is_secretariat(viewer):
        raise NotFound()


@dataclass(frozen=True)
class Counts:
    """What the console's first page shows at a glance."""

    pending: int
    active: int
    left: int
    rejected: int


def facility_counts(viewer: Member) -> Counts:
    """How many facilities are in each state (secretariat only)."""
    _require_secretariat(viewer)
    by_state = dict(
        visible_facilities(viewer).values_list("state").annotate(n=Count("id")).order_by()
    )
    return Counts(
        pending=by_state.get(FacilityState.APPLIED, 0),
        active=by_state.get(FacilityState.ACTIVE, 0),
        left=by_state.get(FacilityState.LEFT, 0),
        rejected=by_state.get(FacilityState.REJECTED, 0),
    )


def facilities_in_state(viewer: Member, *, state: str) -> QuerySet[Facility]:
    """Facilities in one state, by name (secretariat only); an unknown state lists nothing."""
    _require_secretariat(viewer)
    if state not in FacilityState.values:
        return Facility.objects.none()
    return visible_facilities(viewer).filter(state=state).order_by("name", "id")


def console_facility(viewer: Member, public_id: uuid.UUID | str) -> Facility:
    """One facility in any state, for the secretariat; NotFound otherwise."""
    _require_secretariat(viewer)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None
    facility = visible_facilities(viewer).select_related("decided_by").filter(public_id=key).first()
    if facility is None:
        raise NotFound()
    return facility


def facility_choices(viewer: Member) -> list[tuple[str, str]]:
    """Every facility as (public id, name), for the audit filter (secretariat only)."""
    _require_secretariat(viewer)
    return [
        (str(public_id), name)
        for public_id, name in visible_facilities(viewer)
        .order_by("name", "id")
        .values_list("public_id", "name")
    ]


def facility_names(viewer: Member, ids: set[int]) -> dict[int, str]:
    """Names of the facilities with these ids (secretariat only), to label audit rows."""
    _require_secretariat(viewer)
    return dict(visible_facilities(viewer).filter(pk__in=ids).values_list("id", "name"))


def member_ids_matching(viewer: Member, text: str) -> list[int]:
    """Members whose login ID, name or furigana contains ``text`` (secretariat only), for the
    audit trail's actor filter."""
    _require_secretariat(viewer)
    text = text.strip()
    if not text:
        return []
    return list(
        Member.objects.filter(
            Q(login_id__icontains=text) | Q(name__icontains=text) | Q(furigana__icontains=text)
        )
        .order_by("id")
        .values_list("id", flat=True)[:MAX_ACTOR_MATCHES]
    )


def audit_object_types(viewer: Member) -> list[str]:
    """The object types that occur in the audit trail, for the filter (secretariat only)."""
    _require_secretariat(viewer)
    return sorted(
        t
        for t in visible_events(viewer).order_by().values_list("object_type", flat=True).distinct()
        if t
    )


def audit_events(
    viewer: Member,
    *,
    action: int | None = None,
    actor_text: str = "",
    facility_id: int | None = None,
    object_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The audit trail as the secretariat filters it, newest first.

    The actor text matches members by login ID or name; events with no member as actor (an
    application sent before any account existed) match on their recorded label instead.
    """
    _require_secretariat(viewer)
    events = visible_events(
        viewer,
        action=action,
        facility_id=facility_id,
        object_type=object_type,
        since=since,
        until=until,
    )
    text = actor_text.strip()
    if text:
        ids = member_ids_matching(viewer, text)
        events = events.filter(
            Q(actor_id__in=ids) | Q(actor_id__isnull=True, actor_label__icontains=text)
        )
    return events


def recent_policy_changes(viewer: Member, *, limit: int = 10) -> list[AuditEvent]:
    """The latest changes of the regional policy (secretariat only)."""
    _require_secretariat(viewer)
    return list(visible_events(viewer, action=AuditAction.POLICY_CHANGED)[:limit])


@dataclass(frozen=True)
class PolicyRow:
    """One setting as the policy page shows it."""

    setting: Setting
    current: Any

    @property
    def is_default(self) -> bool:
        return bool(self.current == self.setting.default)

    @property
    def default_text(self) -> str:
        """The default as the page shows it; yes or no for a switch."""
        if self.setting.kind is bool:
            return gettext("Yes") if self.setting.default else gettext("No")
        return str(self.setting.default)


def policy_rows(viewer: Member) -> list[PolicyRow]:
    """Every setting of the regional policy with the value in force (secretariat only)."""
    _require_secretariat(viewer)
    policy = current_policy()
    return [PolicyRow(setting=s, current=getattr(policy, s.key)) for s in SETTINGS]


def pending_applications(viewer: Member) -> QuerySet[Facility]:
    """Applications waiting for a decision, oldest first, with how many users each lists."""
    _require_secretariat(viewer)
    return facility_queries.pending_applications(viewer).annotate(user_count=Count("applied_users"))


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a facility's user list or roles, as the facility page's history shows it."""

    on: date
    at: datetime | None
    kind: str  # "registered", "deregistered", or an audit action's label
    name: str
    number: int | None
    by: str


# Role and membership changes of the audit trail that the form-3 rows do not record themselves.
_ROLE_EVENTS = (
    AuditAction.ADMIN_APPOINTED,
    AuditAction.ADMIN_REVOKED,
    AuditAction.FACILITY_ACCEPTED,
    AuditAction.FACILITY_LEFT,
)


def facility_history(viewer: Member, facility: Facility) -> list[HistoryEntry]:
    """The facility's user list over time, newest first (secretariat only): each registration
    and loss of eligibility from the form-3 rows (R1.2), with the appointments and revocations
    of admins and the facility's acceptance and leaving from the audit trail (R2.8)."""
    _require_secretariat(viewer)
    entries: list[HistoryEntry] = []
    rows = Affiliation.objects.filter(facility=facility).select_related(
        "member", "registered_by", "deregistered_by"
    )
    for row in rows:
        entries.append(
            HistoryEntry(
                on=row.registered_on,
                at=None,
                kind="registered",
                name=row.member.name,
                number=row.number,
                by=row.registered_by.name if row.registered_by else "",
            )
        )
        if row.lost_on is not None:
            entries.append(
                HistoryEntry(
                    on=row.lost_on,
                    at=None,
                    kind="deregistered",
                    name=row.member.name,
                    number=row.number,
                    by=row.deregistered_by.name if row.deregistered_by else "",
                )
            )
    events = visible_events(viewer, facility_id=facility.pk).filter(action__in=_ROLE_EVENTS)
    for event in events:
        label = event.get_action_display()
        if event.action == AuditAction.ADMIN_APPOINTED and event.detail.get("manager"):
            label = gettext("Recorded as facility manager")
        entries.append(
            HistoryEntry(
                on=timezone.localdate(event.at),
                at=event.at,
                kind=str(label),
                name=event.object_label if event.object_type == "member" else "",
                number=None,
                by=event.actor_label,
            )
        )
    # Newest first; on one day, the audit trail's timed events after the dated rows.
    entries.sort(
        key=lambda e: (e.on, e.at.timestamp() if e.at else 0.0, e.number or 0), reverse=True
    )
    return entries
