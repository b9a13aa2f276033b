"""Queueing notifications. Rows are written in the action's transaction; the mail sender
(renkei.notifications.mail) picks them up, so a mail problem never undoes a post."""

from __future__ import annotations

from collections.abc import Iterable

from renkei.accounts.models import Member
from renkei.notifications.models import Notification, NotificationKind
from renkei.realtime.publish import publish_on_commit
from renkei.spaces.models import Membership, MembershipState, Space
from renkei.timeline.models import Post


def queue_notification(
    *,
    member: Member,
    space: Space,
    kind: NotificationKind,
    actor: Member | None = None,
    post: Post | None = None,
) -> Notification:
    """One notification for ``member``; their live connections hear of it after commit."""
    notification = Notification.objects.create(
        member=member, space=space, kind=kind, actor=actor, post=post
    )
    publish_on_commit(f"member.{member.pk}", {"type": "member.notified"})
    return notification


def queue_for_post(
    post: Post, *, mentioned: Iterable[Member] = (), ack_requested: Iterable[Member] = ()
) -> int:
    """Notify about a new post: mentions, 了解 requests and a reply to one's post each get
    their own row; every other active member gets one "new posts" row per space until they
    read it, so a busy space does not flood anyone. Returns how many rows were written."""
    space = post.space
    author_id = post.author_id
    direct: dict[int, NotificationKind] = {}
    for member in ack_requested:
        direct[member.pk] = NotificationKind.ACK_REQUEST
    for member in mentioned:
        direct.setdefault(member.pk, NotificationKind.MENTION)
    if post.parent_id is not None and post.parent is not None:
        parent_author = post.parent.author_id
        if parent_author is not None:
            direct.setdefault(parent_author, NotificationKind.REPLY)
    direct.pop(author_id or 0, None)
    active = list(
        Membership.objects.filter(space=space, state=MembershipState.ACTIVE)
        .exclude(member_id=author_id or 0)
        .values_list("member_id", flat=True)
    )
    active_set = set(active)
    rows = [
        Notification(member_id=member_id, space=space, kind=kind, actor_id=author_id, post=post)
        for member_id, kind in direct.items()
        if member_id in active_set
    ]
    already = set(
        Notification.objects.filter(
            space=space, kind=NotificationKind.ACTIVITY, read_at__isnull=True, member_id__in=active
        ).values_list("member_id", flat=True)
    )
    rows += [
        Notification(
            member_id=member_id,
            space=space,
            kind=NotificationKind.ACTIVITY,
            actor_id=author_id,
            post=post,
        )
        for member_id in active
        if member_id not in already and member_id not in direct
    ]
    Notification.objects.bulk_create(rows)
    for row in rows:
        publish_on_commit(f"member.{row.member_id}", {"type": "member.notified"})
    return len(rows)
