"""R3.5: a patient group admin moves a patient group to the archive (保管者リスト) when support
ends: it leaves the patient list for the archive list, is read-only to its members (no post,
reply, edit, delete or 了解 through actions, pages or the API), keeps its history readable, and
is restored by its admins. Both are audited."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError
from renkei.spaces import actions, queries
from renkei.spaces.models import SpaceKind, SpaceState
from renkei.timeline import actions as timeline_actions
from renkei.timeline.models import Acknowledgement, Post
from tests.spaces.helpers import patient_group

JSON = "application/json"


@pytest.fixture
def archived(region, django_capture_on_commit_callbacks):
    """A patient group with some history, moved to the archive by its admin."""
    space = patient_group(region, region.nurse, region.pharmacist)
    first = timeline_actions.post_message(region.nurse, space_id=space.pk, body="最終訪問の記録")
    timeline_actions.post_message(
        region.doctor, space_id=space.pk, body="お疲れさまでした", parent_id=first.pk
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.archive_patient_group(region.doctor, space_id=space.pk)
    space.refresh_from_db()
    space.first_post = first  # type: ignore[attr-defined]
    space.callbacks = callbacks  # type: ignore[attr-defined]
    return space


@pytest.mark.rule("R3.5")
def test_archiving_moves_it_to_the_archive_list_and_is_audited(region, archived):
    assert archived.state == SpaceState.ARCHIVED
    assert archived.archived_at is not None
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_GROUP_ARCHIVED)
    assert event.actor_id == region.doctor.pk
    assert "朝霞" not in str(event.detail)
    assert len(archived.callbacks) >= 3  # every member's list changes live
    for member in (region.doctor, region.nurse, region.pharmacist):
        assert not queries.my_spaces(member, kind=SpaceKind.PATIENT_GROUP).exists()
        listed = queries.my_spaces(
            member, kind=SpaceKind.PATIENT_GROUP, states=(SpaceState.ARCHIVED,)
        )
        assert [row.space_id for row in listed] == [archived.pk]


@pytest.mark.rule("R3.5")
def test_nothing_can_be_written_in_an_archived_group(region, archived):
    first = archived.first_post
    count = Post.objects.count()
    attempts = [
        lambda: timeline_actions.post_message(region.nurse, space_id=archived.pk, body="追記"),
        lambda: timeline_actions.post_message(
            region.nurse, space_id=archived.pk, body="返信", parent_id=first.pk
        ),
        lambda: timeline_actions.edit_post(region.nurse, post_id=first.pk, body="書き換え"),
        lambda: timeline_actions.delete_post(region.nurse, post_id=first.pk),
        lambda: timeline_actions.delete_post(region.doctor, post_id=first.pk),
        lambda: timeline_actions.acknowledge(region.pharmacist, post_id=first.pk),
        lambda: actions.invite_to_patient_group(
            region.doctor, space_id=archived.pk, member_ids=[region.care_manager.pk]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError):
            attempt()
    first.refresh_from_db()
    assert first.body == "最終訪問の記録"
    assert first.deleted_at is None
    assert Post.objects.count() == count
    assert not Acknowledgement.objects.exists()


@pytest.mark.rule("R3.5")
def test_only_its_admin_archives_or_restores(region):
    space = patient_group(region, region.nurse)
    for actor in (region.nurse, region.clinic_admin, region.pharmacist):
        with pytest.raises(DomainError):
            actions.archive_patient_group(actor, space_id=space.pk)
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE
    actions.archive_patient_group(region.doctor, space_id=space.pk)
    with pytest.raises(DomainError):
        actions.restore_patient_group(region.nurse, space_id=space.pk)
    with pytest.raises(DomainError):  # not twice
        actions.archive_patient_group(region.doctor, space_id=space.pk)
    actions.restore_patient_group(region.doctor, space_id=space.pk)
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE
    assert space.archived_at is None
    assert AuditEvent.objects.filter(action=AuditAction.PATIENT_GROUP_RESTORED).count() == 1
    timeline_actions.post_message(region.nurse, space_id=space.pk, body="再開しました")


def test_a_frozen_group_archived_and_restored_stays_frozen(region):
    space = patient_group(region, region.nurse)
    type(space).objects.filter(pk=space.pk).update(state=SpaceState.FROZEN)
    actions.archive_patient_group(region.doctor, space_id=space.pk)
    actions.restore_patient_group(region.doctor, space_id=space.pk)
    space.refresh_from_db()
    assert space.state == SpaceState.FROZEN


# Pages -----------------------------------------------------------------------------------------


@pytest.mark.rule("R3.5")
def test_pages_show_the_archive_and_refuse_writing(region, archived, client_for):
    nurse = client_for(region.nurse)
    patients = nurse.get("/spaces/?tab=patients").content.decode()
    assert str(archived.public_id) not in patients
    archive = nurse.get("/spaces/?tab=archive").content.decode()
    assert "保管者リスト" in archive
    assert str(archived.public_id) in archive
    page = nurse.get(f"/spaces/{archived.public_id}/").content.decode()
    assert "最終訪問の記録" in page  # the history stays readable
    thread = nurse.get(f"/posts/{archived.first_post.public_id}/").content.decode()
    assert "お疲れさまでした" in thread
    assert "保管者リストにあります" in page
    assert 'id="post-form"' not in page
    first = archived.first_post
    nurse.post(
        f"/spaces/{archived.public_id}/posts/", {"body": "追記", "client_id": "archived-0001"}
    )
    nurse.post(f"/posts/{first.public_id}/replies/", {"body": "返信", "client_id": "archived-0002"})
    nurse.post(f"/posts/{first.public_id}/edit/", {"body": "書き換え"})
    nurse.post(f"/posts/{first.public_id}/delete/")
    client_for(region.pharmacist).post(f"/posts/{first.public_id}/ack/")
    first.refresh_from_db()
    assert first.body == "最終訪問の記録"
    assert first.deleted_at is None
    assert Post.objects.filter(space=archived).count() == 2
    assert not Acknowledgement.objects.exists()


@pytest.mark.rule("R3.5")
def test_pages_archive_and_restore_for_the_admin_only(region, client_for):
    space = patient_group(region, region.nurse)
    nurse = client_for(region.nurse)
    assert (
        "保管者リストに移す"
        not in nurse.get(f"/spaces/{space.public_id}/members/").content.decode()
    )
    response = nurse.post(f"/spaces/{space.public_id}/archive/", follow=True)
    assert "保管者リストに移せるのは患者グループ管理者だけです。" in response.content.decode()
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE
    doctor = client_for(region.doctor)
    assert (
        "保管者リストに移す" in doctor.get(f"/spaces/{space.public_id}/members/").content.decode()
    )
    response = doctor.post(f"/spaces/{space.public_id}/archive/", follow=True)
    assert "患者グループを保管者リストに移しました。" in response.content.decode()
    space.refresh_from_db()
    assert space.state == SpaceState.ARCHIVED
    response = nurse.post(f"/spaces/{space.public_id}/restore/", follow=True)
    space.refresh_from_db()
    assert space.state == SpaceState.ARCHIVED
    response = doctor.post(f"/spaces/{space.public_id}/restore/", follow=True)
    assert "患者グループを患者リストに戻しました。" in response.content.decode()
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE
    assert (
        client_for(region.pharmacist).post(f"/spaces/{space.public_id}/archive/").status_code == 404
    )


# API -------------------------------------------------------------------------------------------


@pytest.mark.rule("R3.5")
def test_the_api_lists_the_archive_and_refuses_writing(region, archived, client_for):
    nurse = client_for(region.nurse)
    listed = nurse.get("/api/v1/spaces", {"kind": "patient_group"}).json()
    assert str(archived.public_id) not in {row["id"] for row in listed}
    archive = nurse.get("/api/v1/spaces", {"archived": "true"}).json()
    assert [row["id"] for row in archive] == [str(archived.public_id)]
    assert archive[0]["state"] == "archived"
    timeline = nurse.get(f"/api/v1/spaces/{archived.public_id}/posts").json()
    assert "最終訪問の記録" in str(timeline)
    first = archived.first_post
    refused = [
        nurse.post(
            f"/api/v1/spaces/{archived.public_id}/posts",
            {"body": "追記", "client_id": "archived-api-1"},
            content_type=JSON,
        ),
        nurse.post(
            f"/api/v1/spaces/{archived.public_id}/posts",
            {"body": "返信", "client_id": "archived-api-2", "parent": str(first.public_id)},
            content_type=JSON,
        ),
        nurse.patch(f"/api/v1/posts/{first.public_id}", {"body": "書き換え"}, content_type=JSON),
        nurse.delete(f"/api/v1/posts/{first.public_id}"),
        client_for(region.pharmacist).post(f"/api/v1/posts/{first.public_id}/ack"),
    ]
    for response in refused:
        assert response.status_code in (400, 403, 409), response.content
    first.refresh_from_db()
    assert first.body == "最終訪問の記録"
    assert first.deleted_at is None
    assert Post.objects.filter(space=archived).count() == 2
    assert not Acknowledgement.objects.exists()


@pytest.mark.rule("R3.5")
def test_the_api_archives_and_restores_for_the_admin_only(region, client_for):
    space = patient_group(region, region.nurse)
    base = f"/api/v1/patient-groups/{space.public_id}"
    refused = client_for(region.nurse).post(f"{base}/archive")
    assert refused.status_code == 403
    assert refused.json()["rule"] == "R3.5"
    assert client_for(region.clinic_admin).post(f"{base}/archive").status_code == 404
    doctor = client_for(region.doctor)
    archived = doctor.post(f"{base}/archive")
    assert archived.status_code == 200
    assert archived.json()["state"] == "archived"
    assert client_for(region.nurse).post(f"{base}/restore").status_code == 403
    restored = doctor.post(f"{base}/restore")
    assert restored.status_code == 200
    assert restored.json()["state"] == "active"
