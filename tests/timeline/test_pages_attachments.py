"""Photos and files posted from the space page: without JavaScript (a multipart form post and a
redirect to the post) and as the page script sends them (the same form, answered in JSON).

A refused upload shows its reason in Japanese next to the file field or the photo consent
(R3.3④), keeps the typed text and the form's client id, and saves nothing.
"""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from PIL import Image

from renkei.attachments.models import Attachment, AttachmentKind
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.queries import current_policy
from renkei.timeline.models import Post
from tests.attachments import samples
from tests.attachments.helpers import stored_files
from tests.spaces.helpers import connection, group, patient_group

CONSENT_LABEL = "この写真の撮影・掲載について患者さんの同意を得ました"
CONSENT_REFUSED = "患者グループに写真を投稿するときは、患者さんの同意を得たことを確認してください。"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def spaces(region):  # type: ignore[no-untyped-def]
    """One space of each kind with the nurse and the pharmacist (another facility) in it."""
    return {
        "patient_group": patient_group(region, region.nurse, region.pharmacist),
        "group": group(region, region.pharmacist, region.nurse),
        "connection": connection(region.pharmacist, region.nurse),
    }


def client_id() -> str:
    return uuid.uuid4().hex


def photo(name: str = "褥瘡の経過.jpg"):  # type: ignore[no-untyped-def]
    return samples.upload(name, samples.jpeg(gps=True), "image/jpeg")


def send(client, space, fields, *, script=False):  # type: ignore[no-untyped-def]
    extra = {"HTTP_ACCEPT": "application/json"} if script else {}
    return client.post(f"/spaces/{space.public_id}/posts/", fields, **extra)


def form_of(html: str) -> str:
    start = html.index('id="post-form"')
    return html[start : html.index("</form>", start)]


def error_box(html: str, field: str) -> str:
    """The text of the error shown next to ``field`` (attachments or photo_consent)."""
    match = re.search(rf'data-error-for="{field}"[^>]*>(.*?)</div>', form_of(html), re.S)
    assert match, field
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def nothing_saved(data_dir: Path) -> None:
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.POST_CREATED).exists()
    assert stored_files(data_dir) == []


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# The form ------------------------------------------------------------------------------------


@pytest.mark.rule("R3.3④")
@pytest.mark.parametrize("kind", ["patient_group", "group", "connection"])
def test_the_form_offers_files_and_the_camera_and_asks_consent_only_in_patient_groups(
    region, client_for, spaces, kind
):
    space = spaces[kind]
    html = client_for(region.nurse).get(f"/spaces/{space.public_id}/").content.decode()
    form = form_of(html)
    assert 'enctype="multipart/form-data"' in html
    chooser = re.search(r'<input type="file" name="attachments" id="post-form-files"[^>]*>', form)
    assert chooser
    assert " multiple" in chooser.group(0)
    assert 'accept="image/*,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"' in chooser.group(0)
    camera = re.search(r'<input type="file" name="attachments" id="post-form-camera"[^>]*>', form)
    assert camera
    assert 'accept="image/*"' in camera.group(0)
    assert 'capture="environment"' in camera.group(0)
    assert "写真・ファイル" in form
    if kind == "patient_group":
        assert 'name="photo_consent"' in form
        assert CONSENT_LABEL in form
    else:
        assert 'name="photo_consent"' not in form
        assert CONSENT_LABEL not in form


def test_the_reply_form_takes_files_too(region, client_for, spaces):
    space = spaces["patient_group"]
    nurse = client_for(region.nurse)
    send(nurse, space, {"body": "本日の訪問報告です。", "client_id": client_id()})
    parent = Post.objects.get()
    html = nurse.get(f"/posts/{parent.public_id}/").content.decode()
    assert 'id="reply-form-files"' in html
    assert 'id="reply-form-photo-consent"' in html


# Posting photos and files --------------------------------------------------------------------


