"""What a live connection sends: internal events (ids only) turned into protocol messages.

Every function here runs in a worker thread (``database_sync_to_async``) and reads as the
connection's member through the owning apps' queries. Access is checked again for each event,
at delivery: a member removed from a space between the publish and the delivery, or whose
session ended, gets nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Member, UserSession
from renkei.accounts.queries import lifetime_cutoff
from renkei.errors import NotFound
from renkei.notifications.queries import unread_count, unread_counts
from renkei.policy.queries import current_policy
from renkei.prepared import prepared
from renkei.spaces.models import Membership, MembershipState, SpaceState
from renkei.spaces.queries import access_space
from renkei.timeline.models import Post
from renkei.timeline.queries import PostView, access_post, post_views_for, posts_after
from renkei.timeline.serializers import member_json, post_json, posts_json
from renkei.twofactor.guard import refresh as second_factor_state

# A reconnecting client is sent at most this many missed posts, in batches; beyond it the
# "caught_up" message says so and the client reloads the timeline instead.
CATCH_UP_BATCH = 200
CATCH_UP_MAX = 2000
# A "read" message names at most this many posts (the newest): a client shows far fewer.
READ_POSTS_MAX = 500

_POST_EVENTS = {
    "post.created": "created",
    "post.updated": "updated",
    "post.deleted": "deleted",
}


@dataclass(frozen=True)
class Viewer:
    """The member behind a live connection, and the session it lives in."""

    member: Member
    session_key: str


def open_viewer(
    session_key: str | None, member_id: int | None, session: Any = None
) -> Viewer | None:
    """The member of an open session, or None when the session has ended (R1.2, R2.5), or when
    ``session`` (the Django session) is held at second-factor enrolment or skipped the second
    step (R2.3): the live connection is refused like any page."""
    if not session_key or member_id is None:
        return None
    member = (
        Member.objects.filter(
            pk=member_id,
            sessions__session_key=session_key,
            sessions__ended_at__isnull=True,
            # A session past its longest lifetime (R2.3) opens no new live connection.
            sessions__created_at__gt=lifetime_cutoff(),
        )
        .distinct()
        .first()
    )
    if member is None:
        return None
    if session is not None:
        # The marker is read (worked out again after a policy change) but not saved from here.
        state = second_factor_state(session, member, setting=current_policy().two_factor_required)
        if state.get("bypassed") or state.get("enrol"):
            return None
    return Viewer(member=member, session_key=session_key)


def subscribed_space_ids(viewer: Viewer) -> set[int]:
    """The spaces whose events the connection listens to: the member's active memberships."""
    return set(
        Membership.objects.filter(member=viewer.member, state=MembershipState.ACTIVE)
        .exclude(space__state=SpaceState.DELETED)
        .values_list("space_id", flat=True)
    )


@prepared
def _active_memberships_of(space_id: int, member_ids: list[int]) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("space")
        .filter(member_id__in=member_ids, space_id=space_id, state=MembershipState.ACTIVE)
        .exclude(space__state=SpaceState.DELETED)
    )


@prepared
def _open_sessions_of(
    member_ids: list[int], began_after: datetime
) -> QuerySet[UserSession, tuple[int, str]]:
    return UserSession.objects.filter(
        member_id__in=member_ids, ended_at__isnull=True, created_at__gt=began_after
    ).values_list("member_id", "session_key")


def _still_allowed(viewers: Sequence[Viewer], space_id: int) -> list[Membership | None]:
    """For each viewer, their active membership of the space while their session is open (and
    within its longest lifetime), else None: two queries for any number of viewers."""
    member_ids = sorted({v.member.pk for v in viewers})
    memberships = {m.member_id: m for m in _active_memberships_of.all(space_id, member_ids)}
    # The members' open sessions, matched with the connections' sessions here: a member has a
    # few, and the query keeps one shape per number of members.
    open_sessions = set(_open_sessions_of.all(sorted(memberships), lifetime_cutoff()))
    return [
        memberships.get(v.member.pk) if (v.member.pk, v.session_key) in open_sessions else None
        for v in viewers
    ]


