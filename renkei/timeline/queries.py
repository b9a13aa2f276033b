"""What a viewer may see of a timeline. Every read takes the viewer and checks membership;
a page costs the same number of queries whatever the number of posts, members or files."""

from __future__ import annotations

import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.db.models import QuerySet

from renkei import authz
from renkei.accounts.models import Member
from renkei.attachments.models import Attachment
from renkei.errors import NotFound
from renkei.prepared import prepared
from renkei.spaces.models import Membership, MembershipState, Space, SpaceState
from renkei.spaces.queries import SpaceAccess, membership_of
from renkei.timeline.models import Acknowledgement, AckRequest, Post, PostVersion

PAGE_SIZE = 50
_NO_ID = 2**63 - 1


@dataclass
class PostView:
    """A post as a member sees it, with the counts and marks the timeline shows."""

    post: Post
    ack_count: int
    acked_by_me: bool
    read_count: int
    outstanding_acks: list[Member] = field(default_factory=list)
    # The post's files, oldest first.
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class TimelinePage:
    posts: list[PostView]
    # Pass as ``before`` for the next (older) page; None on the last page. Paging by id keeps
    # pages correct while new posts arrive at the top.
    next_before: int | None
    member_count: int


# What a page shows of an author (renkei.timeline.serializers.member_json, the page's rows):
# the other columns (the password hash, e-mail, sign-in times) are not read for each of the
# page's posts, and their conversion was most of a page's time.
_AUTHOR_SHOWN = {"id", "public_id", "name", "profession"}
_AUTHOR_UNSHOWN = [
    f"author__{f.name}" for f in Member._meta.concrete_fields if f.name not in _AUTHOR_SHOWN
]


@prepared
def _top_level_before(space_id: int, before: int) -> QuerySet[Post]:
    # Every post here is of the space and has no parent: neither is joined to each row.
    return (
        Post.objects.filter(space_id=space_id, parent__isnull=True, pk__lt=before)
        .select_related("author")
        .defer(*_AUTHOR_UNSHOWN)
        .order_by("-pk")
    )


@prepared
def _active_read_marks(space_id: int) -> QuerySet[Membership, tuple[int, int]]:
    return Membership.objects.filter(space_id=space_id, state=MembershipState.ACTIVE).values_list(
        "member_id", "last_read_post_id"
    )


@prepared
def _files_of(post_ids: list[int]) -> QuerySet[Attachment]:
    return Attachment.objects.filter(post_id__in=post_ids).order_by("id")


@prepared
def _ack_requests_of(post_ids: list[int]) -> QuerySet[AckRequest]:
    return AckRequest.objects.filter(post_id__in=post_ids).select_related("member")


@prepared
def _acks_of(post_ids: list[int]) -> QuerySet[Acknowledgement, tuple[int, int]]:
    return Acknowledgement.objects.filter(post_id__in=post_ids).values_list("post_id", "member_id")


@prepared
def _post_of_space(post_id: int, space_id: int) -> QuerySet[Post]:
    return _posts().filter(pk=post_id, space_id=space_id)


def _readable(viewer: Member, space: Space, access: SpaceAccess | None = None) -> Membership:
    if access is not None and access.membership.member_id == viewer.pk and access.space == space:
        membership: Membership | None = access.membership
    else:
        membership = membership_of(viewer, space)
    if space.state == SpaceState.DELETED or not authz.may_read_space(membership):
        raise NotFound()
    assert membership is not None
    return membership


def _posts() -> QuerySet[Post]:
    return Post.objects.select_related("author", "space", "parent")


def _files_and_requests(
    posts: list[Post],
) -> tuple[dict[int, list[Attachment]], dict[int, list[AckRequest]]]:
    """Each post's files and 了解 requests by post id, read in one query each for all the
    posts: prefetch_related would build a related manager and a queryset per post and
    relation, which cost a page of 50 posts more than its queries."""
    ids = [p.pk for p in posts]
    files: dict[int, list[Attachment]] = {pk: [] for pk in ids}
    for attachment in _files_of.all(ids):
        files[attachment.post_id].append(attachment)
    requests: dict[int, list[AckRequest]] = {pk: [] for pk in ids}
    for request in _ack_requests_of.all(ids):
        requests[request.post_id].append(request)
    return files, requests


def _read_marks(space: Space) -> list[tuple[int, int]]:
    """(member id, last read post id) of each active member of the space."""
    return _active_read_marks.all(space.pk)


def _counted(
    space: Space, posts: list[Post], marks: list[tuple[int, int]] | None = None
) -> tuple[list[PostView], set[tuple[int, int]]]:
    """The posts with what every member sees alike (counts, outstanding 了解), and the
    (post, member) pairs of the 了解 given, from which each viewer's own mark is taken."""
    if not posts:
        return [], set()
    files, requests = _files_and_requests(posts)
    ids = [p.pk for p in posts]
    # The page's 了解, read once: their number per post comes from the same rows (one 了解 per
    # member and post) instead of a count per post.
    acked = set(_acks_of.all(ids))
    ack_counts = Counter(post_id for post_id, _ in acked)
    if marks is None:
        marks = _read_marks(space)
    mark_of = dict(marks)
    ordered = sorted(mark for _, mark in marks)
    views = []
    for post in posts:
        # Members whose read mark reaches the post, the author not counted.
        read = len(ordered) - bisect_left(ordered, post.pk)
        if post.author_id in mark_of and mark_of[post.author_id] >= post.pk:
            read -= 1
        outstanding = [r.member for r in requests[post.pk] if (post.pk, r.member_id) not in acked]
        views.append(
            PostView(
                post=post,
                ack_count=ack_counts[post.pk],
                acked_by_me=False,
                read_count=read,
                outstanding_acks=outstanding,
                attachments=files[post.pk],
            )
        )
    return views, acked


