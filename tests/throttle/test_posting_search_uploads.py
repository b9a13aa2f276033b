"""Posting, searching and uploading are limited per member and per source address by the policy
(R2.3), over the pages and the API: a clear Japanese message, 429 with Retry-After, nothing
written, and the limit lifts when its window ends."""

from __future__ import annotations

import pytest

from renkei.attachments.models import Attachment
from renkei.policy.actions import change_policy
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post
from tests.api.spaces_cast import group, new_client_id, send
from tests.attachments import samples
from tests.search.helpers import post as make_post
from tests.throttle.conftest import START_OFFSET

POST_LIMIT = "1分間に投稿できる上限（3回）に達しました。"
POST_NETWORK = "この接続元からの投稿が多すぎます（1分間に3回まで）。"
SEARCH_LIMIT = "1分間に検索できる上限（2回）に達しました。"
SEARCH_NETWORK = "この接続元からの検索が多すぎます（1分間に2回まで）。"
UPLOAD_LIMIT = "1時間にアップロードできるファイル数の上限（2件）に達しました。"


def _throttled(response, message: str, *, wait: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert response["Retry-After"] == str(wait)
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        text = body.get("detail") or body.get("error")
        assert body.get("code", "throttled") == "throttled"
    else:
        text = response.content.decode()
    assert message in text, text


@pytest.fixture
def space(region):  # type: ignore[no-untyped-def]
    return group(region.nurse, region.pharmacist, region.visiting_nurse)


# Posting ------------------------------------------------------------------------------------


@pytest.mark.rule("R2.3")
def test_posting_through_the_api_is_limited_per_member_and_lifts_after_the_minute(
    region, space, clock, signed_in
):
    change_policy(region.secretariat, changes={"posts_per_minute": 3})
    nurse = signed_in(region.nurse)
    for i in range(3):
        assert send(nurse, space, f"経過 {i}").status_code == 201
    refused = send(nurse, space, "四回目")
    _throttled(refused, POST_LIMIT + "55秒後にもう一度投稿してください。", wait=60 - START_OFFSET)
    assert Post.objects.filter(space=space).count() == 3
    # Another member in the same minute is not limited by the nurse's posts.
    other = send(signed_in(region.pharmacist, ip="10.1.0.2"), space, "薬局です")
    assert other.status_code == 201, other.content.decode()
    clock.shift(60)
    assert send(nurse, space, "次の一分").status_code == 201
    assert Post.objects.filter(space=space).count() == 5


@pytest.mark.rule("R2.3")
def test_posting_from_the_page_is_limited_with_the_message_on_the_form(
    region, space, clock, signed_in
):
    change_policy(region.secretariat, changes={"posts_per_minute": 3})
    nurse = signed_in(region.nurse)
    url = f"/spaces/{space.public_id}/posts/"
    for i in range(3):
        response = nurse.post(url, {"body": f"経過 {i}", "client_id": new_client_id()})
        assert response.status_code == 302
    clock.shift(10)
    page = nurse.post(url, {"body": "四回目", "client_id": new_client_id()})
    _throttled(page, POST_LIMIT + "45秒後にもう一度投稿してください。", wait=45)
    assert "四回目" in page.content.decode()  # the text is kept on the form
    # As the page script posts it (JSON):
    scripted = nurse.post(
        url, {"body": "五回目", "client_id": new_client_id()}, HTTP_ACCEPT="application/json"
    )
    _throttled(scripted, POST_LIMIT, wait=45)
    assert not Post.objects.filter(body__in=["四回目", "五回目"]).exists()


@pytest.mark.rule("R2.3")
def test_posting_is_limited_per_address_across_members(region, space, clock, signed_in):
    change_policy(region.secretariat, changes={"posts_per_minute_address": 3})
    shared = "192.0.2.50"
    nurse, pharmacist = signed_in(region.nurse, ip=shared), signed_in(region.pharmacist, ip=shared)
    assert send(nurse, space, "一").status_code == 201
    assert send(pharmacist, space, "二").status_code == 201
    assert send(nurse, space, "三").status_code == 201
    _throttled(send(pharmacist, space, "四"), POST_NETWORK, wait=55)
    assert Post.objects.filter(space=space).count() == 3
    # The same member from another network still posts.
    assert send(signed_in(region.pharmacist, ip="192.0.2.51"), space, "五").status_code == 201
    clock.shift(60)
    assert send(pharmacist, space, "六").status_code == 201


@pytest.mark.rule("R2.3")
def test_commands_and_seeding_outside_a_request_are_not_limited(region, space, clock):
    change_policy(region.secretariat, changes={"posts_per_minute": 1})
    for i in range(3):
        post_message(region.nurse, space_id=space.pk, body=f"取り込み {i}")
    assert Post.objects.filter(space=space).count() == 3


# Search -------------------------------------------------------------------------------------


@pytest.mark.rule("R2.3")
def test_search_through_the_api_and_the_page_is_limited_per_member(region, space, clock, signed_in):
    change_policy(region.secretariat, changes={"searches_per_minute": 2})
    make_post(region.nurse, space, "血圧を測定しました")
    pharmacist = signed_in(region.pharmacist)
    assert pharmacist.get("/api/v1/search", {"q": "血圧"}).status_code == 200
    assert pharmacist.get("/search/", {"q": "血圧"}).status_code == 200
    api = pharmacist.get("/api/v1/search", {"q": "血圧"})
    _throttled(api, SEARCH_LIMIT + "55秒後にもう一度検索してください。", wait=55)
    assert "血圧を測定しました" not in api.content.decode()
    page = pharmacist.get("/search/", {"q": "血圧"})
    _throttled(page, SEARCH_LIMIT, wait=55)
    assert "血圧を測定しました" not in page.content.decode()
    # The search page without a query is not a search and is not counted.
    assert pharmacist.get("/search/").status_code == 200
    clock.shift(60)
    again = pharmacist.get("/api/v1/search", {"q": "血圧"})
    assert again.status_code == 200
    assert len(again.json()["hits"]) == 1


@pytest.mark.rule("R2.3")
def test_search_is_limited_per_address(region, space, clock, signed_in):
    change_policy(region.secretariat, changes={"searches_per_minute_address": 2})
    shared = "198.51.100.7"
    a, b = signed_in(region.pharmacist, ip=shared), signed_in(region.nurse, ip=shared)
    assert a.get("/api/v1/search", {"q": "血圧"}).status_code == 200
    assert b.get("/api/v1/search", {"q": "血圧"}).status_code == 200
    _throttled(a.get("/api/v1/search", {"q": "血圧"}), SEARCH_NETWORK, wait=55)
    elsewhere = signed_in(region.pharmacist, ip="198.51.100.8")
    assert elsewhere.get("/api/v1/search", {"q": "血圧"}).status_code == 200


# Uploads ------------------------------------------------------------------------------------


@pytest.fixture
def data_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return tmp_path


def _send_files(client, space, capture, *files):  # type: ignore[no-untyped-def]
    data = {"client_id": new_client_id(), "body": "", "files": list(files)}
    with capture(execute=True):
        return client.post(f"/api/v1/spaces/{space.public_id}/posts", data)


def _stored(root) -> list:  # type: ignore[no-untyped-def, type-arg]
    folder = root / "files"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.rule("R2.3")
def test_uploads_are_limited_per_member_per_hour_counting_files(
    region, space, clock, signed_in, data_dir, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    change_policy(region.secretariat, changes={"uploads_per_hour": 2})
    nurse = signed_in(region.nurse)
    two = _send_files(
        nurse,
        space,
        capture,
        samples.upload("a.pdf", samples.pdf()),
        samples.upload("b.pdf", samples.pdf()),
    )
    assert two.status_code == 201, two.content
    assert len(_stored(data_dir)) == 2
    clock.shift(600)
    refused = _send_files(nurse, space, capture, samples.upload("c.pdf", samples.pdf()))
    _throttled(refused, UPLOAD_LIMIT + "50分後にもう一度アップロードしてください。", wait=2995)
    assert Post.objects.filter(space=space).count() == 1
    assert Attachment.objects.count() == 2
    assert len(_stored(data_dir)) == 2
    # A post without files is not an upload.
    assert send(nurse, space, "文字だけ").status_code == 201
    clock.shift(3000)
    nurse = signed_in(region.nurse)  # the earlier session has been idle past the policy
    later = _send_files(nurse, space, capture, samples.upload("c.pdf", samples.pdf()))
    assert later.status_code == 201, later.content
    assert Attachment.objects.count() == 3


@pytest.mark.rule("R2.3")
def test_uploads_from_the_page_are_limited_per_address(
    region, space, clock, signed_in, data_dir, django_capture_on_commit_callbacks
):
    change_policy(region.secretariat, changes={"uploads_per_hour_address": 1})
    url = f"/spaces/{space.public_id}/posts/"
    nurse, pharmacist = signed_in(region.nurse), signed_in(region.pharmacist)
    with django_capture_on_commit_callbacks(execute=True):
        first = nurse.post(
            url,
            {
                "body": "",
                "client_id": new_client_id(),
                "attachments": samples.upload("a.pdf", samples.pdf()),
            },
        )
    assert first.status_code == 302
    page = pharmacist.post(
        url,
        {
            "body": "資料です",
            "client_id": new_client_id(),
            "attachments": samples.upload("b.pdf", samples.pdf()),
        },
    )
    _throttled(page, "この接続元からのアップロードが多すぎます（1時間に1件まで）。", wait=3595)
    assert not Post.objects.filter(body="資料です").exists()
    assert Attachment.objects.count() == 1
