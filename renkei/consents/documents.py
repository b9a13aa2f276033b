"""The signed form 4 as uploaded: checked by its content, photos re-encoded without metadata,
encrypted with the space's data key and kept in the space's folder of the file store."""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from renkei.attachments.detect import PDF, Refused, detect
from renkei.attachments.images import reencode
from renkei.attachments.storage import space_folder
from renkei.errors import NotFound, ValidationFailed
from renkei.policy.queries import current_policy
from renkei.spaces import keys
from renkei.spaces.models import Space

_MB = 1024 * 1024


@dataclass(frozen=True)
class PreparedDocument:
    document_id: uuid.UUID
    content_type: str
    size: int
    blob: bytes


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed({"document": [message]})


def prepare_document(upload: UploadedFile | None, *, space: Space) -> PreparedDocument:
    """Check and encrypt the signed form: a PDF, or a photo or scan of it. Writes nothing."""
    if upload is None:
        raise _refused(_("Upload the signed form 4 (a PDF, or a photo or scan of it)."))
    policy = current_policy()
    limit = max(policy.attachment_max_mb, policy.image_max_mb) * _MB
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refused(_("The file is larger than %(n)d MB.") % {"n": limit // _MB})
    wrong = _(
        "The signed form must be a PDF or a photo or scan (JPEG, PNG, WebP or HEIC); "
        "this file is not."
    )
    try:
        detected = detect(io.BytesIO(data))
        if detected != PDF and not detected.is_photo:
            raise Refused(wrong)
        if detected.is_photo:
            photo = reencode(io.BytesIO(data), detected)
            data, content_type = photo.data, photo.stored_type.content_type
        else:
            content_type = detected.content_type
    except Refused as refused:
        message = refused.message if refused.message == wrong else f"{wrong} {refused.message}"
        raise _refused(message) from None
    document_id = uuid.uuid4()
    try:
        blob = keys.encrypt(space, data, context=document_id.bytes)
    except keys.KeyDestroyed as exc:
        raise NotFound() from exc
    return PreparedDocument(
        document_id=document_id, content_type=content_type, size=len(data), blob=blob
    )


def document_path(space: Space, document_id: uuid.UUID) -> Path:
    """Beside the space's attachments, so erasing the space's folder erases it too."""
    return space_folder(space) / f"consent-{document_id}.bin"


def write_on_commit(space: Space, document: PreparedDocument) -> None:
    """Store the encrypted form once the consent's row has committed (whole or not at all)."""
    path = document_path(space, document.document_id)

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with open(temporary, "wb") as out:
                out.write(document.blob)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    transaction.on_commit(write)


def read_document(space: Space, document_id: uuid.UUID) -> bytes | None:
    """The signed form's plain bytes, or None when the file or the space's key is gone."""
    from cryptography.exceptions import InvalidTag

    try:
        blob = document_path(space, document_id).read_bytes()
        return keys.decrypt(space, blob, context=document_id.bytes)
    except (FileNotFoundError, keys.KeyDestroyed, InvalidTag):
        return None
