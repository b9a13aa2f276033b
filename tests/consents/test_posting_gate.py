"""R3.2: a patient group accepts no post, reply or file until the patient's consent is
recorded; the refusal says so in Japanese and names who can record it."""

from __future__ import annotations

import pytest

from renkei.attachments.models import Attachment
from renkei.errors import RuleViolation
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post
from tests.attachments import samples
from tests.consents.helpers import unconsented_group
from tests.spaces.helpers import connection, group
from tests.support.consent import record_consent

pytestmark = pytest.mark.rule("R3.2")

MESSAGE = "患者様の個人情報使用同意書（様式4）が登録されるまで投稿できません"
WHO = "患者グループ管理者または連携元事業所のシステム管理者"


@pytest.mark.parametrize("author", ["doctor", "nurse", "pharmacist"])
def test_no_member_posts_before_consent_and_nothing_is_written(region, author):
    space = unconsented_group(region)
    with pytest.raises(RuleViolation) as refused:
        post_message(region.cast[author], space_id=space.pk, body="本日訪問しました。")
    assert refused.value.rule == "R3.2"
    assert MESSAGE in refused.value.message
    assert WHO in refused.value.message
    assert not Post.objects.filter(space=space).exists()


def test_a_file_alone_is_refused_before_consent(region):
    from renkei.attachments.uploads import prepare_uploads

    space = unconsented_group(region)
    uploads = prepare_uploads(
        [samples.upload("検査結果.pdf", samples.pdf())], space=space, photo_consent=False
    )
    with pytest.raises(RuleViolation):
        post_message(region.doctor, space_id=space.pk, body="", attachments=uploads)
    assert not Attachment.objects.exists()


def test_groups_and_connections_are_not_gated(region):
    g = group(region, region.nurse, region.doctor)
    c = connection(region.nurse, region.doctor)
    assert post_message(region.nurse, space_id=g.pk, body="勉強会の日程です。")
    assert post_message(region.nurse, space_id=c.pk, body="明日伺います。")


def test_posts_and_replies_are_accepted_once_consent_is_recorded(region):
    space = unconsented_group(region)
    record_consent(space, by=region.doctor)
    first = post_message(region.nurse, space_id=space.pk, body="本日訪問しました。")
    reply = post_message(region.doctor, space_id=space.pk, body="了解です。", parent_id=first.pk)
    assert reply.parent_id == first.pk


def test_the_page_refuses_a_post_before_consent(region, client_for):
    space = unconsented_group(region)
    client = client_for(region.nurse)
    page = client.get(f"/spaces/{space.public_id}/").content.decode()
    assert "同意書未登録" in page
    response = client.post(
        f"/spaces/{space.public_id}/posts/",
        {"body": "本日訪問しました。", "client_id": "abcdefgh01"},
    )
    assert MESSAGE in response.content.decode()
    assert not Post.objects.filter(space=space).exists()


def test_the_page_script_gets_the_refusal_as_json(region, client_for):
    space = unconsented_group(region)
    response = client_for(region.doctor).post(
        f"/spaces/{space.public_id}/posts/",
        {"body": "本日訪問しました。"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    assert MESSAGE in response.json()["error"]


def test_the_api_refuses_a_post_and_a_file_before_consent(region, client_for):
    space = unconsented_group(region)
    client = client_for(region.nurse)
    token = client.get("/api/v1/me").cookies["csrftoken"].value
    response = client.post(
        f"/api/v1/spaces/{space.public_id}/posts",
        {"body": "本日訪問しました。", "client_id": "gate-json-01"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "R3.2"
    assert MESSAGE in response.json()["detail"]
    response = client.post(
        f"/api/v1/spaces/{space.public_id}/posts",
        {
            "body": "",
            "client_id": "gate-file-01",
            "files": samples.upload("検査結果.pdf", samples.pdf()),
        },
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 409
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
