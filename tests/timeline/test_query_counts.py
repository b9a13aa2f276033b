"""A timeline page costs the same number of queries whatever the number of posts, members,
replies, 了解, requests and attachments (issue 3, "Scale from the start").

Each measure is taken on a small space and on a large one, built with rows written directly
(the actions are tested elsewhere; here only the reads are measured), and must be equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renkei.accounts.models import Member
from renkei.attachments.models import Attachment, AttachmentKind
from renkei.facilities.models import Facility
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind
from renkei.timeline import queries
from renkei.timeline.models import Acknowledgement, AckRequest, Mention, Post
from renkei.timeline.serializers import post_json

pytestmark = pytest.mark.django_db

_serial = count()


@dataclass
class World:
    space: Space
    viewer: Member
    posts: list[Post]


def extra_members(n: int) -> list[Member]:
    """``n`` more members of the region (rows only)."""
    members = []
    for _ in range(n):
        i = next(_serial)
        members.append(
            Member.objects.create_member(
                login_id=f"qc.m{i}",
                name=f"検証 {i}",
                furigana=f"けんしょう {i}",
                profession="nurse",
                email=f"qc.m{i}@example.jp",
                is_active=True,
            )
        )
    return members


def build_space(
    viewer: Member,
    *,
    kind: str = SpaceKind.GROUP,
    posts: int,
    members: int,
    attachments_per_post: int,
) -> World:
    """A space with ``viewer`` and ``members`` others, ``posts`` top-level posts, each with a
    reply, 了解 from a few members, a 了解 request, a mention and attachments; read marks
    spread over the posts so that read counts differ."""
    others = extra_members(members)
    lead = Facility.objects.order_by("pk").first() if kind == SpaceKind.PATIENT_GROUP else None
    space = Space.objects.create(kind=kind, name="計測用", lead_facility=lead)
    everyone = [viewer, *others]
    Membership.objects.bulk_create(
        [
            Membership(space=space, member=m, state=MembershipState.ACTIVE, is_admin=m == viewer)
            for m in everyone
        ]
    )
    made: list[Post] = []
    for i in range(posts):
        author = everyone[i % len(everyone)]
        post = Post.objects.create(
            space=space, author=author, body=f"投稿 {i}", ack_required=True, reply_count=1
        )
        Post.objects.create(space=space, author=everyone[(i + 1) % len(everyone)], parent=post)
        made.append(post)
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(post=p, member=m) for p in made for m in everyone[:3] if m != p.author]
    )
    AckRequest.objects.bulk_create(
        [AckRequest(post=p, member=everyone[-1]) for p in made if p.author != everyone[-1]]
    )
    Mention.objects.bulk_create([Mention(post=p, member=viewer) for p in made[::2]])
    Attachment.objects.bulk_create(
        [
            Attachment(
                post=p,
                space=space,
                kind=AttachmentKind.FILE,
                name=f"資料{j}.pdf",
                content_type="application/pdf",
                size=1024,
            )
            for p in made
            for j in range(attachments_per_post)
        ]
    )
    newest = Post.objects.filter(space=space).order_by("-pk").values_list("pk", flat=True).first()
    for k, m in enumerate(everyone):
        Membership.objects.filter(space=space, member=m).update(
            last_read_post_id=(newest or 0) * k // len(everyone)
        )
    Space.objects.filter(pk=space.pk).update(last_post_id=newest or 0)
    space.refresh_from_db()
    return World(space=space, viewer=viewer, posts=made)


def queries_of(fn) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


SMALL = {"posts": 3, "members": 3, "attachments_per_post": 1}
LARGE = {"posts": 60, "members": 30, "attachments_per_post": 3}


@pytest.fixture
def worlds(region) -> tuple[World, World]:  # type: ignore[no-untyped-def]
    return build_space(region.doctor, **SMALL), build_space(region.doctor, **LARGE)


def _page_json(world: World, **kwargs: object) -> list[dict]:
    page = queries.timeline_page(world.viewer, world.space, **kwargs)  # type: ignore[arg-type]
    return [post_json(view, viewer=world.viewer) for view in page.posts]


def test_a_timeline_page_costs_the_same_queries_for_3_or_60_posts(worlds):
    small, large = worlds
    # Serialising is part of the page: post_json must not query per post.
    counts = [queries_of(lambda w=w: _page_json(w)) for w in (small, large)]
    assert counts[0] == counts[1]
    assert len(_page_json(large)) == 50  # a full page, with more behind it


def test_an_older_page_costs_the_same_as_the_first(worlds):
    _, large = worlds
    first = queries.timeline_page(large.viewer, large.space)
    assert first.next_before is not None
    older = queries_of(lambda: _page_json(large, before=first.next_before))
    assert older == queries_of(lambda: _page_json(large))


def test_catching_up_costs_the_same_queries_whatever_was_missed(worlds):
    small, large = worlds

    def catch_up(world: World) -> None:
        views = queries.posts_after(world.viewer, world.space, after=0)
        [post_json(v, viewer=world.viewer) for v in views]

    assert queries_of(lambda: catch_up(small)) == queries_of(lambda: catch_up(large))


def test_one_post_and_its_thread_cost_the_same_in_a_small_or_large_space(worlds):
    small, large = worlds

    def one(world: World) -> None:
        post = world.posts[0]
        post_json(queries.post_view(world.viewer, post), viewer=world.viewer)
        [post_json(v, viewer=world.viewer) for v in queries.thread(world.viewer, post)]
        queries.ack_status(world.viewer, post)

    assert queries_of(lambda: one(small)) == queries_of(lambda: one(large))


def test_the_page_counts_are_right_as_well_as_cheap(worlds):
    """The constant count is not bought by dropping data: the large page carries its
    attachments, 了解 and read counts."""
    _, large = worlds
    page = queries.timeline_page(large.viewer, large.space)
    newest = page.posts[0]
    assert len(newest.post.attachments.all()) == 3
    assert newest.ack_count == Acknowledgement.objects.filter(post=newest.post).count()
    assert page.member_count == 31
    marks = Membership.objects.filter(space=large.space).values_list(
        "member_id", "last_read_post_id"
    )
    expected = sum(1 for m, mark in marks if mark >= newest.post.pk and m != newest.post.author_id)
    assert newest.read_count == expected


def _get(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/spaces/{id}/posts", "/spaces/{id}/"])
def test_the_timeline_page_and_api_cost_the_same_queries_for_3_or_60_posts(worlds, client_for, url):
    small, large = worlds
    client = client_for(small.viewer)
    # Warm the session and the policy on a third space, so that both measures are first
    # visits (the page marks the space read on a first visit).
    _get(client, url.format(id=build_space(small.viewer, **SMALL).space.public_id))
    counts = [_get(client, url.format(id=w.space.public_id)) for w in (small, large)]
    assert counts[0] == counts[1], url
    # And a second visit of each costs the same too.
    assert len({_get(client, url.format(id=w.space.public_id)) for w in (small, large)}) == 1
