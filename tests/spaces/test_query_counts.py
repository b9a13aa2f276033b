"""The space list costs the same number of queries whatever the number of spaces, posts,
members or attachments (issue 3, "Scale from the start").

Measured on a small and a large set of spaces of every kind, built with rows written directly.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renkei.spaces.models import Membership, MembershipState, SpaceKind
from renkei.spaces.queries import my_spaces, unread_totals
from tests.timeline.test_query_counts import build_space, queries_of

pytestmark = pytest.mark.django_db

KINDS = [SpaceKind.PATIENT_GROUP, SpaceKind.GROUP, SpaceKind.CONNECTION]


def _spaces(viewer, *, per_kind: int, posts: int, members: int, attachments: int):  # type: ignore[no-untyped-def]
    return [
        build_space(
            viewer, kind=kind, posts=posts, members=members, attachments_per_post=attachments
        )
        for kind in KINDS
        for _ in range(per_kind)
    ]


def _list(viewer) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(row.space.kind, row.unread) for row in my_spaces(viewer)]


def test_the_space_list_costs_the_same_for_3_or_12_spaces_of_any_size(region):
    small_viewer, large_viewer = region.nurse, region.pharmacist
    _spaces(small_viewer, per_kind=1, posts=3, members=3, attachments=1)
    _spaces(large_viewer, per_kind=4, posts=60, members=30, attachments=3)

    for kind in (None, *KINDS):
        small = queries_of(lambda kind=kind: list(my_spaces(small_viewer, kind=kind)))
        large = queries_of(lambda kind=kind: list(my_spaces(large_viewer, kind=kind)))
        assert small == large == 1, kind
    assert (
        queries_of(lambda: unread_totals(small_viewer))
        == queries_of(lambda: unread_totals(large_viewer))
        == 1
    )
    assert len(_list(small_viewer)) == 3
    assert len(_list(large_viewer)) == 12


def test_the_cheap_list_still_counts_unread_posts_right(region):
    viewer = region.nurse
    worlds = _spaces(viewer, per_kind=1, posts=5, members=4, attachments=0)
    rows = {row.space_id: row.unread for row in my_spaces(viewer)}  # type: ignore[attr-defined]
    for world in worlds:
        mark = Membership.objects.get(space=world.space, member=viewer).last_read_post_id
        expected = (
            world.space.posts.filter(pk__gt=mark, deleted_at__isnull=True)
            .exclude(author=viewer)
            .count()
        )
        assert rows[world.space.pk] == expected
    totals = unread_totals(viewer)
    assert sum(totals.values()) == sum(rows.values())
    by_kind = dict.fromkeys(KINDS, 0)
    for kind, unread in _list(viewer):
        by_kind[kind] += unread
    assert totals == by_kind
    # Only active memberships count: a space the viewer left is not in the list.
    Membership.objects.filter(space=worlds[0].space, member=viewer).update(
        state=MembershipState.LEFT
    )
    assert worlds[0].space.pk not in {row.space_id for row in my_spaces(viewer)}


def _get(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/spaces", "/spaces/"])
def test_the_space_list_page_and_api_cost_the_same_for_3_or_12_spaces(region, client_for, url):
    small_viewer, large_viewer = region.nurse, region.pharmacist
    _spaces(small_viewer, per_kind=1, posts=3, members=3, attachments=1)
    _spaces(large_viewer, per_kind=4, posts=60, members=30, attachments=3)
    small, large = client_for(small_viewer), client_for(large_viewer)
    for client in (small, large):
        _get(client, url)  # warm the session and the policy
    assert _get(small, url) == _get(large, url), url