def _views(
    viewer: Member, space: Space, posts: list[Post], marks: list[tuple[int, int]] | None = None
) -> list[PostView]:
    views, acked = _counted(space, posts, marks)
    for view in views:
        view.acked_by_me = (view.post.pk, viewer.pk) in acked
    return views


def timeline_page(
    viewer: Member,
    space: Space,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
    access: SpaceAccess | None = None,
) -> TimelinePage:
    """The newest top-level posts of a space (older than ``before``), newest first. ``access``
    is the viewer's access to the space checked earlier in the same request (``access_space``):
    its membership is checked here again instead of being read again."""
    _readable(viewer, space, access)
    limit = max(1, min(limit, 100))
    # No post id reaches the largest 64-bit integer: the first page is the page before it.
    posts = _top_level_before.head(limit + 1, space.pk, before if before is not None else _NO_ID)
    more = len(posts) > limit
    posts = posts[:limit]
    for post in posts:
        post.space = space
    # The active members' read marks count the readers of each post, and the members.
    marks = _read_marks(space)
    return TimelinePage(
        posts=_views(viewer, space, posts, marks),
        next_before=posts[-1].pk if more and posts else None,
        member_count=len(marks),
    )


def posts_after(viewer: Member, space: Space, *, after: int, limit: int = 200) -> list[PostView]:
    """Posts and replies newer than ``after``, oldest first: what a reconnecting client missed."""
    _readable(viewer, space)
    posts = list(_posts().filter(space=space, pk__gt=after).order_by("pk")[: max(1, limit)])
    return _views(viewer, space, posts)


def access_post(viewer: Member, public_id: uuid.UUID | str) -> Post:
    """A post in a space the viewer belongs to; NotFound whether missing or not theirs."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None
    post = Post.objects.select_related("space", "author").filter(public_id=key).first()
    if post is None:
        raise NotFound()
    _readable(viewer, post.space)
    return post


def post_view(viewer: Member, post: Post) -> PostView:
    """One post with its counts (for a live update of a single post)."""
    _readable(viewer, post.space)
    fresh = _posts().get(pk=post.pk)
    return _views(viewer, post.space, [fresh])[0]


def post_views_for(memberships: Sequence[Membership], post_id: int) -> dict[int, PostView]:
    """One post as each of several members sees it, read once for all of them (a live update
    sent to every connection of a space), by member id. ``memberships`` are the readers'
    memberships of one space, fetched by the caller just before; a membership that does not
    allow reading gets nothing, and nobody gets a post of another space."""
    readers = [
        m for m in memberships if authz.may_read_space(m) and m.space.state != SpaceState.DELETED
    ]
    if not readers:
        return {}
    space = readers[0].space
    assert all(m.space_id == space.pk for m in readers), "memberships of one space only"
    post = _post_of_space.first(post_id, space.pk)
    if post is None:
        return {}
    views, acked = _counted(space, [post])
    return {
        m.member_id: replace(views[0], acked_by_me=(post.pk, m.member_id) in acked) for m in readers
    }


def created_post_view(author: Member, post: Post, *, with_files: bool) -> PostView:
    """The post ``author`` has just made, as the answer to their request: nobody had read or
    acknowledged it when it was made, and the action that made it checked the author's
    membership in its own transaction. Its files are read when ``with_files`` (the request
    brought some) and the members asked for 了解 when it asks for any: no query for the rest."""
    if post.author_id != author.pk:
        raise NotFound()
    attachments = list(Attachment.objects.filter(post=post).order_by("id")) if with_files else []
    requests = (
        list(AckRequest.objects.filter(post=post).select_related("member"))
        if post.ack_required
        else []
    )
    return PostView(
        post=post,
        ack_count=0,
        acked_by_me=False,
        read_count=0,
        outstanding_acks=[r.member for r in requests],
        attachments=attachments,
    )


def thread(viewer: Member, post: Post) -> list[PostView]:
    """The replies under a post, oldest first."""
    _readable(viewer, post.space)
    replies = list(_posts().filter(parent=post).order_by("pk"))
    return _views(viewer, post.space, replies)


@dataclass
class AckStatus:
    acknowledged: list[tuple[Member, object]]
    not_yet: list[Member]
    requested: list[Member]


def ack_status(viewer: Member, post: Post) -> AckStatus:
    """Who has acknowledged a post (with when) and which active members have not yet."""
    _readable(viewer, post.space)
    acks = list(Acknowledgement.objects.filter(post=post).select_related("member").order_by("at"))
    done = {a.member_id for a in acks}
    members = [
        m.member
        for m in Membership.objects.filter(space=post.space, state=MembershipState.ACTIVE)
        .exclude(member_id=post.author_id or 0)
        .select_related("member")
        .order_by("member__furigana")
    ]
    requested = [r.member for r in AckRequest.objects.filter(post=post).select_related("member")]
    return AckStatus(
        acknowledged=[(a.member, a.at) for a in acks],
        not_yet=[m for m in members if m.pk not in done],
        requested=requested,
    )


def post_versions(viewer: Member, post: Post) -> QuerySet[PostVersion]:
    """The earlier texts of an edited post, oldest first."""
    _readable(viewer, post.space)
    return PostVersion.objects.filter(post=post).order_by("written_at", "id")


def newest_post_public_id(viewer: Member, space: Space, *, up_to: int) -> str | None:
    """The public id of the newest post or reply up to ``up_to``: where a page's live script
    asks to catch up from, so that nothing made after the page was read is missed."""
    _readable(viewer, space)
    found = (
        Post.objects.filter(space=space, pk__lte=up_to)
        .order_by("-pk")
        .values_list("public_id", flat=True)
        .first()
    )
    return str(found) if found else None
