"""Posting with files through the API: multipart/form-data, checked by content, photos without
their metadata, R3.3④ photo consent in patient groups, idempotent like any post."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from renkei.attachments.models import Attachment
from renkei.timeline.models import Post
from tests.api.spaces_cast import new_client_id, patient_group, post, spaces_of_each_kind
from tests.attachments import samples


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def stored(root: Path) -> list[Path]:
    folder = root / "files"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def send_files(client, space, capture, *files, **fields):  # type: ignore[no-untyped-def]
    """POST a post as multipart/form-data, running what the post does after commit."""
    data = {"client_id": fields.pop("client_id", new_client_id()), **fields, "files": list(files)}
    with capture(execute=True):
        return client.post(f"/api/v1/spaces/{space.public_id}/posts", data)


@pytest.mark.parametrize("kind", ["patient_group", "group", "connection"])
def test_a_photo_and_a_pdf_are_posted_and_served_to_members_only(
    region, client_for, django_capture_on_commit_callbacks, data_dir, kind
):
    space = spaces_of_each_kind(region)[kind]
    response = send_files(
        client_for(region.nurse),
        space,
        django_capture_on_commit_callbacks,
        samples.upload("創部の写真.jpg", samples.jpeg(gps=True)),
        samples.upload("診療情報提供書.pdf", samples.pdf()),
        body="創部の状態です。",
        photo_consent="true",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["body"] == "創部の状態です。"
    photo, pdf = body["attachments"]
    assert (photo["kind"], photo["name"], photo["content_type"]) == (
        "image",
        "創部の写真.jpg",
        "image/jpeg",
    )
    assert photo["thumbnail_url"] == f"/files/{photo['id']}/thumbnail/"
    assert (pdf["kind"], pdf["content_type"]) == ("file", "application/pdf")
    assert len(stored(data_dir)) == 3  # the photo, its thumbnail and the PDF, encrypted
    assert all(b"PATIENT-MARKER" not in p.read_bytes() for p in stored(data_dir))
    served = client_for(region.pharmacist).get(photo["url"])
    assert served.status_code == 200
    assert not Image.open(io.BytesIO(served.content)).getexif().get_ifd(0x8825)  # no GPS
    for outsider in (region.clinic_admin, region.secretariat, region.helper):
        assert client_for(outsider).get(photo["url"]).status_code == 404
        assert client_for(outsider).get(f"/api/v1/posts/{body['id']}").status_code == 404


@pytest.mark.rule("R3.3④")
def test_a_photo_in_a_patient_group_needs_the_patients_consent(
    region, client_for, django_capture_on_commit_callbacks, data_dir
):
    space = patient_group(region, region.nurse)
    client = client_for(region.nurse)
    refused = send_files(
        client,
        space,
        django_capture_on_commit_callbacks,
        samples.upload("足の写真.jpg", samples.jpeg()),
        body="足の浮腫",
    )
    assert refused.status_code == 409
    assert refused.json()["rule"] == "R3.3④"
    assert "患者さんの同意" in refused.json()["detail"]
    assert not Post.objects.exists()
    assert stored(data_dir) == []
    agreed = send_files(
        client,
        space,
        django_capture_on_commit_callbacks,
        samples.upload("足の写真.jpg", samples.jpeg()),
        body="足の浮腫",
        photo_consent="true",
    )
    assert agreed.status_code == 201
    assert Attachment.objects.get().patient_consent_confirmed is True


def test_files_alone_make_a_post(region, client_for, django_capture_on_commit_callbacks):
    space = spaces_of_each_kind(region)["group"]
    response = send_files(
        client_for(region.nurse),
        space,
        django_capture_on_commit_callbacks,
        samples.upload("ケアプラン.docx", samples.docx()),
    )
    assert response.status_code == 201
    assert response.json()["body"] == ""
    assert [a["name"] for a in response.json()["attachments"]] == ["ケアプラン.docx"]


def test_a_retried_send_with_files_never_makes_two_posts(
    region, client_for, django_capture_on_commit_callbacks, data_dir
):
    space = spaces_of_each_kind(region)["group"]
    client = client_for(region.nurse)
    client_id = new_client_id()
    first, again = (
        send_files(
            client,
            space,
            django_capture_on_commit_callbacks,
            samples.upload("検査結果.pdf", samples.pdf()),
            body="検査結果です",
            client_id=client_id,
        )
        for _ in range(2)
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Post.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert len(stored(data_dir)) == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("紹介状.pdf", samples.exe()),  # a program named as a PDF
        ("写真.jpg", samples.pdf()),  # a PDF named as a photo
        ("archive.zip", samples.plain_zip()),
    ],
    ids=["program-as-pdf", "pdf-as-photo", "zip"],
)
def test_a_file_that_lies_or_cannot_be_attached_is_refused(
    region, client_for, django_capture_on_commit_callbacks, data_dir, name, data
):
    space = spaces_of_each_kind(region)["group"]
    response = send_files(
        client_for(region.nurse),
        space,
        django_capture_on_commit_callbacks,
        samples.upload("報告書.pdf", samples.pdf()),
        samples.upload(name, data),
        body="添付します",
    )
    assert response.status_code == 422
    (message,) = response.json()["errors"]["attachments"]
    assert name in message
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
    assert stored(data_dir) == []


def test_too_many_files_are_refused(region, client_for, django_capture_on_commit_callbacks):
    space = spaces_of_each_kind(region)["group"]
    files = [samples.upload(f"資料{n}.pdf", samples.pdf()) for n in range(11)]
    response = send_files(
        client_for(region.nurse), space, django_capture_on_commit_callbacks, *files, body="資料"
    )
    assert response.status_code == 422
    assert "10" in response.json()["errors"]["attachments"][0]
    assert not Post.objects.exists()


def test_unknown_fields_and_other_bodies_are_refused(
    region, client_for, django_capture_on_commit_callbacks
):
    space = spaces_of_each_kind(region)["group"]
    client = client_for(region.nurse)
    wrong_field = client.post(
        f"/api/v1/spaces/{space.public_id}/posts",
        {"client_id": new_client_id(), "photo": samples.upload("a.pdf", samples.pdf())},
    )
    assert wrong_field.status_code == 422
    assert "photo" in wrong_field.json()["errors"]
    plain = client.post(
        f"/api/v1/spaces/{space.public_id}/posts", "body=本文", content_type="text/plain"
    )
    assert plain.status_code == 415
    assert plain.json() == {
        "detail": "投稿はJSON形式か multipart/form-data 形式で送信してください。",
        "code": "unsupported_media_type",
    }
    assert not Post.objects.exists()


def test_a_reply_with_files_asks_several_members(
    region, client_for, django_capture_on_commit_callbacks
):
    space = spaces_of_each_kind(region)["group"]
    top = post(region.nurse, space, "相談")
    response = send_files(
        client_for(region.pharmacist),
        space,
        django_capture_on_commit_callbacks,
        samples.upload("お薬手帳.png", samples.png()),
        body="写しです",
        parent=str(top.public_id),
        ack_from=[str(region.nurse.public_id), str(region.visiting_nurse.public_id)],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent"] == str(top.public_id)
    assert {m["id"] for m in body["outstanding_acks"]} == {
        str(region.nurse.public_id),
        str(region.visiting_nurse.public_id),
    }
    assert body["attachments"][0]["kind"] == "image"
