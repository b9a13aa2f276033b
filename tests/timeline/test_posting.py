"""Posting in a space: members only, idempotent by client id, replies one level deep."""

import pytest
from django.db import connection as connection_for_plans
from django.test.utils import CaptureQueriesContext

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.notifications.models import Notification, NotificationKind
from renkei.policy.actions import change_policy
from renkei.spaces.models import Space
from renkei.timeline.actions import delete_post, post_message
from renkei.timeline.models import Mention, Post
from tests.spaces.helpers import connection, group, patient_group


@pytest.fixture
def spaces(region):
    return {
        "patient_group": patient_group(region, region.nurse, region.pharmacist),
        "group": group(region, region.doctor, region.nurse, region.pharmacist),
        "connection": connection(region.nurse, region.pharmacist),
    }


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("kind", ["patient_group", "group", "connection"])
def test_members_post_and_outsiders_cannot(region, spaces, kind):
    space = spaces[kind]
    post = post_message(region.nurse, space_id=space.pk, body="本日14時に訪問しました。")
    assert post.space_id == space.pk
    event = AuditEvent.objects.get(action=AuditAction.POST_CREATED, object_id=post.public_id)
    assert "本日" not in str(event.detail)
    for outsider in (region.visiting_nurse, region.clinic_admin, region.secretariat):
        with pytest.raises(NotFound):
            post_message(outsider, space_id=space.pk, body="見えないはず")
    assert Post.objects.filter(space=space).count() == 1


def test_a_retried_send_with_the_same_client_id_makes_one_post(region, spaces):
    space = spaces["group"]
    first = post_message(region.nurse, space_id=space.pk, body="再送テスト", client_id="retry-0001")
    again = post_message(region.nurse, space_id=space.pk, body="再送テスト", client_id="retry-0001")
    assert again.pk == first.pk
    assert Post.objects.filter(space=space).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.POST_CREATED).count() == 1
    with pytest.raises(ValidationFailed):
        post_message(
            region.nurse, space_id=spaces["connection"].pk, body="x", client_id="retry-0001"
        )


def test_a_retried_send_is_found_through_the_client_id_index(region, spaces):
    # A member writes thousands of posts over the years; finding a retried send must not walk
    # them all, so the lookup has to be one the (author, client id) unique index answers.
    space = spaces["group"]
    post_message(region.nurse, space_id=space.pk, body="索引テスト", client_id="retry-0002")
    with CaptureQueriesContext(connection_for_plans) as queries:
        post_message(region.nurse, space_id=space.pk, body="索引テスト", client_id="retry-0002")
    lookups = [q["sql"] for q in queries if '"client_id" =' in q["sql"] and "SELECT" in q["sql"]]
    assert len(lookups) == 1
    with connection_for_plans.cursor() as cursor:
        if connection_for_plans.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + lookups[0])
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            # Few rows in a test database: forbid the sequential scan so that the plan shows
            # whether the index can answer the query at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + lookups[0])
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert "one_post_per_client_id" in plan, plan


@pytest.mark.parametrize("body", ["", "   \n  ", "a\x00b", "a\x07b"])
def test_empty_or_control_character_posts_are_refused(region, spaces, body):
    with pytest.raises(ValidationFailed) as refused:
        post_message(region.nurse, space_id=spaces["group"].pk, body=body)
    assert "body" in refused.value.errors
    assert not Post.objects.exists()


def test_long_posts_are_allowed_up_to_the_policy(region, spaces):
    space = spaces["group"]
    post_message(region.nurse, space_id=space.pk, body="長" * 20000)
    with pytest.raises(ValidationFailed):
        post_message(region.nurse, space_id=space.pk, body="長" * 20001)
    change_policy(region.secretariat, changes={"post_max_chars": 1000})
    with pytest.raises(ValidationFailed):
        post_message(region.nurse, space_id=space.pk, body="長" * 1001)
    assert Post.objects.count() == 1


def test_replies_thread_under_a_post_and_not_under_replies_or_deleted_posts(region, spaces):
    space = spaces["group"]
    root = post_message(region.nurse, space_id=space.pk, body="褥瘡の処置について")
    reply = post_message(region.doctor, space_id=space.pk, body="了解です", parent_id=root.pk)
    root.refresh_from_db()
    assert root.reply_count == 1
    assert reply.parent_id == root.pk
    assert Notification.objects.filter(
        member=region.nurse, post=reply, kind=NotificationKind.REPLY
    ).exists()
    with pytest.raises(DomainError):
        post_message(region.pharmacist, space_id=space.pk, body="x", parent_id=reply.pk)
    delete_post(region.nurse, post_id=root.pk)
    with pytest.raises(DomainError):
        post_message(region.pharmacist, space_id=space.pk, body="x", parent_id=root.pk)
    other = spaces["connection"]
    with pytest.raises(NotFound):
        post_message(region.nurse, space_id=other.pk, body="x", parent_id=reply.pk)


def test_mentions_notify_active_members_of_the_space_only(region, spaces):
    space = spaces["group"]
    post = post_message(
        region.nurse, space_id=space.pk, body="@ph.ito さん、@dr.yamada 先生、@ns.kato さん確認を"
    )
    assert set(Mention.objects.filter(post=post).values_list("member_id", flat=True)) == {
        region.pharmacist.pk,
        region.doctor.pk,
    }
    assert Notification.objects.filter(
        member=region.pharmacist, post=post, kind=NotificationKind.MENTION
    ).exists()
    assert not Notification.objects.filter(member=region.visiting_nurse).exists()


def test_new_posts_notify_each_other_member_once_until_read(region, spaces):
    space = spaces["group"]
    for n in range(3):
        post_message(region.nurse, space_id=space.pk, body=f"経過報告 {n}")
    activity = Notification.objects.filter(space=space, kind=NotificationKind.ACTIVITY)
    assert sorted(activity.values_list("member_id", flat=True)) == sorted(
        [region.doctor.pk, region.pharmacist.pk]
    )


def test_nothing_can_be_written_in_a_space_that_is_not_active(region, spaces):
    space = spaces["patient_group"]
    Space.objects.filter(pk=space.pk).update(state="archived")
    with pytest.raises(DomainError):
        post_message(region.nurse, space_id=space.pk, body="アーカイブ後")
    assert not Post.objects.exists()
