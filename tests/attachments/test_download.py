"""/files/<id>/ and its thumbnail: members of the space only, private, sandboxed, audited."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from PIL import Image

from renkei.attachments.models import Attachment
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.spaces import keys
from renkei.spaces.actions import leave_space
from renkei.timeline.actions import delete_post
from tests.attachments import samples
from tests.attachments.helpers import post_files


def _file_events() -> int:
    return AuditEvent.objects.filter(
        action__in=[AuditAction.ATTACHMENT_VIEWED, AuditAction.ATTACHMENT_DOWNLOADED]
    ).count()


NON_MEMBERS = ["visiting_nurse", "helper", "clinic_admin", "secretariat", "operator"]


@pytest.fixture
def posted(region, spaces, django_capture_on_commit_callbacks):
    """In each space, the nurse's post with a photo, a PDF and a Word file."""
    result = {}
    for kind, space in spaces.items():
        post = post_files(
            region.nurse,
            space,
            samples.upload("褥瘡の経過.jpg", samples.jpeg(gps=True)),
            samples.upload("診療情報提供書.pdf", samples.pdf()),
            samples.upload("ケアプラン.docx", samples.docx()),
            capture=django_capture_on_commit_callbacks,
        )
        photo, pdf, docx = post.attachments.order_by("id")
        result[kind] = {"post": post, "photo": photo, "pdf": pdf, "docx": docx}
    return result


def _url(attachment, *, thumbnail=False):
    name = "attachments:thumbnail" if thumbnail else "attachments:download"
    return reverse(name, args=[attachment.public_id])


def test_the_paths_are_the_ones_post_json_builds(posted):
    photo = posted["group"]["photo"]
    assert _url(photo) == f"/files/{photo.public_id}/"
    assert _url(photo, thumbnail=True) == f"/files/{photo.public_id}/thumbnail/"


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("kind", ["patient_group", "group", "connection"])
def test_members_open_files_and_nobody_else_does(region, posted, client_for, kind):
    files = posted[kind]
    for who in ("nurse", "pharmacist"):
        client = client_for(region.cast[who])
        for key in ("photo", "pdf", "docx"):
            assert client.get(_url(files[key])).status_code == 200
        assert client.get(_url(files["photo"], thumbnail=True)).status_code == 200
    outsiders = [*NON_MEMBERS, "doctor"] if kind == "connection" else NON_MEMBERS
    before = _file_events()
    for who in outsiders:
        client = client_for(region.cast[who])
        for key in ("photo", "pdf", "docx"):
            assert client.get(_url(files[key])).status_code == 404, (who, key)
        assert client.get(_url(files["photo"], thumbnail=True)).status_code == 404
    assert _file_events() == before  # a refusal opens nothing and records nothing


def test_a_signed_out_visitor_is_sent_to_sign_in(posted, client):
    response = client.get(_url(posted["group"]["photo"]))
    assert response.status_code == 302
    assert "/files/" not in response["Location"].split("?")[0]


def test_a_member_who_left_cannot_open_them_any_more(region, posted, client_for):
    photo = posted["group"]["photo"]
    leave_space(region.pharmacist, space_id=photo.space_id)
    assert client_for(region.pharmacist).get(_url(photo)).status_code == 404


def test_files_of_a_deleted_post_are_gone_for_everyone(
    region, posted, client_for, django_capture_on_commit_callbacks
):
    files = posted["group"]
    with django_capture_on_commit_callbacks(execute=True):
        delete_post(region.nurse, post_id=files["post"].pk)
    assert client_for(region.nurse).get(_url(files["photo"])).status_code == 404


def test_photo_response_headers(region, posted, client_for):
    response = client_for(region.pharmacist).get(_url(posted["patient_group"]["photo"]))
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp
    assert "default-src 'none'" in csp
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    assert f"filename*=utf-8''{quote('褥瘡の経過.jpg')}" in disposition
    image = Image.open(io.BytesIO(response.content))
    assert not image.getexif().get_ifd(0x8825)


