"""The patient's consent (R3.2) recorded the way a patient group admin records it, so that a
test's patient group accepts posts as a real one does once form 4 is signed."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from renkei.accounts.models import Member
from renkei.consents import actions
from renkei.consents.models import ConsentRecord
from renkei.spaces.models import Membership, MembershipState, Space

# A small, valid PDF: what a scanner's "save as PDF" gives for the signed form.
SIGNED_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def signed_form(name: str = "form4-signed.pdf", data: bytes = SIGNED_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def record_consent(
    space: Space, *, by: Member | None = None, on: date | None = None
) -> ConsentRecord:
    """Record that the patient signed form 4, by ``by`` or the group's first patient group
    admin, through the real action (audited like any consent)."""
    from django.utils import timezone

    if by is None:
        admin = (
            Membership.objects.filter(space=space, state=MembershipState.ACTIVE, is_admin=True)
            .select_related("member")
            .order_by("joined_at", "id")
            .first()
        )
        assert admin is not None, "a patient group has a patient group admin"
        by = admin.member
    return actions.record_consent(
        by,
        space_public_id=space.public_id,
        consent=actions.ConsentInput(consented_on=on or timezone.localdate(), signer="patient"),
        document=signed_form(),
    )
