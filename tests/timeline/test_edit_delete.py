"""Editing keeps earlier versions visible; deleting leaves a trace without content."""

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, NotFound
from renkei.timeline.actions import delete_post, edit_post, post_message
from renkei.timeline.models import Post, PostVersion
from renkei.timeline.queries import post_versions, timeline_page
from tests.spaces.helpers import group


@pytest.fixture
def space(region):
    return group(region, region.doctor, region.nurse, region.pharmacist)


def test_an_edit_is_marked_and_earlier_versions_stay_visible_to_members(region, space):
    post = post_message(region.nurse, space_id=space.pk, body="体温 37.5度")
    edit_post(region.nurse, post_id=post.pk, body="体温 37.8度")
    edit_post(region.nurse, post_id=post.pk, body="体温 38.0度")
    post.refresh_from_db()
    assert post.edited_at is not None
    assert [v.body for v in post_versions(region.pharmacist, post)] == [
        "体温 37.5度",
        "体温 37.8度",
    ]
    assert AuditEvent.objects.filter(action=AuditAction.POST_EDITED).count() == 2
    with pytest.raises(NotFound):
        post_versions(region.visiting_nurse, post)


def test_only_the_author_edits(region, space):
    post = post_message(region.nurse, space_id=space.pk, body="元の文")
    with pytest.raises(DomainError):
        edit_post(region.doctor, post_id=post.pk, body="書き換え")
    post.refresh_from_db()
    assert post.body == "元の文"
    assert not PostVersion.objects.exists()


@pytest.mark.parametrize("deleter", ["nurse", "doctor"])
def test_the_author_or_a_space_admin_deletes_and_a_trace_remains(region, space, deleter):
    post = post_message(region.nurse, space_id=space.pk, body="誤って投稿した内容")
    edit_post(region.nurse, post_id=post.pk, body="誤って投稿した内容（修正）")
    delete_post(region.cast[deleter], post_id=post.pk)
    post.refresh_from_db()
    assert post.is_deleted
    assert post.body == ""
    assert not PostVersion.objects.filter(post=post).exists()
    (view,) = timeline_page(region.pharmacist, space).posts
    assert view.post.is_deleted
    assert AuditEvent.objects.filter(action=AuditAction.POST_DELETED).count() == 1


def test_another_member_cannot_delete(region, space):
    post = post_message(region.nurse, space_id=space.pk, body="残すべき投稿")
    with pytest.raises(DomainError):
        delete_post(region.pharmacist, post_id=post.pk)
    assert Post.objects.get(pk=post.pk).body == "残すべき投稿"
    delete_post(region.nurse, post_id=post.pk)
    with pytest.raises(DomainError):
        delete_post(region.nurse, post_id=post.pk)
