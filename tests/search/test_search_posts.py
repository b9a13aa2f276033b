"""search_posts: a member finds the posts of their own spaces, and nothing else, ever."""

from __future__ import annotations

import pytest
from django.db import connection as db

from renkei.search import queries
from renkei.search.queries import search_posts
from renkei.spaces import actions as space_actions
from renkei.spaces.models import Space, SpaceState
from renkei.timeline.actions import delete_post, edit_post
from tests.search.helpers import attach, post
from tests.spaces.helpers import connection, group, patient_group


@pytest.fixture(autouse=True, params=["rare", "common"])
def term_frequency(request, monkeypatch):
    """Every test twice: with the terms the index can answer looked up there (rare in the
    region) and matched in the text instead (common in the region): both find the same."""
    if request.param == "common":
        monkeypatch.setattr(queries, "COMMON_TERM_POSTS", 0)
    return request.param


def found(viewer, query, **kwargs):
    return [hit.post.pk for hit in search_posts(viewer, query, **kwargs).hits]


@pytest.fixture
def spaces(region):
    """One space of each kind, each with a post that holds the same words."""
    pg = patient_group(region, region.nurse, region.pharmacist)
    gr = group(region, region.care_manager, region.visiting_nurse)
    co = connection(region.shared_nurse, region.doctor)
    posts = {
        "patient_group": post(region.nurse, pg, "夕方から発熱あり。血圧 142/88、服薬は継続。"),
        "group": post(region.care_manager, gr, "勉強会: 発熱時の対応と血圧測定の手順"),
        "connection": post(region.shared_nurse, co, "明日の発熱外来の件でご相談です"),
    }
    return {"patient_group": pg, "group": gr, "connection": co}, posts


MEMBERS = {
    "patient_group": ("doctor", "nurse", "pharmacist"),
    "group": ("care_manager", "visiting_nurse"),
    "connection": ("shared_nurse", "doctor"),
}


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("kind", ["patient_group", "group", "connection"])
@pytest.mark.parametrize("query", ["発熱", "熱", "発熱あり", "血圧", "ご相談です", "勉強会"])
def test_members_find_only_posts_of_their_spaces(region, spaces, kind, query):
    _spaces, posts = spaces
    target = posts[kind]
    for name, member in region.cast.items():
        hits = found(member, query)
        visible = {
            p.pk for k, p in posts.items() if name in MEMBERS[k] and _contains(p.body, query)
        }
        assert set(hits) == visible, (name, query)
        if name not in MEMBERS[kind]:
            assert target.pk not in hits, (name, kind, query)


def _contains(body: str, query: str) -> bool:
    return query in body


def test_outsiders_with_power_find_nothing(region, spaces):
    """A facility admin of the lead clinic and the secretariat, not members, find nothing."""
    for outsider in (region.clinic_admin, region.secretariat, region.operator, region.helper):
        for query in ("発熱", "熱", "血圧", "発熱外来の件"):
            assert found(outsider, query) == []


def test_one_and_two_character_japanese_queries(region, spaces):
    _spaces, posts = spaces
    assert found(region.nurse, "熱") == [posts["patient_group"].pk]
    assert found(region.nurse, "血圧") == [posts["patient_group"].pk]
    assert found(region.doctor, "熱") == [posts["connection"].pk, posts["patient_group"].pk]


def test_results_are_newest_first_and_paginated(region):
    space = group(region, region.nurse, region.doctor)
    made = [post(region.nurse, space, f"バイタル記録 {i}") for i in range(7)]
    first = search_posts(region.doctor, "バイタル", limit=3)
    assert [h.post.pk for h in first.hits] == [p.pk for p in reversed(made)][:3]
    assert first.has_more
    assert first.next_offset == 3
    last = search_posts(region.doctor, "バイタル", limit=3, offset=6)
    assert [h.post.pk for h in last.hits] == [made[0].pk]
    assert not last.has_more
    assert last.next_offset is None


def test_every_word_must_match(region, spaces):
    _spaces, posts = spaces
    assert found(region.doctor, "発熱 血圧") == [posts["patient_group"].pk]
    assert found(region.doctor, "発熱　外来") == [posts["connection"].pk]  # full-width space
    assert found(region.doctor, "発熱 存在しない語") == []


def test_within_one_space(region, spaces):
    by_kind, posts = spaces
    assert found(region.doctor, "発熱", space=by_kind["connection"]) == [posts["connection"].pk]
    # A space the viewer may not read yields nothing, even when named.
    assert found(region.doctor, "発熱", space=by_kind["group"]) == []


