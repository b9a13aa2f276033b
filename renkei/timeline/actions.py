"""Everything that changes a timeline: posting, replying, editing, deleting, 了解 and reading.

Each action checks permission (renkei.authz), writes in one transaction with its audit event
and notification rows, and publishes a live event carrying ids only after commit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei import authz, throttle
from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.consents.queries import require_consent
from renkei.errors import DomainError, Forbidden, NotFound, ValidationFailed
from renkei.guard.checks import record_confirmed, screen_post
from renkei.notifications.actions import queue_for_post
from renkei.notifications.models import Notification, NotificationKind
from renkei.policy.queries import current_policy
from renkei.prepared import prepared, prepared_insert, prepared_update
from renkei.realtime.publish import publish_on_commit
from renkei.spaces.models import Membership, MembershipState, Space, SpaceState
from renkei.spaces.queries import membership_of
from renkei.timeline.models import Acknowledgement, AckRequest, Mention, Post, PostVersion

if TYPE_CHECKING:
    from renkei.attachments.uploads import PreparedUpload

_MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9._-]{2,31})", re.IGNORECASE)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_ALLOWED_CONTROL = {"\n", "\t", "\r"}


def space_event(space: Space, event: str, **ids: object) -> None:
    """Publish ``event`` to the space's live connections after commit; ids only."""
    publish_on_commit(
        f"space.{space.pk}", {"type": "space.event", "space_id": space.pk, "event": event, **ids}
    )


def body_problems(body: str, *, required: bool = True) -> list[str]:
    """A post's text: not empty, within the policy's length, no invisible control characters."""
    if not body.strip():
        return [_("Write something to post.")] if required else []
    limit = current_policy().post_max_chars
    if len(body) > limit:
        return [
            _("A post can have at most %(n)d characters (this one has %(m)d).")
            % {"n": limit, "m": len(body)}
        ]
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROL for ch in body):
        return [_("The text contains control characters that cannot be posted.")]
    return []


def mentioned_login_ids(body: str) -> set[str]:
    return {m.rstrip(".").lower() for m in _MENTION.findall(body)}


def _active_members_named(space: Space, login_ids: set[str], *, exclude: int) -> list[Member]:
    if not login_ids:
        return []
    return list(
        Member.objects.filter(
            memberships__space=space,
            memberships__state=MembershipState.ACTIVE,
            login_id__in=login_ids,
        ).exclude(pk=exclude)
    )


_new_post = prepared_insert(Post)


@prepared
def _posts_by_client_id(author_id: int, client_id: str) -> QuerySet[Post]:
    # The repeated condition of the partial unique index lets the database look the pair up in
    # that index; without it, SQLite walks every post the author ever wrote.
    return Post.objects.filter(author_id=author_id, client_id=client_id).exclude(client_id="")


@prepared
def _space_for_update(space_id: int) -> QuerySet[Space]:
    return Space.objects.select_for_update().filter(pk=space_id)


@prepared_update
def _move_last_post(
    space_id: int, post_id: int, at: datetime
) -> tuple[QuerySet[Space], dict[str, object]]:
    return Space.objects.filter(pk=space_id), {"last_post_id": post_id, "last_activity_at": at}


@prepared_update
def _move_read_mark(
    membership_id: int, post_id: int
) -> tuple[QuerySet[Membership], dict[str, object]]:
    # The author has read their own post.
    return Membership.objects.filter(pk=membership_id), {"last_read_post_id": post_id}


def _post_by_client_id(actor: Member, client_id: str) -> Post | None:
    return _posts_by_client_id.first(actor.pk, client_id)


def _locked_space(space_id: int) -> Space:
    space = _space_for_update.first(space_id)
    if space is None or space.state == SpaceState.DELETED:
        raise NotFound()
    return space


def _writable(actor: Member, space: Space) -> Membership:
    membership = membership_of(actor, space)
    if not authz.may_read_space(membership):
        raise NotFound()
    if not authz.may_post(space, membership):
        raise DomainError(_("This space is read-only now; nothing can be written in it."))
    assert membership is not None
    return membership


