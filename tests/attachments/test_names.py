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


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("CON.pdf", "_CON.pdf"),
        ("con.pdf", "_con.pdf"),
        ("nul", "_nul.pdf"),
        ("COM1.tar.pdf", "_COM1.tar.pdf"),
        ("LPT9 .pdf", "_LPT9.pdf"),
        ("aux.2024.pdf", "_aux.2024.pdf"),
        ("CONSENT.pdf", "CONSENT.pdf"),  # only the device names themselves
        ("COM10.pdf", "COM10.pdf"),
    ],
)
def test_windows_device_names_are_not_stored_as_they_are(given, stored):
    """Windows opens a device, not a file, for CON, NUL, COM1... whatever the extension."""
    assert safe_name(given, PDF) == stored


@pytest.mark.parametrize(
    "given",
    [
        "a/b\\c/../d.pdf",
        "\u202egpj.exe.pdf",
        "x\u200b\u200e\u2066y.pdf",
        "\u2028line\u2029.pdf",
        "tab\there\r\n.pdf",
        "..\\..\\..\\windows\\system32\\x.pdf",
    ],
)
def test_no_separator_control_or_direction_character_survives(given):
    name = safe_name(given, PDF)
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith(".")
    assert all(ch.isprintable() for ch in name)
    for invisible in ("\u202e", "\u200b", "\u200e", "\u2066", "\u2028", "\u2029"):
        assert invisible not in name
    assert name.endswith(".pdf")


def test_a_very_long_name_made_of_dots_and_spaces_still_gets_a_stem():
    assert safe_name(". " * 300 + ".pdf", PDF) == "attachment.pdf"
