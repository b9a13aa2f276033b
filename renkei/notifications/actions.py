"""Queueing notifications, reading them, and each member's e-mail choices.

Rows are written in the action's transaction; after commit the mail sender
(renkei.notifications.mail) picks them up in the background, so a mail problem never undoes
or delays a post. Reading notifications is not audited: it changes only the reader's own rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.models import Member
from renkei.errors import NotFound, ValidationFailed
from renkei.notifications.models import EmailPreference, Notification, NotificationKind
from renkei.notifications.queries import visible_notifications
from renkei.prepared import prepared
from renkei.realtime.publish import publish_on_commit
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind
from renkei.timeline.models import Post


def _mail_after_commit() -> None:
    from renkei.notifications.mail import dispatch

    transaction.on_commit(dispatch)


@prepared
def _active_with_unread_mark(
    space_id: int, author_id: int
) -> QuerySet[Membership, tuple[int, bool]]:
    """The space's active members but the author and, in the same query, whether each already
    has an unread "new posts" row of this space."""
    unread = Notification.objects.filter(
        space_id=space_id,
        kind=NotificationKind.ACTIVITY,
        read_at__isnull=True,
        member_id=OuterRef("member_id"),
    )
    return (
        Membership.objects.filter(space_id=space_id, state=MembershipState.ACTIVE)
        .exclude(member_id=author_id)
        .annotate(has_unread=Exists(unread))
        .values_list("member_id", "has_unread")
    )


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
    _mail_after_commit()
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
    marks = _active_with_unread_mark.all(space.pk, author_id or 0)
    active = [member_id for member_id, _has in marks]
    active_set = set(active)
    rows = [
        Notification(member_id=member_id, space=space, kind=kind, actor_id=author_id, post=post)
        for member_id, kind in direct.items()
        if member_id in active_set
    ]
    already = {member_id for member_id, has_unread in marks if has_unread}
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
    if rows:
        _mail_after_commit()
    return len(rows)


def mark_notification_read(actor: Member, *, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications read; emits member.notified (the badge)."""
    notification = visible_notifications(actor).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        publish_on_commit(f"member.{actor.pk}", {"type": "member.notified"})
    return notification


def mark_all_notifications_read(actor: Member) -> int:
    """Mark every unread notification of the actor read; returns how many there were."""
    count = Notification.objects.filter(
        pk__in=list(
            visible_notifications(actor).filter(read_at__isnull=True).values_list("pk", flat=True)
        )
    ).update(read_at=timezone.now())
    if count:
        publish_on_commit(f"member.{actor.pk}", {"type": "member.notified"})
    return count


def set_email_choices(actor: Member, *, choices: Mapping[str, bool]) -> dict[str, bool]:
    """The actor turns e-mail on or off for each kind of space (patient groups, groups,
    connections). Only the actor's own choices change."""
    unknown = set(choices) - set(SpaceKind.values)
    if unknown:
        raise ValidationFailed({"space_kind": [_("Choose a kind of space from the list.")]})
    with transaction.atomic():
        for kind, enabled in choices.items():
            EmailPreference.objects.update_or_create(
                member=actor, space_kind=kind, defaults={"enabled": bool(enabled)}
            )
    from renkei.notifications.queries import email_choices

    return email_choices(actor)
