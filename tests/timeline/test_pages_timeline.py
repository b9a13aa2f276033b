"""The timeline page: newest first, "older posts" paging that stays right while posts arrive,
read marks and counts, the page script's settings, and a constant number of queries."""

from __future__ import annotations

import json
import re

from renkei.spaces.models import Membership
from renkei.timeline.actions import acknowledge, post_message
from renkei.timeline.queries import PAGE_SIZE
from tests.spaces.helpers import group, patient_group
from tests.support.approval import approve_pending


def bodies(html: str) -> list[str]:
    return re.findall(r'<div class="post-body">([^<]*)</div>', html)


def older_link(html: str) -> str:
    match = re.search(r'href="(/spaces/[^"]+\?before=[^"]+)">以前の投稿', html)
    assert match
    return match.group(1)


def test_paging_stays_right_while_new_posts_arrive(region, client_for):
    space = group(region, region.nurse, region.pharmacist)
    for i in range(60):
        post_message(region.pharmacist, space_id=space.pk, body=f"投稿{i:02d}")
    nurse = client_for(region.nurse)
    first = nurse.get(f"/spaces/{space.public_id}/").content.decode()
    assert bodies(first) == [f"投稿{i:02d}" for i in range(59, 9, -1)]
    link = older_link(first)

    # Five posts arrive before the nurse asks for older ones: nothing repeats, nothing is lost.
    for i in range(60, 65):
        post_message(region.pharmacist, space_id=space.pk, body=f"投稿{i:02d}")
    older = nurse.get(link).content.decode()
    assert bodies(older) == [f"投稿{i:02d}" for i in range(9, -1, -1)]
    assert "以前の投稿" not in older
    assert "最新の投稿に戻る" in older
    newest = nurse.get(f"/spaces/{space.public_id}/").content.decode()
    assert bodies(newest)[:6] == ["投稿64", "投稿63", "投稿62", "投稿61", "投稿60", "投稿59"]
    assert len(bodies(newest)) == PAGE_SIZE


def test_opening_marks_read_and_the_read_count_shows(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    posts = [post_message(region.doctor, space_id=space.pk, body=f"連絡{i}") for i in range(3)]
    nurse = client_for(region.nurse)
    first = nurse.get(f"/spaces/{space.public_id}/").content.decode()
    assert "既読 0" in first  # counted before this reading
    assert (
        Membership.objects.get(space=space, member=region.nurse).last_read_post_id == posts[-1].pk
    )
    doctor_view = client_for(region.doctor).get(f"/spaces/{space.public_id}/").content.decode()
    assert doctor_view.count("既読 1") == 3
    # An older page does not move the mark.
    client_for(region.pharmacist).get(f"/spaces/{space.public_id}/?before={posts[1].public_id}")
    assert Membership.objects.get(space=space, member=region.pharmacist).last_read_post_id == 0


def test_the_page_script_reports_what_it_saw_arrive(region, client_for):
    space = group(region, region.nurse, region.pharmacist)
    nurse = client_for(region.nurse)
    nurse.get(f"/spaces/{space.public_id}/")
    post = post_message(region.pharmacist, space_id=space.pk, body="ライブで届いた投稿")
    response = nurse.post(
        f"/spaces/{space.public_id}/read/",
        {"up_to": str(post.public_id)},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"ok": True, "marked": True}
    assert Membership.objects.get(space=space, member=region.nurse).last_read_post_id == post.pk


def test_the_script_settings_name_the_space_and_the_newest_post(region, client_for):
    space = group(region, region.nurse, region.pharmacist)
    top = post_message(region.pharmacist, space_id=space.pk, body="親")
    reply = post_message(region.nurse, space_id=space.pk, body="子", parent_id=top.pk)
    html = client_for(region.pharmacist).get(f"/spaces/{space.public_id}/").content.decode()
    assert "renkei/timeline.js" in html
    raw = html.split('<script id="timeline-config" type="application/json">')[1].split("</script>")[
        0
    ]
    config = json.loads(raw)
    assert config["space"] == str(space.public_id)
    assert config["me"] == str(region.pharmacist.public_id)
    # Catch-up starts after the newest post or reply there was, not the newest shown on top.
    assert config["newest"] == str(reply.public_id)
    assert config["labels"]["ack"] == "了解"
    assert config["labels"]["deleted"] == "この投稿は削除されました"
    assert config["urls"]["ack"] == "/posts/__id__/ack/"
    # Other pages do not load the timeline script.
    assert "renkei/timeline.js" not in client_for(region.nurse).get("/spaces/").content.decode()


def _fill(region, space, n: int) -> None:  # type: ignore[no-untyped-def]
    authors = [region.doctor, region.nurse, region.pharmacist]
    for i in range(n):
        post = post_message(
            authors[i % 3],
            space_id=space.pk,
            body=f"経過報告 {i}",
            ack_from=[region.nurse.pk] if authors[i % 3] != region.nurse else [],
        )
        acknowledge(authors[(i + 1) % 3], post_id=post.pk)
        post_message(authors[(i + 2) % 3], space_id=space.pk, body="返信", parent_id=post.pk)


def _add_members(region, space, n: int) -> None:  # type: ignore[no-untyped-def]
    from renkei.accounts.models import Member
    from renkei.facilities.models import Affiliation
    from renkei.spaces import actions

    ids = []
    start = Member.objects.count()
    for i in range(n):
        member = Member.objects.create_member(
            login_id=f"m{start + i}",
            name=f"職員 {start + i}",
            furigana="しょくいん",
            profession="nurse",
            email=f"m{start + i}@example.jp",
            password="Renkei2026pass",
            is_active=True,
        )
        Affiliation.objects.create(
            member=member,
            facility=region.station,
            number=100 + start + i,
            registered_on="2026-01-01",
        )
        ids.append(member.pk)
    actions.invite_to_patient_group(region.doctor, space_id=space.pk, member_ids=ids)
    approve_pending(space)  # station staff, approved by the station (R2.10)


# Measured: the session and sign-in checks; the space; the members and their facilities; the
# page of posts (posts, files, 了解 requests, 了解 rows with one's own among them, the read
# marks that also count the members; the membership is the one the space's check read);
# the policy (once per request); the patient record; the permissions; the newest post for
# catch-up; the unread notifications of the navigation's badge; the patient group's consent
# and whether the viewer manages it (R3.2); its complete-deletion request (R3.5).
SPACE_PAGE_QUERIES = 21


def test_the_space_page_costs_the_same_queries_for_few_or_many(
    region, client_for, django_assert_num_queries
):
    space = patient_group(region, region.nurse, region.pharmacist)
    client = client_for(region.nurse)
    client.get("/spaces/")
    _fill(region, space, 3)
    _add_members(region, space, 3)
    with django_assert_num_queries(SPACE_PAGE_QUERIES):
        client.get(f"/spaces/{space.public_id}/")
    _fill(region, space, 60)
    _add_members(region, space, 60)
    with django_assert_num_queries(SPACE_PAGE_QUERIES):
        html = client.get(f"/spaces/{space.public_id}/").content.decode()
    assert len(bodies(html)) == PAGE_SIZE
    assert html.count('class="roster-item"') == 3 + 3 + 60