def post_message(
    actor: Member,
    *,
    space_id: int,
    body: str,
    client_id: str = "",
    parent_id: int | None = None,
    ack_from: Sequence[int] = (),
    attachments: Sequence[PreparedUpload] = (),
    confirm: bool = False,
) -> Post:
    """Post in a space, or reply under a post (active members of a writable space).

    ``client_id``, chosen by the client, makes a retried send return the post it made instead
    of a second one. ``ack_from`` names members asked for 了解 (R3.3②). Mentions (@login ID)
    notify the member. ``attachments`` come from renkei.attachments.uploads.prepare_uploads;
    a post may be attachments alone. In a group or a connection the text and file names are
    screened for patients' personal information first (R2.6, renkei.guard): refused in a
    group, held in a connection until ``confirm``. Audits POST_CREATED; emits post.created.
    """
    from renkei.attachments.uploads import attach_uploads

    throttle.hit("post", member=actor)  # R2.3: per member and per address, no database write
    if problems := body_problems(body, required=not attachments):
        raise ValidationFailed({"body": problems})
    if client_id and not _CLIENT_ID.match(client_id):
        raise ValidationFailed({"client_id": [_("The client id is not valid.")]})
    try:
        with transaction.atomic():
            space = _locked_space(space_id)
            membership = _writable(actor, space)
            require_consent(space)  # R3.2: no post in a patient group before consent
            if client_id:
                existing = _post_by_client_id(actor, client_id)
                if existing is not None:
                    if existing.space_id != space.pk:
                        raise ValidationFailed(
                            {"client_id": [_("This client id was used in another space.")]}
                        )
                    return existing
            parent = None
            if parent_id is not None:
                parent = Post.objects.filter(pk=parent_id, space=space).first()
                if parent is None:
                    raise NotFound()
                if parent.parent_id is not None:
                    raise DomainError(_("Reply to the first post of the thread."))
                if parent.is_deleted:
                    raise DomainError(_("This post was deleted; it cannot be replied to."))
            requested = set(ack_from) - {actor.pk}
            ack_members = (
                list(
                    Member.objects.filter(
                        pk__in=requested,
                        memberships__space=space,
                        memberships__state=MembershipState.ACTIVE,
                    )
                )
                if requested
                else []
            )
            if len(ack_members) != len(requested):
                raise ValidationFailed(
                    {"ack_from": [_("Ask only members of this space for acknowledgement.")]}
                )
            confirmed = screen_post(
                actor,
                space=space,
                body=body,
                file_names=[a.name for a in attachments],
                confirm=confirm,
            )
            post = _new_post.create(
                space=space,
                author=actor,
                parent=parent,
                body=body,
                client_id=client_id,
                ack_required=bool(ack_members),
            )
            attach_uploads(post, attachments)
            mentioned = _active_members_named(space, mentioned_login_ids(body), exclude=actor.pk)
            Mention.objects.bulk_create([Mention(post=post, member=m) for m in mentioned])
            AckRequest.objects.bulk_create([AckRequest(post=post, member=m) for m in ack_members])
            if parent is not None:
                Post.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            _move_last_post.run(space.pk, post.pk, post.created_at)
            space.last_post_id = post.pk
            _move_read_mark.run(membership.pk, post.pk)
            record(
                AuditAction.POST_CREATED,
                actor=actor,
                object_type="post",
                object_id=post.public_id,
                detail={
                    "space": str(space.public_id),
                    "reply": parent is not None,
                    "attachments": [str(a.public_id) for a in attachments],
                },
            )
            record_confirmed(actor, space=space, post_public_id=post.public_id, matches=confirmed)
            queue_for_post(post, mentioned=mentioned, ack_requested=ack_members)
            space_event(
                space,
                "post.created",
                post_id=post.pk,
                parent_id=parent.pk if parent else None,
            )
            return post
    except IntegrityError:
        # The same client id arrived twice at once: the first one made the post.
        existing = _post_by_client_id(actor, client_id) if client_id else None
        if existing is not None and existing.space_id == space_id:
            return existing
        raise


def _locked_post(actor: Member, post_id: int) -> tuple[Post, Membership | None]:
    post = Post.objects.select_for_update().select_related("space").filter(pk=post_id).first()
    if post is None or post.space.state == SpaceState.DELETED:
        raise NotFound()
    membership = membership_of(actor, post.space)
    if not authz.may_read_space(membership):
        raise NotFound()
    return post, membership