def test_pdf_opens_inline_and_office_files_are_downloaded(region, posted, client_for):
    client = client_for(region.nurse)
    pdf = client.get(_url(posted["group"]["pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    assert pdf.content == samples.pdf()
    # The browser's PDF viewer does not start in a sandbox: nothing may load or run instead.
    assert "default-src 'none'" in pdf["Content-Security-Policy"]
    assert "script-src" not in pdf["Content-Security-Policy"]
    docx = client.get(_url(posted["group"]["docx"]))
    assert docx["Content-Disposition"].startswith("attachment")
    assert quote("ケアプラン.docx") in docx["Content-Disposition"]
    assert "sandbox" in docx["Content-Security-Policy"]
    assert docx.content == samples.docx() or docx.content.startswith(b"PK")
    saved = client.get(_url(posted["group"]["pdf"]) + "?download=1")
    assert saved["Content-Disposition"].startswith("attachment")


def test_each_view_and_download_is_audited_with_ids_only(region, posted, client_for):
    files = posted["patient_group"]
    client = client_for(region.pharmacist)
    client.get(_url(files["photo"]))
    client.get(_url(files["photo"], thumbnail=True))
    client.get(_url(files["docx"]))
    client.get(_url(files["pdf"]) + "?download=1")
    events = list(
        AuditEvent.objects.filter(
            action__in=[AuditAction.ATTACHMENT_VIEWED, AuditAction.ATTACHMENT_DOWNLOADED]
        ).order_by("id")
    )
    assert [(e.action, e.object_id) for e in events] == [
        (AuditAction.ATTACHMENT_VIEWED, str(files["photo"].public_id)),
        (AuditAction.ATTACHMENT_VIEWED, str(files["photo"].public_id)),
        (AuditAction.ATTACHMENT_DOWNLOADED, str(files["docx"].public_id)),
        (AuditAction.ATTACHMENT_DOWNLOADED, str(files["pdf"].public_id)),
    ]
    for event in events:
        assert event.actor_id == region.pharmacist.pk
        assert event.detail["space"] == str(files["post"].space.public_id)
        assert event.detail["post"] == str(files["post"].public_id)
        text = f"{event.detail} {event.object_label}"
        for name in ("褥瘡", "診療情報", "ケアプラン", "朝霞"):
            assert name not in text
    assert events[1].detail["thumbnail"] is True


def test_a_destroyed_key_answers_gone_not_an_error(region, posted, client_for):
    files = posted["patient_group"]
    keys.destroy_key(files["post"].space)
    client = client_for(region.nurse)
    for url in (_url(files["photo"]), _url(files["photo"], thumbnail=True), _url(files["pdf"])):
        response = client.get(url)
        assert response.status_code == 410
        assert "no longer available" in response.content.decode() or (
            "利用できません" in response.content.decode()
        )
    assert _file_events() == 0


def test_a_missing_file_answers_gone(region, posted, client_for):
    from renkei.attachments.storage import blob_path

    photo = posted["group"]["photo"]
    blob_path(photo).unlink()
    assert client_for(region.nurse).get(_url(photo)).status_code == 410


def test_a_file_swapped_for_another_does_not_decrypt(region, posted, client_for):
    """Each file is bound to its attachment id: moving one file over another is detected."""
    from renkei.attachments.storage import blob_path

    photo, pdf = posted["group"]["photo"], posted["group"]["pdf"]
    blob_path(photo).write_bytes(blob_path(pdf).read_bytes())
    assert client_for(region.nurse).get(_url(photo)).status_code == 410


def test_files_have_no_thumbnail_path(region, posted, client_for):
    pdf = posted["group"]["pdf"]
    assert not Attachment.objects.get(pk=pdf.pk).has_thumbnail
    assert client_for(region.nurse).get(_url(pdf, thumbnail=True)).status_code == 410
