"""What a member sees of their notifications: only rows of spaces they may still read."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from renkei.accounts.models import Member
from renkei.notifications.models import EmailPreference, Notification, NotificationKind
from renkei.spaces.models import Membership, MembershipState, SpaceKind, SpaceState


def _visible(rows: QuerySet[Notification]) -> QuerySet[Notification]:
    """Of ``rows``, those their member may see: of spaces where their membership is active
    (and connection requests still waiting for them); never of a deleted space or about a
    deleted post. Checked row by row against the row's own member, so one query serves
    one member or many."""
    memberships = Membership.objects.filter(
        member_id=OuterRef("member_id"), space_id=OuterRef("space_id")
    ).exclude(space__state=SpaceState.DELETED)
    readable = memberships.filter(state=MembershipState.ACTIVE)
    asked = memberships.filter(state=MembershipState.INVITED, space__kind=SpaceKind.CONNECTION)
    return rows.filter(
        Q(Exists(readable)) | Q(Q(kind=NotificationKind.CONNECTION_REQUEST) & Q(Exists(asked)))
    ).filter(Q(post__isnull=True) | Q(post__deleted_at__isnull=True))


def visible_notifications(viewer: Member) -> QuerySet[Notification]:
    """The viewer's notifications of spaces where their membership is active (and connection
    requests still waiting for them); never of a deleted space or about a deleted post."""
    return _visible(Notification.objects.filter(member=viewer))


def unread_counts(member_ids: Collection[int]) -> dict[int, int]:
    """The badge of several members at once, by member id (one query): what ``unread_count``
    answers for each (their live connections, told that something arrived)."""
    ids = sorted(set(member_ids))
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    rows = (
        _visible(Notification.objects.filter(member_id__in=ids, read_at__isnull=True))
        .order_by()
        .values("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    counts.update(rows)
    return counts


def my_notifications(viewer: Member) -> QuerySet[Notification]:
    """The viewer's notifications, newest first, with what the list shows of each."""
    return (
        visible_notifications(viewer)
        .select_related("space", "space__patient", "actor", "post")
        .order_by("-created_at", "-id")
    )


def unread_count(viewer: Member) -> int:
    """How many of the viewer's notifications are unread: the badge in the navigation."""
    if not viewer.is_authenticated:
        return 0
    return visible_notifications(viewer).filter(read_at__isnull=True).count()


def email_choices(viewer: Member) -> dict[str, bool]:
    """Whether the viewer wants e-mail for each kind of space; on unless turned off."""
    choices = dict.fromkeys(SpaceKind.values, True)
    for kind, enabled in EmailPreference.objects.filter(member=viewer).values_list(
        "space_kind", "enabled"
    ):
        if kind in choices:
            choices[kind] = enabled
    return choices
