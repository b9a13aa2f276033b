"""A file that claims one type, by its name or by the type it was sent as, and is another is
refused; so is one file that is two (a photo or PDF with an archive behind it). An honest or
generic claim passes, and the stored type is always the content's."""

from __future__ import annotations

import pytest

from renkei.attachments.detect import DOCX, JPEG, PDF, XLS, Refused, check_claimed_type
from renkei.attachments.models import Attachment
from renkei.attachments.uploads import prepare_uploads
from renkei.errors import ValidationFailed
from tests.attachments import samples
from tests.attachments.helpers import post_files, stored_files

ARCHIVE = "Compressed archives"
PROGRAM = "Programs and scripts"
WEB = "Web pages and SVG"
HIDDEN = "archive hidden inside"
SENT_AS = "was sent as"


def jpeg_with_zip() -> bytes:
    """A photo that a zip reader opens too: an archive appended after the image's end."""
    return samples.jpeg((64, 48)) + samples.plain_zip()


def pdf_with_zip() -> bytes:
    return samples.pdf() + samples.plain_zip()


LIES = [
    # (name, content, sent as, what the refusal says)
    ("photo.jpg", samples.elf, "image/jpeg", PROGRAM),
    ("photo.jpg", samples.exe, "image/jpeg", PROGRAM),
    ("report.pdf", samples.html, "application/pdf", WEB),
    ("報告書.docx", samples.plain_zip, DOCX.content_type, ARCHIVE),
    ("報告書.docx", samples.plain_zip, "application/octet-stream", ARCHIVE),
    ("写真.jpg", jpeg_with_zip, "image/jpeg", HIDDEN),
    ("写真", jpeg_with_zip, "application/octet-stream", HIDDEN),
    ("紹介状.pdf", pdf_with_zip, "application/pdf", HIDDEN),
    # The name says nothing, the type it was sent as lies.
    ("scan", samples.pdf, "image/jpeg", SENT_AS),
    ("scan", samples.pdf, "text/html", SENT_AS),
    ("photo", samples.jpeg, "application/pdf", SENT_AS),
    ("photo", samples.jpeg, "image/svg+xml", SENT_AS),
    ("document", samples.docx, "application/x-msdownload", SENT_AS),
    ("document", lambda: samples.cfb("Workbook"), "application/msword", SENT_AS),
    # Both lie in agreement: the content still decides.
    ("report.pdf", samples.jpeg, "application/pdf", ".pdf"),
]


@pytest.mark.parametrize(("name", "make", "sent_as", "message"), LIES)
def test_a_file_that_is_not_what_it_claims_is_refused(
    region, spaces, data_dir, name, make, sent_as, message
):
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload(name, make(), sent_as)], space=spaces["group"], photo_consent=True
        )
    [text] = refused.value.errors["attachments"]
    assert message in text
    assert name in text
    assert not Attachment.objects.exists()
    assert stored_files(data_dir) == []


HONEST = [
    ("写真.jpg", samples.jpeg, "image/jpeg", "image/jpeg"),
    ("写真.jpg", samples.jpeg, "image/pjpeg", "image/jpeg"),
    ("写真.jpg", samples.jpeg, "IMAGE/JPEG; name=x", "image/jpeg"),
    ("写真.jpg", samples.jpeg, "", "image/jpeg"),
    ("紹介状.pdf", samples.pdf, "application/pdf", "application/pdf"),
    ("報告書.docx", samples.docx, DOCX.content_type, DOCX.content_type),
    # Some systems send an Office document as the zip it is.
    ("報告書.docx", samples.docx, "application/x-zip-compressed", DOCX.content_type),
    ("旧表.xls", lambda: samples.cfb("Workbook"), "application/vnd.ms-excel", XLS.content_type),
]


@pytest.mark.parametrize(("name", "make", "sent_as", "stored_type"), HONEST)
def test_honest_and_generic_claims_pass(
    region, spaces, django_capture_on_commit_callbacks, name, make, sent_as, stored_type
):
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload(name, make(), sent_as),
        capture=django_capture_on_commit_callbacks,
    )
    assert Attachment.objects.get(post=post).content_type == stored_type


def test_an_office_document_is_a_zip_and_is_not_taken_for_a_hidden_one(
    region, spaces, django_capture_on_commit_callbacks
):
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload("記録.xlsx", samples.xlsx()),
        capture=django_capture_on_commit_callbacks,
    )
    assert Attachment.objects.get(post=post).name == "記録.xlsx"


def test_bytes_that_merely_look_like_a_zip_end_do_not_refuse_a_pdf(
    region, spaces, django_capture_on_commit_callbacks
):
    """A zip's end-of-directory signature can occur by chance in compressed data; only an
    archive that really opens is refused."""
    data = samples.pdf() + b"PK\x05\x06" + b"\x00" * 18
    post = post_files(
        region.nurse,
        spaces["group"],
        samples.upload("紹介状.pdf", data, "application/pdf"),
        capture=django_capture_on_commit_callbacks,
    )
    assert Attachment.objects.get(post=post).content_type == "application/pdf"


def test_the_sent_type_in_the_message_is_cut_short():
    with pytest.raises(Refused) as refused:
        check_claimed_type("text/" + "x" * 500, JPEG)
    assert len(refused.value.message) < 200


def test_a_claim_of_a_generic_type_says_nothing():
    for claim in (None, "", "application/octet-stream", "binary/octet-stream"):
        check_claimed_type(claim, PDF)


def test_an_office_document_carrying_a_program_is_refused(region, spaces):
    carrying = samples._zip(
        {
            "[Content_Types].xml": samples._TYPES,
            "word/document.xml": b"<w:document/>",
            "word/embeddings/setup.EXE": samples.exe(),
        }
    )
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload("報告書.docx", carrying, DOCX.content_type)],
            space=spaces["group"],
            photo_consent=False,
        )
    assert PROGRAM in refused.value.errors["attachments"][0]


def test_an_office_document_with_an_embedded_workbook_is_accepted(region, spaces):
    embedding = samples._zip(
        {
            "[Content_Types].xml": samples._TYPES,
            "word/document.xml": b"<w:document/>",
            "word/embeddings/Microsoft_Excel_Worksheet.xlsx": samples.xlsx(),
        }
    )
    [prepared] = prepare_uploads(
        [samples.upload("報告書.docx", embedding, DOCX.content_type)],
        space=spaces["group"],
        photo_consent=False,
    )
    assert prepared.content_type == DOCX.content_type