def test_a_photo_in_a_group_is_posted_without_its_metadata_and_shown_as_a_thumbnail(
    region, client_for, spaces, data_dir, django_capture_on_commit_callbacks
):
    space = spaces["group"]
    nurse = client_for(region.nurse)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            nurse,
            space,
            {"body": "勉強会のスライドです。", "client_id": client_id(), "attachments": [photo()]},
        )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/spaces/{space.public_id}/#post-{post.public_id}"
    attachment = post.attachments.get()
    assert attachment.kind == AttachmentKind.IMAGE
    assert attachment.name == "褥瘡の経過.jpg"
    assert not attachment.patient_consent_confirmed  # groups do not ask (R2.6)
    event = AuditEvent.objects.get(action=AuditAction.POST_CREATED)
    assert event.detail["attachments"] == [str(attachment.public_id)]
    assert len(stored_files(data_dir)) == 2  # the photo and its thumbnail, encrypted

    html = client_for(region.pharmacist).get(f"/spaces/{space.public_id}/").content.decode()
    assert f'<img src="/files/{attachment.public_id}/thumbnail/"' in html
    # The member gets the re-encoded photo: no location or camera data.
    served = client_for(region.pharmacist).get(f"/files/{attachment.public_id}/")
    assert served.status_code == 200
    image = _image(b"".join(served.streaming_content) if served.streaming else served.content)
    assert not image.getexif()
    thumb = client_for(region.pharmacist).get(f"/files/{attachment.public_id}/thumbnail/")
    assert thumb.status_code == 200


