"""A signed scan sent back is checked like an attachment: a PDF with an archive behind it, or a
file whose name or sent type says something else, is refused with the form's own wording."""

from __future__ import annotations

import pytest

from renkei.documents.scans import check_signed_scan
from renkei.errors import ValidationFailed
from tests.attachments import samples

WRONG = "署名済みの用紙をPDFか写真で添付してください。"


@pytest.mark.parametrize(
    ("name", "data", "sent_as"),
    [
        ("同意書.pdf", samples.pdf() + samples.plain_zip(), "application/pdf"),
        ("同意書.jpg", samples.jpeg((64, 48)) + samples.plain_zip(), "image/jpeg"),
        ("同意書.jpg", samples.pdf(), "application/pdf"),
        ("同意書", samples.pdf(), "image/png"),
        ("同意書.pdf", samples.exe(), "application/pdf"),
    ],
)
def test_a_scan_that_is_not_what_it_claims_is_refused(db, name, data, sent_as):
    with pytest.raises(ValidationFailed) as refused:
        check_signed_scan(samples.upload(name, data, sent_as), missing="-", wrong=WRONG)
    assert refused.value.errors["document"][0].startswith(WRONG)


def test_an_honest_scan_passes(db):
    checked = check_signed_scan(
        samples.upload("同意書.pdf", samples.pdf(), "application/pdf"), missing="-", wrong=WRONG
    )
    assert checked.content_type == "application/pdf"
