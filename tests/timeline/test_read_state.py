"""Read state: unread counts per space and how many members have read each post."""

import pytest

from renkei.errors import NotFound
from renkei.spaces.queries import my_spaces, unread_totals
from renkei.timeline.actions import mark_read, post_message
from renkei.timeline.queries import timeline_page
from tests.spaces.helpers import group, patient_group


def test_unread_counts_per_space_and_per_kind(region):
    g = group(region, region.doctor, region.nurse)
    p = patient_group(region, region.nurse)
    post_message(region.nurse, space_id=g.pk, body="自分の投稿は未読に数えない")
    for n in range(3):
        post_message(region.doctor, space_id=g.pk, body=f"連絡 {n}")
    post_message(region.doctor, space_id=p.pk, body="患者の様子")
    counts = {row.space_id: row.unread for row in my_spaces(region.nurse)}
    assert counts == {g.pk: 3, p.pk: 1}
    assert unread_totals(region.nurse) == {"patient_group": 1, "group": 3, "connection": 0}
    # Writing in a space means one has it open: it counts as read up to one's own post.
    post_message(region.nurse, space_id=g.pk, body="拝見しました")
    assert {row.space_id: row.unread for row in my_spaces(region.nurse)}[g.pk] == 0


def test_reading_moves_the_mark_and_posts_show_how_many_have_read(region):
    g = group(region, region.doctor, region.nurse, region.pharmacist)
    first = post_message(region.doctor, space_id=g.pk, body="一つ目")
    second = post_message(region.doctor, space_id=g.pk, body="二つ目")
    mark_read(region.nurse, space_id=g.pk, up_to_post_id=first.pk)
    views = {v.post.pk: v.read_count for v in timeline_page(region.doctor, g).posts}
    assert views == {first.pk: 1, second.pk: 0}
    mark_read(region.pharmacist, space_id=g.pk, up_to_post_id=second.pk)
    mark_read(region.nurse, space_id=g.pk, up_to_post_id=10**9)  # capped at the newest post
    views = {v.post.pk: v.read_count for v in timeline_page(region.doctor, g).posts}
    assert views == {first.pk: 2, second.pk: 2}
    assert {row.space_id: row.unread for row in my_spaces(region.nurse)} == {g.pk: 0}
    # The mark never moves back.
    assert mark_read(region.nurse, space_id=g.pk, up_to_post_id=first.pk) == second.pk


def test_outsiders_have_no_read_state(region):
    g = group(region, region.doctor, region.nurse)
    with pytest.raises(NotFound):
        mark_read(region.pharmacist, space_id=g.pk, up_to_post_id=1)


def test_paging_stays_correct_while_new_posts_arrive(region):
    g = group(region, region.doctor, region.nurse)
    made = [post_message(region.doctor, space_id=g.pk, body=f"投稿 {n}").pk for n in range(7)]
    first = timeline_page(region.nurse, g, limit=3)
    assert [v.post.pk for v in first.posts] == made[::-1][:3]
    newer = [post_message(region.doctor, space_id=g.pk, body=f"新着 {n}").pk for n in range(2)]
    second = timeline_page(region.nurse, g, before=first.next_before, limit=3)
    third = timeline_page(region.nurse, g, before=second.next_before, limit=3)
    seen = [v.post.pk for page in (first, second, third) for v in page.posts]
    assert seen == made[::-1]
    assert third.next_before is None
    assert timeline_page(region.nurse, g, limit=2).posts[0].post.pk == newer[-1]