@pytest.mark.rule("R3.3④")
def test_a_patient_group_photo_with_consent_is_posted_and_the_consent_kept(
    region, client_for, spaces
):
    space = spaces["patient_group"]
    response = send(
        client_for(region.nurse),
        space,
        {
            "body": "仙骨部の発赤、昨日より縮小しています。",
            "client_id": client_id(),
            "attachments": [photo()],
            "photo_consent": "1",
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.post.space == space
    assert attachment.patient_consent_confirmed


@pytest.mark.rule("R3.3④")
def test_a_patient_group_photo_without_consent_is_refused_next_to_the_box(
    region, client_for, spaces, data_dir
):
    space = spaces["patient_group"]
    nurse = client_for(region.nurse)
    cid = client_id()
    body = "仙骨部の写真です。\n発赤は縮小傾向。"
    response = send(nurse, space, {"body": body, "client_id": cid, "attachments": [photo()]})
    assert response.status_code == 422
    html = response.content.decode()
    assert error_box(html, "photo_consent") == CONSENT_REFUSED
    assert error_box(html, "attachments") == ""
    form = form_of(html)
    assert 'id="post-form-photo-consent" data-photo-consent aria-invalid="true"' in form
    # The typed text and the same client id stay, so sending again cannot make two posts.
    assert body in form
    assert f'name="client_id" value="{cid}"' in form
    nothing_saved(data_dir)

    # Ticked and sent again with the same client id: one post.
    again = send(
        nurse,
        space,
        {"body": body, "client_id": cid, "attachments": [photo()], "photo_consent": "1"},
    )
    assert again.status_code == 302
    assert Post.objects.get().client_id == cid
    assert Attachment.objects.get().patient_consent_confirmed


@pytest.mark.rule("R3.3④")
def test_consent_is_not_needed_for_a_pdf_in_a_patient_group(region, client_for, spaces):
    space = spaces["patient_group"]
    response = send(
        client_for(region.nurse),
        space,
        {
            "body": "",
            "client_id": client_id(),
            "attachments": [samples.upload("診療情報提供書.pdf", samples.pdf(), "application/pdf")],
        },
    )
    assert response.status_code == 302  # a post may be its files alone
    attachment = Attachment.objects.get()
    assert attachment.kind == AttachmentKind.FILE
    assert attachment.content_type == "application/pdf"
    assert not attachment.patient_consent_confirmed
    html = client_for(region.pharmacist).get(f"/spaces/{space.public_id}/").content.decode()
    assert f'<a href="/files/{attachment.public_id}/">診療情報提供書.pdf</a>' in html


def test_a_pdf_and_office_files_in_a_connection(region, client_for, spaces):
    space = spaces["connection"]
    response = send(
        client_for(region.pharmacist),
        space,
        {
            "body": "お薬手帳の写しと服薬表です。",
            "client_id": client_id(),
            "attachments": [
                samples.upload("お薬手帳.pdf", samples.pdf(), "application/pdf"),
                samples.upload("服薬表.xlsx", samples.xlsx()),
            ],
        },
    )
    assert response.status_code == 302
    names = sorted(Attachment.objects.values_list("name", flat=True))
    assert names == ["お薬手帳.pdf", "服薬表.xlsx"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", samples.exe()),
        ("写真.jpg", samples.exe()),  # a program that says it is a photo
        ("資料.zip", samples.plain_zip()),
    ],
)
def test_a_refused_file_type_is_shown_next_to_the_file_field(
    region, client_for, spaces, data_dir, name, data
):
    space = spaces["group"]
    nurse = client_for(region.nurse)
    cid = client_id()
    body = "資料を添付します。"
    response = send(
        nurse, space, {"body": body, "client_id": cid, "attachments": [samples.upload(name, data)]}
    )
    assert response.status_code == 422
    html = response.content.decode()
    shown = error_box(html, "attachments")
    assert shown.startswith(f"「{name}」：")
    assert "添付できません" in shown
    assert 'id="post-form-files" multiple' in form_of(html)
    assert 'aria-describedby="post-form-files-error"' in form_of(html)
    assert body in form_of(html)
    assert f'name="client_id" value="{cid}"' in form_of(html)
    nothing_saved(data_dir)


def test_too_many_files_are_refused_and_nothing_is_kept(region, client_for, spaces, data_dir):
    space = spaces["patient_group"]
    limit = current_policy().attachments_per_post
    files = [
        samples.upload(f"報告書{i}.pdf", samples.pdf(), "application/pdf") for i in range(limit + 1)
    ]
    cid = client_id()
    response = send(
        client_for(region.nurse),
        space,
        {"body": "報告書一式", "client_id": cid, "attachments": files},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert error_box(html, "attachments") == (
        f"1つの投稿に添付できるのは{limit}件までです（{limit + 1}件選ばれています）。"
    )
    assert "報告書一式" in form_of(html)
    assert f'name="client_id" value="{cid}"' in form_of(html)
    nothing_saved(data_dir)


def test_a_non_member_cannot_post_files(region, client_for, spaces, data_dir):
    for outsider in (region.visiting_nurse, region.helper, region.clinic_admin):
        response = send(
            client_for(outsider),
            spaces["group"],
            {"body": "", "client_id": client_id(), "attachments": [photo()]},
        )
        assert response.status_code == 404
    nothing_saved(data_dir)


def test_a_photo_in_a_reply(region, client_for, spaces):
    space = spaces["patient_group"]
    nurse = client_for(region.nurse)
    send(nurse, space, {"body": "創部の状態を共有します。", "client_id": client_id()})
    parent = Post.objects.get()
    pharmacist = client_for(region.pharmacist)
    refused = pharmacist.post(
        f"/posts/{parent.public_id}/replies/",
        {"body": "処置後です。", "client_id": client_id(), "attachments": [photo()]},
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    box = re.search(r'data-error-for="photo_consent"[^>]*>(.*?)</div>', html, re.S)
    assert box
    assert CONSENT_REFUSED in box.group(1)
    assert "処置後です。" in html
    assert Post.objects.count() == 1
    response = pharmacist.post(
        f"/posts/{parent.public_id}/replies/",
        {
            "body": "処置後です。",
            "client_id": client_id(),
            "attachments": [photo()],
            "photo_consent": "1",
        },
    )
    assert response.status_code == 302
    reply = Post.objects.get(parent=parent)
    assert reply.attachments.get().patient_consent_confirmed


# As the page script sends it -----------------------------------------------------------------


@pytest.mark.rule("R3.3④")
def test_the_page_script_gets_the_photo_and_the_refusals_by_field(region, client_for, spaces):
    space = spaces["patient_group"]
    nurse = client_for(region.nurse)
    cid = client_id()
    refused = send(
        nurse, space, {"body": "写真です", "client_id": cid, "attachments": [photo()]}, script=True
    )
    assert refused.status_code == 409
    assert refused.json()["errors"] == {"photo_consent": [CONSENT_REFUSED]}
    wrong = send(
        nurse,
        space,
        {"body": "", "client_id": cid, "attachments": [samples.upload("a.html", samples.html())]},
        script=True,
    )
    assert wrong.status_code == 422
    assert list(wrong.json()["errors"]) == ["attachments"]
    assert not Post.objects.exists()

    fields = {"body": "写真です", "client_id": cid, "attachments": [photo()], "photo_consent": "1"}
    first = send(nurse, space, fields, script=True)
    assert first.status_code == 201
    data = first.json()["post"]
    [attachment] = data["attachments"]
    stored = Attachment.objects.get()
    assert attachment["thumbnail_url"] == f"/files/{stored.public_id}/thumbnail/"
    assert attachment["kind"] == "image"
    # A retried send (same client id, same files) answers the post it made: no second post.
    fields["attachments"] = [photo()]
    again = send(nurse, space, fields, script=True)
    assert again.json()["post"]["id"] == data["id"]
    assert Post.objects.count() == 1
    assert Attachment.objects.count() == 1
