"""Archives, programs, web pages, lying names and unknown content are refused with a clear
message naming the file, and nothing is written."""

import pytest

from renkei.attachments.models import Attachment
from renkei.attachments.uploads import prepare_uploads
from renkei.errors import ValidationFailed
from renkei.timeline.models import Post
from tests.attachments import samples
from tests.attachments.helpers import stored_files

ARCHIVE = "Compressed archives"
PROGRAM = "Programs and scripts"
WEB = "Web pages and SVG"
OTHER = "This kind of file cannot be attached"

REFUSED = [
    ("資料.zip", samples.plain_zip, ARCHIVE),
    ("資料.tar", samples.tar, ARCHIVE),
    ("資料.gz", samples.gz, ARCHIVE),
    ("資料.rar", samples.rar, ARCHIVE),
    ("資料.7z", samples.seven_zip, ARCHIVE),
    ("setup.exe", samples.exe, PROGRAM),
    ("tool", samples.elf, PROGRAM),
    ("run.sh", samples.script, PROGRAM),
    ("page.html", samples.html, WEB),
    ("image.svg", samples.svg, WEB),
    # Lying names: the content decides.
    ("photo.jpg", samples.exe, PROGRAM),
    ("report.pdf", samples.plain_zip, ARCHIVE),
    ("photo.png", samples.html, WEB),
    # A compound file that is not an Office document (an MSI installer's streams).
    ("setup.doc", lambda: samples.cfb("SummaryInformation", "Property"), OTHER),
    ("memo.txt", lambda: "申し送り事項".encode(), OTHER),
    ("movie.mp4", lambda: b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, OTHER),
    ("report.docm", lambda: samples.docx(macros=True), "with macros"),
    ("macro.doc", lambda: samples.cfb("WordDocument", "Macros"), "with macros"),
    ("launch.pdf", lambda: samples.pdf(extra=b"/OpenAction << /S /Launch >> "), "PDF"),
    ("embed.pdf", lambda: samples.pdf(extra=b"/Names << /Emb#65ddedFiles 5 0 R >> "), "PDF"),
    (
        "packed.pdf",
        lambda: samples.pdf_with_compressed(b"<< /S /Launch /F (cmd.exe) >>"),
        "PDF",
    ),
    ("empty.pdf", lambda: b"", "empty"),
]


@pytest.mark.parametrize(("name", "make", "message"), REFUSED)
@pytest.mark.parametrize("kind", ["group", "patient_group"])
def test_refused_with_a_message_naming_the_file(
    region, spaces, data_dir, name, make, message, kind
):
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload(name, make(), "image/jpeg")], space=spaces[kind], photo_consent=True
        )
    [text] = refused.value.errors["attachments"]
    assert message in text
    assert name in text
    assert not Attachment.objects.exists()
    assert not Post.objects.exists()
    assert stored_files(data_dir) == []


def test_a_pdf_named_docx_is_refused_as_a_name_that_lies(region, spaces):
    """Decided: a name that claims another accepted type is refused rather than renamed, so
    what members see by the name is always what they open."""
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload("報告書.docx", samples.pdf())],
            space=spaces["group"],
            photo_consent=False,
        )
    [text] = refused.value.errors["attachments"]
    assert ".docx" in text
    assert "PDF" in text


def test_a_jpeg_named_png_is_refused_too(region, spaces):
    with pytest.raises(ValidationFailed):
        prepare_uploads(
            [samples.upload("photo.png", samples.jpeg())],
            space=spaces["group"],
            photo_consent=False,
        )


def test_each_bad_file_is_named_and_good_ones_are_not_kept(region, spaces, data_dir):
    with pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [
                samples.upload("ok.jpg", samples.jpeg()),
                samples.upload("bad.exe", samples.exe()),
                samples.upload("bad.zip", samples.plain_zip()),
            ],
            space=spaces["group"],
            photo_consent=False,
        )
    messages = refused.value.errors["attachments"]
    assert len(messages) == 2
    assert "bad.exe" in messages[0]
    assert "bad.zip" in messages[1]
    assert stored_files(data_dir) == []


def test_messages_are_in_japanese(region, spaces, settings):
    from django.utils import translation

    with translation.override("ja"), pytest.raises(ValidationFailed) as refused:
        prepare_uploads(
            [samples.upload("setup.exe", samples.exe())], space=spaces["group"], photo_consent=False
        )
    assert "プログラム" in refused.value.errors["attachments"][0]
