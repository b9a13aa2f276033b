"""What a viewer may see of spaces: their own memberships only, with unread counts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from renkei import authz
from renkei.accounts.models import Member
from renkei.errors import NotFound, ValidationFailed
from renkei.facilities.models import Affiliation, Facility
from renkei.prepared import prepared
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind, SpaceState
from renkei.timeline.models import Post


@dataclass
class SpaceAccess:
    """A space the viewer may read, with the viewer's membership."""

    space: Space
    membership: Membership


def _parse(public_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None


@prepared
def _active_membership(member_id: int, public_id: uuid.UUID) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("space", "space__lead_facility")
        .filter(member_id=member_id, space__public_id=public_id, state=MembershipState.ACTIVE)
        .exclude(space__state=SpaceState.DELETED)
    )


@prepared
def _membership_row(space_id: int, member_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(space_id=space_id, member_id=member_id)


def membership_of(member: Member, space: Space) -> Membership | None:
    """The member's membership of the space in whatever state, or None; what it allows is for
    renkei.authz to say. Read on every post and page, so its SQL is prepared once."""
    return _membership_row.first(space.pk, member.pk)


def access_space(viewer: Member, public_id: uuid.UUID | str) -> SpaceAccess:
    """The space and the viewer's active membership; NotFound whether missing or not theirs."""
    membership = _active_membership.first(viewer.pk, _parse(public_id))
    if not authz.may_read_space(membership):
        raise NotFound()
    assert membership is not None
    return SpaceAccess(space=membership.space, membership=membership)


def _unread(viewer: Member) -> Subquery:
    counted = (
        Post.objects.filter(
            space=OuterRef("space_id"),
            pk__gt=OuterRef("last_read_post_id"),
            deleted_at__isnull=True,
        )
        .exclude(author=viewer)
        .order_by()
        .values("space")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counted, output_field=IntegerField())


def _listed(
    viewer: Member, member_states: tuple[str, ...], space_states: tuple[str, ...]
) -> QuerySet[Membership]:
    return Membership.objects.filter(
        member=viewer, state__in=member_states, space__state__in=space_states
    )


def my_spaces(
    viewer: Member,
    *,
    kind: SpaceKind | str | None = None,
    states: tuple[str, ...] = (SpaceState.ACTIVE, SpaceState.FROZEN),
) -> QuerySet[Membership]:
    """The viewer's memberships (active, and connection requests waiting for them), newest
    activity first, each with ``unread``; one query whatever the number of spaces or posts."""
    rows = (
        _listed(viewer, (MembershipState.ACTIVE, MembershipState.INVITED), states)
        .select_related("space", "space__patient", "space__lead_facility", "invited_by")
        .annotate(unread=Coalesce(_unread(viewer), 0))
        .order_by("-space__last_activity_at", "-space_id")
    )
    if kind:
        rows = rows.filter(space__kind=kind)
    return rows


def my_active_spaces(viewer: Member) -> QuerySet[Membership]:
    """The viewer's active memberships of the listed spaces, with their space and patient,
    newest activity first, without the unread counts: to choose one of them."""
    return (
        _listed(viewer, (MembershipState.ACTIVE,), (SpaceState.ACTIVE, SpaceState.FROZEN))
        .select_related("space", "space__patient")
        .order_by("-space__last_activity_at", "-space_id")
    )


def unread_totals(viewer: Member) -> dict[str, int]:
    """Unread posts per kind of space, for the tabs of the space list: the listed spaces
    where the viewer is active, read as (kind, unread) pairs only."""
    totals = dict.fromkeys(SpaceKind.values, 0)
    rows = (
        _listed(viewer, (MembershipState.ACTIVE,), (SpaceState.ACTIVE, SpaceState.FROZEN))
        .annotate(unread=Coalesce(_unread(viewer), 0))
        .values_list("space__kind", "unread")
    )
    for kind, unread in rows:
        totals[kind] += unread
    return totals


def space_members(viewer: Member, space: Space) -> QuerySet[Membership]:
    """The active members of a space the viewer belongs to (or, of a patient group, that the
    viewer manages as a facility admin of its lead facility, R3.1), with their profession."""
    if not Membership.objects.filter(
        space=space, member=viewer, state=MembershipState.ACTIVE
    ).exists() and not authz.is_lead_facility_admin(viewer, space):
        raise NotFound()
    return (
        Membership.objects.filter(space=space, state=MembershipState.ACTIVE)
        .select_related("member", "via_facility")
        .order_by("-is_admin", "member__furigana", "member_id")
    )


def connection_partner(viewer: Member, space: Space) -> Member | None:
    """The other member of a connection."""
    other = (
        Membership.objects.filter(space=space)
        .exclude(member=viewer)
        .select_related("member")
        .first()
    )
    return other.member if other else None


def candidates(viewer: Member, query: str, *, limit: int = 20) -> QuerySet[Member]:
    """Members of the network to add to a space or connect with, found by name, furigana or
    login ID: activated and currently registered with an active facility."""
    query = query.strip()
    if not query or not authz.is_eligible(viewer):
        return Member.objects.none()
    return (
        Member.objects.filter(
            is_active=True,
            affiliations__lost_on__isnull=True,
            affiliations__facility__state="active",
        )
        .filter(
            Q(name__icontains=query) | Q(furigana__icontains=query) | Q(login_id__icontains=query)
        )
        .exclude(pk=viewer.pk)
        .distinct()
        .order_by("furigana", "id")[:limit]
    )


def members_by_public_id(
    viewer: Member, public_ids: Iterable[uuid.UUID], *, field: str = "members"
) -> list[Member]:
    """The activated members named by public id, for an action to add or connect (which then
    checks that each may take part). A name of nobody is refused as a member who is not in
    the network would be."""
    wanted = set(public_ids)
    if not wanted:
        return []
    found = list(Member.objects.filter(public_id__in=wanted, is_active=True))
    if len(found) != len(wanted):
        raise ValidationFailed({field: [_("Choose members who are in the network.")]})
    return found


def connection_others(viewer: Member, rows: Iterable[Membership]) -> dict[int, Membership]:
    """The other side's membership (with its member and state: asked, declined, active) of each
    of the viewer's connections among ``rows``, by space id; one query."""
    space_ids = [
        row.space_id
        for row in rows
        if row.member_id == viewer.pk and row.space.kind == SpaceKind.CONNECTION
    ]
    if not space_ids:
        return {}
    others = (
        Membership.objects.filter(space_id__in=space_ids, space__memberships__member=viewer)
        .exclude(member=viewer)
        .select_related("member")
    )
    return {row.space_id: row for row in others}


def connection_request(viewer: Member, public_id: uuid.UUID | str) -> Space:
    """A connection that another member asked the viewer for and that waits for the answer."""
    membership = (
        Membership.objects.select_related("space")
        .filter(
            member=viewer,
            space__public_id=_parse(public_id),
            space__kind=SpaceKind.CONNECTION,
            state=MembershipState.INVITED,
        )
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership.space


def member_roster(viewer: Member, space: Space) -> QuerySet[Membership]:
    """The active members of a space with their profession and the facilities they work for
    now (``current_affiliations``); a constant number of queries whatever their number."""
    from django.db.models import Prefetch

    from renkei.facilities.models import Affiliation

    return space_members(viewer, space).prefetch_related(
        Prefetch(
            "member__affiliations",
            queryset=Affiliation.objects.filter(lost_on__isnull=True)
            .select_related("facility")
            .order_by("facility__name"),
            to_attr="current_affiliations",
        )
    )


# Governance: the lead facility, cross-facility approval, the archive (R2.10, R3.1, R3.5) ------


@dataclass
class ManagedSpace:
    """A space whose members page the viewer may open: as an active member, or as a facility
    admin of a patient group's lead facility (``membership`` is then None: no posts)."""

    space: Space
    membership: Membership | None


def access_members_page(viewer: Member, public_id: uuid.UUID | str) -> ManagedSpace:
    """The space for its members page: an active member's, or a patient group managed by the
    viewer as a facility admin of its lead facility (R3.1); NotFound otherwise."""
    key = _parse(public_id)
    membership = (
        Membership.objects.select_related("space", "space__lead_facility")
        .filter(member=viewer, space__public_id=key, state=MembershipState.ACTIVE)
        .exclude(space__state=SpaceState.DELETED)
        .first()
    )
    if membership is not None:
        return ManagedSpace(space=membership.space, membership=membership)
    space = (
        Space.objects.select_related("lead_facility", "patient")
        .filter(public_id=key, kind=SpaceKind.PATIENT_GROUP)
        .exclude(state=SpaceState.DELETED)
        .first()
    )
    if space is None or not authz.is_lead_facility_admin(viewer, space):
        raise NotFound()
    return ManagedSpace(space=space, membership=None)


def pending_members(viewer: Member, space: Space) -> QuerySet[Membership]:
    """Invitations to this space waiting for the invitee's facility (R2.10), for those who may
    manage its members; empty for everyone else."""
    membership = Membership.objects.filter(
        space=space, member=viewer, state=MembershipState.ACTIVE
    ).first()
    may = (
        authz.may_manage_patient_group(viewer, space, membership)
        if space.kind == SpaceKind.PATIENT_GROUP
        else authz.may_read_space(membership)
    )
    if not may:
        return Membership.objects.none()
    return (
        Membership.objects.filter(space=space, state=MembershipState.PENDING_APPROVAL)
        .select_related("member", "invited_by")
        .order_by("created_at", "id")
    )


def _facility_admin(viewer: Member, facility: Facility) -> None:
    if not authz.may_approve_invitations(viewer, facility):
        raise NotFound()


def _current_staff(facility: Facility) -> QuerySet[Affiliation]:
    return Affiliation.objects.filter(facility=facility, lost_on__isnull=True)


def pending_invitations(viewer: Member, facility: Facility) -> QuerySet[Membership]:
    """R2.10: invitations of the facility's current staff into groups and patient groups of
    other facilities, waiting for an admin of this facility, oldest first; NotFound for anyone
    but its facility admins. The patient's name is shown so the admin knows what they approve;
    no post is."""
    _facility_admin(viewer, facility)
    return (
        Membership.objects.filter(
            state=MembershipState.PENDING_APPROVAL,
            member__in=_current_staff(facility).values("member"),
        )
        .exclude(space__state=SpaceState.DELETED)
        .select_related("member", "invited_by", "space", "space__lead_facility", "space__patient")
        .order_by("created_at", "id")
    )


def staff_in_spaces(viewer: Member, facility: Facility) -> QuerySet[Membership]:
    """R2.10: the groups and patient groups the facility's current staff are in, for its admin
    to take a member out of one (without reading it)."""
    _facility_admin(viewer, facility)
    return (
        Membership.objects.filter(
            state=MembershipState.ACTIVE,
            member__in=_current_staff(facility).values("member"),
            space__kind__in=[SpaceKind.GROUP, SpaceKind.PATIENT_GROUP],
        )
        .exclude(space__state=SpaceState.DELETED)
        .select_related("member", "space", "space__lead_facility", "space__patient", "via_facility")
        .order_by("member__furigana", "member_id", "space_id")
    )


def led_patient_groups(viewer: Member, facility: Facility) -> QuerySet[Space]:
    """R3.1: the patient groups the facility leads, for its facility admins to manage their
    members (active and archived)."""
    _facility_admin(viewer, facility)
    return (
        Space.objects.filter(kind=SpaceKind.PATIENT_GROUP, lead_facility=facility)
        .exclude(state=SpaceState.DELETED)
        .select_related("patient")
        .order_by("state", "patient__furigana", "id")
    )


def staff_member_in_space(
    viewer: Member,
    facility: Facility,
    space_public_id: uuid.UUID | str,
    member_public_id: uuid.UUID | str,
) -> Membership:
    """One of the facility's staff in a group or patient group (active or waiting), for its
    facility admin's decision; NotFound otherwise."""
    _facility_admin(viewer, facility)
    row = (
        Membership.objects.filter(
            space__public_id=_parse(space_public_id),
            member__public_id=_parse(member_public_id),
            state__in=[MembershipState.ACTIVE, MembershipState.PENDING_APPROVAL],
            space__kind__in=[SpaceKind.GROUP, SpaceKind.PATIENT_GROUP],
            member__in=_current_staff(facility).values("member"),
        )
        .exclude(space__state=SpaceState.DELETED)
        .select_related("space", "member")
        .first()
    )
    if row is None:
        raise NotFound()
    return row