def edit_post(actor: Member, *, post_id: int, body: str, confirm: bool = False) -> Post:
    """Change one's own post; the earlier text is kept as a version members can see.

    The new text is screened as a new post is (R2.6). Audits POST_EDITED; emits post.updated.
    """
    if problems := body_problems(body):
        raise ValidationFailed({"body": problems})
    with transaction.atomic():
        post, membership = _locked_post(actor, post_id)
        if post.is_deleted:
            raise DomainError(_("This post was deleted; it cannot be edited."))
        if not authz.may_edit_post(actor, post, membership):
            raise Forbidden(_("Only the author can edit a post, while the space is active."))
        if post.body == body:
            return post
        confirmed = screen_post(actor, space=post.space, body=body, confirm=confirm)
        now = timezone.now()
        PostVersion.objects.create(
            post=post, body=post.body, written_at=post.edited_at or post.created_at, replaced_at=now
        )
        post.body = body
        post.edited_at = now
        post.save(update_fields=["body", "edited_at"])
        known = set(Mention.objects.filter(post=post).values_list("member_id", flat=True))
        newly = [
            m
            for m in _active_members_named(post.space, mentioned_login_ids(body), exclude=actor.pk)
            if m.pk not in known
        ]
        Mention.objects.bulk_create([Mention(post=post, member=m) for m in newly])
        for member in newly:
            Notification.objects.create(
                member=member,
                space=post.space,
                post=post,
                actor=actor,
                kind=NotificationKind.MENTION,
            )
        record(AuditAction.POST_EDITED, actor=actor, object_type="post", object_id=post.public_id)
        record_confirmed(actor, space=post.space, post_public_id=post.public_id, matches=confirmed)
        space_event(post.space, "post.updated", post_id=post.pk)
    return post


def delete_post(actor: Member, *, post_id: int) -> Post:
    """Delete a post (its author or an admin of the space). Its text, earlier versions,
    attachments and notifications go; the row stays as the trace that something was deleted.
    Audits POST_DELETED; emits post.deleted."""
    from renkei.attachments.storage import delete_post_files

    with transaction.atomic():
        post, membership = _locked_post(actor, post_id)
        if post.is_deleted:
            raise DomainError(_("This post has already been deleted."))
        if not authz.may_delete_post(actor, post, membership):
            raise Forbidden(_("Only the author or an admin of the space can delete a post."))
        post.body = ""
        post.deleted_at = timezone.now()
        post.deleted_by = actor
        post.save(update_fields=["body", "deleted_at", "deleted_by"])
        PostVersion.objects.filter(post=post).delete()
        Mention.objects.filter(post=post).delete()
        AckRequest.objects.filter(post=post).delete()
        Notification.objects.filter(post=post).delete()
        delete_post_files(post)
        record(AuditAction.POST_DELETED, actor=actor, object_type="post", object_id=post.public_id)
        space_event(post.space, "post.deleted", post_id=post.pk)
    return post


def acknowledge(actor: Member, *, post_id: int) -> Acknowledgement:
    """了解: confirm one has taken in a post (R3.3②), once. Audits POST_ACKNOWLEDGED;
    emits post.acknowledged."""
    with transaction.atomic():
        post, membership = _locked_post(actor, post_id)
        if post.is_deleted:
            raise DomainError(_("This post was deleted."))
        if not authz.may_post(post.space, membership):
            raise DomainError(_("This space is read-only now; nothing can be written in it."))
        if Acknowledgement.objects.filter(post=post, member=actor).exists():
            raise DomainError(_("You have already acknowledged this post."))
        ack = Acknowledgement.objects.create(post=post, member=actor)
        Notification.objects.filter(
            member=actor, post=post, kind=NotificationKind.ACK_REQUEST, read_at__isnull=True
        ).update(read_at=ack.at)
        record(
            AuditAction.POST_ACKNOWLEDGED, actor=actor, object_type="post", object_id=post.public_id
        )
        space_event(post.space, "post.acknowledged", post_id=post.pk, member_id=actor.pk)
    return ack


def mark_read(actor: Member, *, space_id: int, up_to_post_id: int) -> int:
    """Record that the member has read the space up to a post; returns the new mark.

    Reading is not audited (it changes nothing but the reader's own counter); emits read.
    """
    membership = (
        Membership.objects.select_related("space").filter(space_id=space_id, member=actor).first()
    )
    if not authz.may_read_space(membership):
        raise NotFound()
    assert membership is not None
    space = membership.space
    mark = min(max(up_to_post_id, 0), space.last_post_id)
    if mark <= membership.last_read_post_id:
        return membership.last_read_post_id
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk, last_read_post_id__lt=mark).update(
            last_read_post_id=mark
        )
        if mark >= space.last_post_id:
            Notification.objects.filter(
                member=actor, space=space, kind=NotificationKind.ACTIVITY, read_at__isnull=True
            ).update(read_at=timezone.now())
            # The member's other open pages lower their notification badge too.
            publish_on_commit(f"member.{actor.pk}", {"type": "member.notified"})
        # "from" (the previous mark) lets each connection name the posts that gained a reader.
        space_event(
            space,
            "read",
            member_id=actor.pk,
            up_to=mark,
            **{"from": membership.last_read_post_id},
        )
    return mark