def test_edits_are_reflected(region, spaces):
    _by_kind, posts = spaces
    target = posts["patient_group"]
    edit_post(region.nurse, post_id=target.pk, body="解熱後、SpO2 97% で安定")
    assert found(region.doctor, "発熱あり") == []
    assert found(region.doctor, "血圧") == []
    assert found(region.doctor, "安定") == [target.pk]
    assert found(region.doctor, "SpO2 97%") == [target.pk]
    assert found(region.doctor, "解熱後") == [target.pk]


def test_a_deleted_post_vanishes(region, spaces):
    _spaces, posts = spaces
    target = posts["patient_group"]
    attach(target, "発熱経過表.pdf")
    delete_post(region.nurse, post_id=target.pk)
    for query in ("発熱あり", "熱", "血圧", "経過表", "発熱経過表"):
        assert target.pk not in found(region.doctor, query), query


def test_a_deleted_space_is_never_searched(region, spaces):
    by_kind, posts = spaces
    Space.objects.filter(pk=by_kind["patient_group"].pk).update(state=SpaceState.DELETED)
    assert posts["patient_group"].pk not in found(region.doctor, "発熱")
    assert found(region.nurse, "血圧") == []


@pytest.mark.skipif(db.vendor != "sqlite", reason="the FTS5 index is SQLite's")
def test_a_completely_erased_space_leaves_nothing_in_the_index(region, spaces):
    by_kind, posts = spaces
    space = by_kind["patient_group"]
    attach(posts["patient_group"], "服薬カレンダー.pdf")
    assert _indexed("search_post_fts", "発熱あり") == 1
    assert _indexed("search_attachment_fts", "カレンダー") == 1
    space.delete()
    assert _indexed("search_post_fts", "発熱あり") == 0
    assert _indexed("search_attachment_fts", "カレンダー") == 0


def _indexed(table: str, text: str) -> int:
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE {table} MATCH %s",  # noqa: S608
            [f'"{text}"'],
        )
        return int(cursor.fetchone()[0])


def test_leaving_or_removal_ends_finding(region, spaces):
    by_kind, _posts = spaces
    space_actions.remove_member(
        region.doctor, space_id=by_kind["patient_group"].pk, member_id=region.pharmacist.pk
    )
    assert found(region.pharmacist, "発熱") == []
    space_actions.leave_space(region.visiting_nurse, space_id=by_kind["group"].pk)
    assert found(region.visiting_nurse, "勉強会") == []


def test_attachment_names_are_found(region, spaces):
    _by_kind, posts = spaces
    target = posts["group"]
    pdf = attach(target, "褥瘡ケア手順書_v2.pdf")
    for query in ("褥瘡ケア", "褥瘡", "手順書_v2"):
        results = search_posts(region.visiting_nurse, query)
        assert [h.post.pk for h in results.hits] == [target.pk], query
        assert [a for a, _marked in results.hits[0].attachments] == [pdf]
    assert found(region.doctor, "褥瘡") == []


@pytest.mark.parametrize("wildcard", ["%", "_", "\\", "50%", "a_b", "%_%"])
def test_like_wildcards_are_literal(region, wildcard):
    space = group(region, region.nurse, region.doctor)
    plain = post(region.nurse, space, "ふつうの投稿です")
    literal = post(region.nurse, space, f"記号 {wildcard} を含む")
    hits = found(region.doctor, wildcard)
    assert hits == [literal.pk]
    assert plain.pk not in hits


def test_snippet_marks_the_hit_and_escapes_html(region):
    space = group(region, region.nurse, region.doctor)
    post(region.nurse, space, "<script>alert(1)</script> 体温 37.8℃ & 倦怠感")
    hit = search_posts(region.doctor, "体温").hits[0]
    assert "<mark>体温</mark>" in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "&amp;" in hit.snippet
    assert hit.space == space
    assert hit.author == region.nurse


def test_an_empty_query_finds_nothing(region, spaces):
    assert found(region.doctor, "") == []
    assert found(region.doctor, "   ") == []


def test_replies_are_found(region, spaces):
    by_kind, posts = spaces
    reply = post(
        region.pharmacist,
        by_kind["patient_group"],
        "解熱剤の在庫を確認します",
        parent_id=posts["patient_group"].pk,
    )
    assert found(region.doctor, "解熱剤") == [reply.pk]
    assert found(region.visiting_nurse, "解熱剤") == []
