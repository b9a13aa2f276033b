"""R2.6 on posting: a group refuses patients' personal information and points to the patient
group; a connection warns until the author confirms; a patient group is not checked. Through
the action and the pages; the API is tried in tests/api/test_guard.py."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from renkei.attachments.uploads import prepare_uploads
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.guard.checks import GuardBlocked, GuardWarning
from renkei.timeline.actions import edit_post, post_message
from renkei.timeline.models import Post
from tests.attachments import samples
from tests.spaces.helpers import connection, group, patient_group

NAME_AND_PHONE = "朝霞花子さんの長男さんの携帯は090-1234-5678です。"
CLEAN = "次回の勉強会は6月14日14:00から、会場は3階の301号室です。"


@pytest.fixture
def spaces(region):
    return {
        "patient_group": patient_group(region, region.nurse, region.care_manager),
        "group": group(region, region.doctor, region.nurse, region.care_manager),
        "connection": connection(region.nurse, region.care_manager),
    }


def _counts():
    return (
        Post.objects.count(),
        AuditEvent.objects.filter(action=AuditAction.POST_CREATED).count(),
    )


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("author", ["doctor", "nurse", "care_manager"])
def test_a_group_refuses_a_patients_personal_information_and_saves_nothing(region, spaces, author):
    before = _counts()
    with translation.override("ja"), pytest.raises(GuardBlocked) as refused:
        post_message(getattr(region, author), space_id=spaces["group"].pk, body=NAME_AND_PHONE)
    assert _counts() == before
    exc = refused.value
    assert exc.rule == "R2.6"
    assert "グループには患者さんの個人情報を書けません" in exc.message
    assert "患者さんの氏名「朝霞花子」" in exc.message
    assert "電話番号「090-1234-5678」" in exc.message
    assert [m.kind for m in exc.matches] == ["name", "phone"]
    # Each author is a member of 朝霞花子's patient group: the link leads there.
    assert exc.details()["patient_link"] == reverse(
        "spaces:space", kwargs={"space_id": spaces["patient_group"].public_id}
    )


@pytest.mark.rule("R2.6")
def test_the_link_is_the_patient_list_for_an_author_outside_the_patient_group(region):
    space = patient_group(region)  # the doctor only
    other = group(region, region.nurse, region.care_manager)
    assert space.pk
    with pytest.raises(GuardBlocked) as refused:
        post_message(region.nurse, space_id=other.pk, body="朝霞花子様の件です")
    assert refused.value.patient_link == reverse("spaces:list") + "?tab=patients"


@pytest.mark.rule("R2.6")
def test_clean_talk_is_posted_in_a_group(region, spaces):
    post = post_message(region.nurse, space_id=spaces["group"].pk, body=CLEAN)
    assert post.body == CLEAN


@pytest.mark.rule("R2.6")
def test_a_connection_warns_and_the_author_confirms(region, spaces):
    space = spaces["connection"]
    before = _counts()
    with pytest.raises(GuardWarning) as held:
        post_message(region.nurse, space_id=space.pk, body=NAME_AND_PHONE, client_id="guard-0001")
    assert _counts() == before
    assert held.value.status == 409
    assert {m.kind for m in held.value.matches} == {"name", "phone"}
    post = post_message(
        region.nurse, space_id=space.pk, body=NAME_AND_PHONE, client_id="guard-0001", confirm=True
    )
    assert post.body == NAME_AND_PHONE
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_INFORMATION_CONFIRMED)
    assert event.actor_id == region.nurse.pk
    assert event.object_id == str(post.public_id)
    assert event.detail == {"space": str(space.public_id), "kinds": ["name", "phone"], "count": 2}
    # Kinds only: neither the name nor the number reaches the audit trail.
    assert "朝霞" not in str(event.detail)
    assert "5678" not in str(event.detail)


@pytest.mark.rule("R2.6")
def test_a_clean_message_in_a_connection_needs_no_confirmation(region, spaces):
    post_message(region.nurse, space_id=spaces["connection"].pk, body=CLEAN)
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_INFORMATION_CONFIRMED).exists()


@pytest.mark.rule("R2.6")
def test_patient_groups_are_not_checked(region, spaces):
    post = post_message(region.nurse, space_id=spaces["patient_group"].pk, body=NAME_AND_PHONE)
    assert post.body == NAME_AND_PHONE
    assert not AuditEvent.objects.filter(action=AuditAction.PERSONAL_INFORMATION_CONFIRMED).exists()


@pytest.mark.rule("R2.6")
def test_file_names_are_checked(region, spaces, data_dir):
    upload = samples.upload("朝霞花子_褥瘡_090-1234-5678.pdf", samples.pdf())
    prepared = prepare_uploads([upload], space=spaces["group"], photo_consent=False)
    before = _counts()
    with pytest.raises(GuardBlocked) as refused:
        post_message(
            region.nurse, space_id=spaces["group"].pk, body="資料です", attachments=prepared
        )
    assert _counts() == before
    assert {m.field for m in refused.value.matches} == {"attachments"}
    folder = data_dir / "files"
    assert not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]


@pytest.mark.rule("R2.6")
def test_an_edit_is_checked_like_a_post(region, spaces):
    post = post_message(region.nurse, space_id=spaces["group"].pk, body=CLEAN)
    with pytest.raises(GuardBlocked):
        edit_post(region.nurse, post_id=post.pk, body=NAME_AND_PHONE)
    post.refresh_from_db()
    assert post.body == CLEAN
    assert post.edited_at is None
    message = post_message(region.nurse, space_id=spaces["connection"].pk, body=CLEAN)
    with pytest.raises(GuardWarning):
        edit_post(region.nurse, post_id=message.pk, body=NAME_AND_PHONE)
    edit_post(region.nurse, post_id=message.pk, body=NAME_AND_PHONE, confirm=True)
    message.refresh_from_db()
    assert message.body == NAME_AND_PHONE


# Pages -------------------------------------------------------------------------------------


def _send(client, space, body, **extra):
    return client.post(
        reverse("timeline:create_post", kwargs={"space_id": space.public_id}),
        {"body": body, "client_id": "page-guard-0001", **extra},
    )


@pytest.mark.rule("R2.6")
def test_the_group_page_refuses_with_the_explanation_and_the_link(region, spaces, client_for):
    client = client_for(region.nurse)
    before = _counts()
    response = _send(client, spaces["group"], NAME_AND_PHONE)
    assert response.status_code == 422
    html = response.content.decode()
    assert "グループには患者さんの個人情報を書けません" in html
    assert "患者さんの氏名「朝霞花子」" in html
    link = reverse("spaces:space", kwargs={"space_id": spaces["patient_group"].public_id})
    assert f'href="{link}"' in html
    assert "患者グループに書く" in html
    assert NAME_AND_PHONE in html  # the text is kept to be corrected
    assert _counts() == before


@pytest.mark.rule("R2.6")
def test_the_group_page_script_gets_the_matches_as_json(region, spaces, client_for):
    response = client_for(region.nurse).post(
        reverse("timeline:create_post", kwargs={"space_id": spaces["group"].public_id}),
        {"body": NAME_AND_PHONE, "client_id": "page-guard-0002"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 409
    data = response.json()
    assert [m["kind"] for m in data["matches"]] == ["name", "phone"]
    assert data["patient_link"]
    assert "グループには" in data["error"]


@pytest.mark.rule("R2.6")
def test_the_connection_page_asks_for_confirmation_then_sends(region, spaces, client_for):
    client = client_for(region.nurse)
    space = spaces["connection"]
    before = _counts()
    response = _send(client, space, NAME_AND_PHONE)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'name="confirm"' in html
    assert "確認しました。このつながりで送ります" in html
    assert _counts() == before
    response = _send(client, space, NAME_AND_PHONE, confirm="1")
    assert response.status_code == 302
    assert Post.objects.filter(space=space, body=NAME_AND_PHONE).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.PERSONAL_INFORMATION_CONFIRMED).count() == 1


@pytest.mark.rule("R2.6")
def test_the_edit_page_refuses_in_a_group_and_keeps_the_text(region, spaces, client_for):
    post = post_message(region.nurse, space_id=spaces["group"].pk, body=CLEAN)
    response = client_for(region.nurse).post(
        reverse("timeline:edit", kwargs={"post_id": post.public_id}), {"body": NAME_AND_PHONE}
    )
    assert response.status_code == 422
    assert "グループには患者さんの個人情報を書けません" in response.content.decode()
    post.refresh_from_db()
    assert post.body == CLEAN


@pytest.mark.rule("R2.6")
def test_the_patient_group_page_posts_without_a_check(region, spaces, client_for):
    response = _send(client_for(region.nurse), spaces["patient_group"], NAME_AND_PHONE)
    assert response.status_code == 302
    assert Post.objects.filter(body=NAME_AND_PHONE).count() == 1
