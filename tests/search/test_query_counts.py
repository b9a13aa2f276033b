"""A search costs the same number of queries whatever the number of spaces, posts, members,
attachments and hits (issue 7, "the number of queries per page does not grow with the data").

Measured for one member of a few small spaces and another of many large ones, of every kind,
built with rows written directly (tests/timeline/test_query_counts.py); each measure must be
equal for both, in the query function, the JSON API and the page.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renkei.search.queries import search_posts
from renkei.spaces.models import SpaceKind
from tests.timeline.test_query_counts import World, build_space, queries_of

pytestmark = pytest.mark.django_db

KINDS = [SpaceKind.PATIENT_GROUP, SpaceKind.GROUP, SpaceKind.CONNECTION]
# "投稿" is in every post's text, "資料" in every attachment's name, "投稿 1" in a few posts;
# each small world holds 3 posts a space, so a page of 20 is full only in the large one.
QUERIES = ["投稿", "資料", "投稿 1", "見つからない言葉"]


def _worlds(viewer, *, per_kind: int, posts: int, members: int, attachments: int) -> list[World]:  # type: ignore[no-untyped-def]
    return [
        build_space(
            viewer, kind=kind, posts=posts, members=members, attachments_per_post=attachments
        )
        for kind in KINDS
        for _ in range(per_kind)
    ]


@pytest.fixture
def viewers(region):  # type: ignore[no-untyped-def]
    small, large = region.nurse, region.pharmacist
    _worlds(small, per_kind=1, posts=3, members=3, attachments=1)
    _worlds(large, per_kind=4, posts=60, members=30, attachments=3)
    return small, large


def _search(viewer, query: str, **kwargs: object) -> int:  # type: ignore[no-untyped-def]
    results = search_posts(viewer, query, **kwargs)  # type: ignore[arg-type]
    # Everything a hit shows is read here, as the page and the API read it.
    shown = [
        (hit.space.name, hit.author.name, hit.snippet, hit.attachments, hit.partner)
        for hit in results.hits
    ]
    return len(shown)


def test_a_search_costs_the_same_queries_for_few_or_many_spaces_posts_and_hits(viewers):
    small, large = viewers
    for viewer in viewers:
        _search(viewer, "投稿")  # warm the policy read by the rate limit
    for query in QUERIES:
        counts = [queries_of(lambda v=v, q=query: _search(v, q)) for v in (small, large)]
        assert counts[0] == counts[1], query
    # The equal count is not bought by finding less: the large search fills its page.
    assert _search(large, "投稿") == 20
    assert _search(small, "投稿") == 9
    assert _search(large, "資料") == 20
    assert _search(small, "見つからない言葉") == 0


def test_a_later_page_and_a_search_in_one_space_cost_the_same(viewers):
    small, large = viewers
    for viewer in viewers:
        _search(viewer, "投稿")
    assert queries_of(lambda: _search(large, "投稿", offset=40)) == queries_of(
        lambda: _search(small, "投稿", offset=0)
    )
    one_small = build_space(small, posts=3, members=3, attachments_per_post=1).space
    one_large = build_space(large, posts=60, members=30, attachments_per_post=3).space
    assert queries_of(lambda: _search(small, "投稿", space=one_small)) == queries_of(
        lambda: _search(large, "投稿", space=one_large)
    )


def _get(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/search?q={q}", "/search/?q={q}"])
def test_the_search_page_and_api_cost_the_same_for_few_or_many_spaces(viewers, client_for, url):
    clients = [client_for(viewer) for viewer in viewers]
    for client in clients:
        _get(client, url.format(q="投稿"))  # warm the session and the policy
    for query in QUERIES:
        counts = [_get(client, url.format(q=query)) for client in clients]
        assert counts[0] == counts[1], (url, query)