def space_event_messages(viewer: Viewer, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The protocol messages that one ``space.event`` means for ``viewer``; none when the
    viewer may no longer read the space or the thing the event names."""
    return space_event_messages_for([viewer], event)[0]


def space_event_messages_for(
    viewers: Sequence[Viewer], event: dict[str, Any]
) -> list[list[dict[str, Any]]]:
    """``space_event_messages`` for each of several viewers (the connections of one process
    that received the same event), reading what they share once: the cost of an event does
    not grow with its audience, and each viewer's access is still checked at delivery."""
    space_id = event.get("space_id")
    if not isinstance(space_id, int) or not viewers:
        return [[] for _ in viewers]
    allowed = _still_allowed(viewers, space_id)
    # One membership per member, however many of their connections are listening.
    readers = list({m.member_id: m for m in allowed if m is not None}.values())
    if not readers:
        return [[] for _ in viewers]
    kind = event.get("event")
    if kind in _POST_EVENTS:
        post_id = event.get("post_id")
        views = post_views_for(readers, post_id) if isinstance(post_id, int) else {}
        sid = str(readers[0].space.public_id)
        # A post reads the same to every connection of one member (their tabs and devices):
        # built once per member, and the connections share the list.
        by_member: dict[int, list[dict[str, Any]]] = {}
        out: list[list[dict[str, Any]]] = []
        for v, m in zip(viewers, allowed, strict=True):
            pk = v.member.pk
            if m is None or pk not in views:
                out.append([])
            else:
                if pk not in by_member:
                    by_member[pk] = _post_message(_POST_EVENTS[kind], sid, views[pk], v)
                out.append(by_member[pk])
        return out
    common = _common_messages(readers, event)
    return [common if m is not None else [] for m in allowed]


def _post_message(event: str, sid: str, view: PostView, viewer: Viewer) -> list[dict[str, Any]]:
    return [
        {
            "type": "post",
            "event": event,
            "space": sid,
            "post": post_json(view, viewer=viewer.member),
        }
    ]


def _common_messages(readers: list[Membership], event: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of an event that every reader of its space receives alike."""
    space = readers[0].space
    sid = str(space.public_id)
    kind = event.get("event")
    if kind == "post.acknowledged":
        post_id = event.get("post_id")
        views = post_views_for(readers, post_id) if isinstance(post_id, int) else {}
        acker = Member.objects.filter(pk=event.get("member_id") or 0).first()
        if not views or acker is None:
            return []
        view = next(iter(views.values()))  # the counts are the same for every reader
        return [
            {
                "type": "ack",
                "space": sid,
                "post": str(view.post.public_id),
                "member": member_json(acker),
                "ack_count": view.ack_count,
                "outstanding_acks": [member_json(m) for m in view.outstanding_acks],
            }
        ]
    if kind == "read":
        posts = _newly_read(space.pk, event)
        return [{"type": "read", "space": sid, "posts": posts}] if posts else []
    if kind == "members.changed":
        return [{"type": "members", "space": sid}]
    if kind == "space.renamed":
        # The name shows in the space list and the space's header: both re-read it.
        return [{"type": "spaces"}]
    return []


def _post_in(space_id: int, post_id: object) -> Post | None:
    if not isinstance(post_id, int):
        return None
    return Post.objects.select_related("space").filter(pk=post_id, space_id=space_id).first()


def _newly_read(space_id: int, event: dict[str, Any]) -> list[str]:
    """The posts that gained one reader when a member moved their mark from ``from`` to
    ``up_to``: those in between, except the reader's own (an author is not counted as a
    reader of their post, as in the timeline's read counts)."""
    reader = event.get("member_id")
    low, high = event.get("from"), event.get("up_to")
    if not isinstance(low, int) or not isinstance(high, int) or high <= low:
        return []
    rows = (
        Post.objects.filter(space_id=space_id, pk__gt=low, pk__lte=high)
        .exclude(author_id=reader)
        .order_by("-pk")
        .values_list("public_id", flat=True)[:READ_POSTS_MAX]
    )
    return [str(public_id) for public_id in reversed(rows)]


def catch_up_messages(viewer: Viewer, space: object, after: object) -> list[dict[str, Any]]:
    """The posts and replies of a space after one post (all of them for None), oldest first,
    then ``caught_up``; one ``not_found`` error for a space or post the viewer may not see."""
    try:
        if not isinstance(space, str) or not (after is None or isinstance(after, str)):
            raise NotFound()
        if not UserSession.objects.filter(
            member=viewer.member, session_key=viewer.session_key, ended_at__isnull=True
        ).exists():
            raise NotFound()
        access = access_space(viewer.member, space)
        after_id = 0
        if after is not None:
            post = access_post(viewer.member, after)
            if post.space_id != access.space.pk:
                raise NotFound()
            after_id = post.pk
    except NotFound:
        return [{"type": "error", "code": "not_found"}]
    sid = str(access.space.public_id)
    messages: list[dict[str, Any]] = []
    truncated = False
    while True:
        batch = posts_after(viewer.member, access.space, after=after_id, limit=CATCH_UP_BATCH)
        messages += [
            {"type": "post", "event": "created", "space": sid, "post": post}
            for post in posts_json(batch, viewer=viewer.member)
        ]
        if len(batch) < CATCH_UP_BATCH:
            break
        after_id = batch[-1].post.pk
        if len(messages) >= CATCH_UP_MAX:
            truncated = True
            break
    done: dict[str, Any] = {"type": "caught_up", "space": sid}
    if truncated:
        done["truncated"] = True
    return [*messages, done]


def unread_notifications(viewer: Viewer) -> int:
    """The member's unread notifications in the spaces they may still read (the badge)."""
    return unread_count(viewer.member)


def unread_notifications_for(viewers: Sequence[Viewer]) -> list[int]:
    """``unread_notifications`` for each of several viewers, in one query."""
    counts = unread_counts({v.member.pk for v in viewers})
    return [counts[v.member.pk] for v in viewers]
