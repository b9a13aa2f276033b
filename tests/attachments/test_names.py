"""Stored names: no folders, control or invisible characters, leading dots; Japanese kept;
at most 200 characters; the extension of the detected type."""

import pytest

from renkei.attachments.detect import DOCX, JPEG, PDF
from renkei.attachments.uploads import prepare_uploads, safe_name
from renkei.errors import ValidationFailed
from tests.attachments import samples


@pytest.mark.parametrize(
    ("given", "detected", "stored"),
    [
        ("../../etc/passwd", PDF, "passwd.pdf"),
        ("C:\\Users\\看護師\\Desktop\\訪問記録.pdf", PDF, "訪問記録.pdf"),
        (".hidden.pdf", PDF, "hidden.pdf"),
        ("...", PDF, "attachment.pdf"),
        ("", JPEG, "attachment.jpg"),
        ("報告\x00書\x1b.docx", DOCX, "報告書.docx"),
        ("invoice\u202efdp.pdf", PDF, "invoicefdp.pdf"),  # right-to-left override removed
        ('a<b>c:"d"|e?f*.pdf', PDF, "a_b_c__d__e_f_.pdf"),
        ("写真.JPEG", JPEG, "写真.jpg"),
        ("ｶﾙﾃ.pdf", PDF, "ｶﾙﾃ.pdf"),
        ("scan.2024", PDF, "scan.2024.pdf"),
    ],
)
def test_safe_names(given, detected, stored):
    assert safe_name(given, detected) == stored


def test_decomposed_japanese_from_a_mac_is_composed():
    assert safe_name("か\u3099ん.pdf", PDF) == "がん.pdf"


def test_long_names_are_cut_to_200_characters_keeping_the_extension():
    name = safe_name("訪" * 500 + ".pdf", PDF)
    assert len(name) == 200
    assert name.endswith("訪.pdf")


def test_a_name_with_two_claims_is_judged_by_its_last(region, spaces):
    with pytest.raises(ValidationFailed):
        prepare_uploads(
            [samples.upload("photo.jpg.exe", samples.jpeg())],
            space=spaces["group"],
            photo_consent=False,
        )
    [prepared] = prepare_uploads(
        [samples.upload("setup.exe.pdf", samples.pdf())], space=spaces["group"], photo_consent=False
    )
    assert prepared.name == "setup.exe.pdf"
