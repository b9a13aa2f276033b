"""The navigation's badge: a signed-in member's unread notifications on every page, counted by
one query and only when a page shows it; anonymous pages never count anything."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from renkei.notifications import actions
from renkei.notifications.context_processors import unread_notifications
from renkei.notifications.models import Notification
from renkei.spaces.actions import leave_space
from renkei.timeline.actions import post_message
from tests.spaces.helpers import group, patient_group

BADGE = re.compile(r'<span class="unread" data-unread-notifications( hidden)?>([^<]*)</span>')


def badge(html: str) -> tuple[bool, str]:
    """(shown, text) of the badge in the navigation."""
    match = BADGE.search(html)
    assert match, "no badge in the navigation"
    return match.group(1) is None, match.group(2)


def _notification_queries(queries: CaptureQueriesContext) -> list[str]:
    table = Notification._meta.db_table
    return [q["sql"] for q in queries.captured_queries if table in q["sql"]]


def test_the_badge_shows_the_unread_count_and_hides_at_zero(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)  # "added" for both
    post_message(region.doctor, space_id=space.pk, body="@ns.sato 明日の訪問時間の確認です")
    nurse = client_for(region.nurse)
    # Added to the group, then mentioned: two unread.
    assert badge(nurse.get("/").content.decode()) == (True, "2")
    # Every page with the navigation shows it, the space list too.
    assert badge(nurse.get("/spaces/").content.decode()) == (True, "2")

    actions.mark_all_notifications_read(region.nurse)
    assert badge(nurse.get("/").content.decode()) == (False, "")


def test_each_member_sees_only_their_own_count(region, client_for):
    space = group(region, region.pharmacist, region.nurse, region.doctor)
    post_message(region.pharmacist, space_id=space.pk, body="@dr.yamada 処方の件でご相談です")
    counts = {
        who: badge(client_for(getattr(region, who)).get("/").content.decode())
        for who in ("pharmacist", "doctor", "nurse", "visiting_nurse")
    }
    assert counts["pharmacist"] == (False, "")  # the author is not notified of their own post
    assert counts["doctor"] == (True, "2")  # added, mentioned
    assert counts["nurse"] == (True, "2")  # added, new posts in the group
    assert counts["visiting_nurse"] == (False, "")  # not in the group


def test_notifications_of_a_space_left_stop_counting(region, client_for):
    space = group(region, region.pharmacist, region.nurse)
    post_message(region.pharmacist, space_id=space.pk, body="勉強会の日程です")
    nurse = client_for(region.nurse)
    assert badge(nurse.get("/").content.decode()) == (True, "2")
    leave_space(region.nurse, space_id=space.pk)
    assert badge(nurse.get("/").content.decode()) == (False, "")


def test_a_signed_in_page_counts_with_one_query(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    for n in range(5):
        post_message(region.doctor, space_id=space.pk, body=f"@ns.sato 連絡{n}")
    nurse = client_for(region.nurse)
    nurse.get("/")
    with CaptureQueriesContext(connection) as queries:
        html = nurse.get("/").content.decode()
    assert badge(html) == (True, "6")
    assert len(_notification_queries(queries)) == 1


def test_anonymous_pages_count_nothing(db, client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/signin/")
    assert response.status_code == 200
    assert "unread_notifications" not in response.context
    assert "data-unread-notifications" not in response.content.decode()
    assert _notification_queries(queries) == []


def test_the_count_is_made_only_when_a_page_shows_it(region):
    space = group(region, region.pharmacist, region.nurse)
    post_message(region.pharmacist, space_id=space.pk, body="@ns.sato 確認をお願いします")
    request = RequestFactory().get("/")
    request.user = region.nurse
    with CaptureQueriesContext(connection) as queries:
        context = unread_notifications(request)
    assert queries.captured_queries == []
    with CaptureQueriesContext(connection) as queries:
        assert int(str(context["unread_notifications"])) == 2
        assert bool(context["unread_notifications"])
    assert len(queries.captured_queries) == 1

    request.user = AnonymousUser()
    assert unread_notifications(request) == {}


@pytest.mark.parametrize("who", ["secretariat", "operator", "helper"])
def test_members_without_spaces_see_no_badge(region, client_for, who):
    html = client_for(getattr(region, who)).get("/").content.decode()
    assert badge(html) == (False, "")
