"""What a member sees of their notifications: only rows of spaces they may still read."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from renkei.accounts.models import Member
from renkei.notifications.models import EmailPreference, Notification, NotificationKind
from renkei.spaces.models import Membership, MembershipState, SpaceKind, SpaceState


def visible_notifications(viewer: Member) -> QuerySet[Notification]:
    """The viewer's notifications of spaces where their membership is active (and connection
    requests still waiting for them); never of a deleted space or about a deleted post."""
    memberships = Membership.objects.filter(member=viewer).exclude(space__state=SpaceState.DELETED)
    readable = memberships.filter(state=MembershipState.ACTIVE).values("space_id")
    asked = memberships.filter(
        state=MembershipState.INVITED, space__kind=SpaceKind.CONNECTION
    ).values("space_id")
    return (
        Notification.objects.filter(member=viewer)
        .filter(
            Q(space_id__in=readable)
            | Q(kind=NotificationKind.CONNECTION_REQUEST, space_id__in=asked)
        )
        .filter(Q(post__isnull=True) | Q(post__deleted_at__isnull=True))
    )


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
