"""Opening an attachment: decrypt it for a member of its space and record that they did."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.models import Member
from renkei.attachments import storage, watermark
from renkei.attachments.models import Attachment, AttachmentKind
from renkei.attachments.queries import access_attachment
from renkei.attachments.uploads import thumbnail_context
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.errors import DomainError, Gone
from renkei.spaces import keys
from renkei.spaces.models import SpaceKind


@dataclass(frozen=True)
class OpenedFile:
    attachment: Attachment
    data: bytes
    content_type: str
    as_download: bool


def open_attachment(
    viewer: Member, *, public_id: uuid.UUID, thumbnail: bool = False, download: bool = False
) -> OpenedFile:
    """An attachment's bytes for an active member of its space (NotFound for anyone else).

    Photos and PDFs open in the browser unless ``download`` asks otherwise; Office documents
    are always downloaded. A downloaded photo or PDF of a patient group carries a watermark
    with the viewer's name and the time (R3.3③, renkei.attachments.watermark); the in-app
    view stays clean. Audits ATTACHMENT_VIEWED or ATTACHMENT_DOWNLOADED with ids only;
    raises Gone when the bytes cannot be read any more.
    """
    attachment = access_attachment(viewer, public_id)
    if thumbnail and not attachment.has_thumbnail:
        raise Gone(_("This file has no preview."))
    blob = storage.read_blob(attachment, thumbnail=thumbnail)
    if blob is None:
        raise Gone(_("This file is no longer available."))
    context = thumbnail_context(attachment.public_id) if thumbnail else attachment.public_id.bytes
    try:
        data = keys.decrypt(attachment.space, blob, context=context)
    except (keys.KeyDestroyed, InvalidTag) as exc:
        raise Gone(_("This file is no longer available.")) from exc
    inline_kind = attachment.kind == AttachmentKind.IMAGE or attachment.content_type == (
        "application/pdf"
    )
    as_download = (download or not inline_kind) and not thumbnail
    stamped = as_download and inline_kind and attachment.space.kind == SpaceKind.PATIENT_GROUP
    if stamped:
        data = _watermarked(viewer, attachment, data)
    with transaction.atomic():
        record(
            AuditAction.ATTACHMENT_DOWNLOADED if as_download else AuditAction.ATTACHMENT_VIEWED,
            actor=viewer,
            object_type="attachment",
            object_id=attachment.public_id,
            facility_id=attachment.space.lead_facility_id,
            detail={
                "space": str(attachment.space.public_id),
                "post": str(attachment.post.public_id),
                "thumbnail": thumbnail,
                "watermarked": stamped,
            },
        )
    return OpenedFile(
        attachment=attachment,
        data=data,
        content_type="image/jpeg" if thumbnail else attachment.content_type,
        as_download=as_download,
    )


def _watermarked(viewer: Member, attachment: Attachment, data: bytes) -> bytes:
    """R3.3③: the downloaded copy names who took it and when."""
    text = watermark.stamp_text(viewer.name, timezone.now())
    if attachment.content_type == "application/pdf":
        try:
            return watermark.watermark_pdf(data, text)
        except watermark.NotStampable as exc:
            raise DomainError(
                _("This PDF cannot be marked for download; open it in the app instead.")
            ) from exc
    return watermark.watermark_image(data, attachment.content_type, text)
