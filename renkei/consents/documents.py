"""The signed form 4 as uploaded: checked by its content, photos re-encoded without metadata,
encrypted with the space's data key and kept in the space's folder of the file store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from renkei.attachments.storage import space_folder
from renkei.documents import scans
from renkei.documents.scans import check_signed_scan
from renkei.errors import NotFound
from renkei.spaces import keys
from renkei.spaces.models import Space


@dataclass(frozen=True)
class PreparedDocument:
    document_id: uuid.UUID
    content_type: str
    size: int
    blob: bytes


def prepare_document(upload: UploadedFile | None, *, space: Space) -> PreparedDocument:
    """Check and encrypt the signed form: a PDF, or a photo or scan of it. Writes nothing."""
    scan = check_signed_scan(
        upload,
        missing=_("Upload the signed form 4 (a PDF, or a photo or scan of it)."),
        wrong=_(
            "The signed form must be a PDF or a photo or scan (JPEG, PNG, WebP or HEIC); "
            "this file is not."
        ),
    )
    data, content_type = scan.data, scan.content_type
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
    scans.write_on_commit(document_path(space, document.document_id), document.blob)


def read_document(space: Space, document_id: uuid.UUID) -> bytes | None:
    """The signed form's plain bytes, or None when the file or the space's key is gone."""
    from cryptography.exceptions import InvalidTag

    try:
        blob = document_path(space, document_id).read_bytes()
        return keys.decrypt(space, blob, context=document_id.bytes)
    except (FileNotFoundError, keys.KeyDestroyed, InvalidTag):
        return None
