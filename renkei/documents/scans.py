"""Signed forms uploaded back: checked by their content (a PDF, or a photo or scan of it), photos
re-encoded without their metadata, and written to the store only once their row has committed.

Each kind of document says in its own words what it expects and keeps its own key and folder.
"""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from renkei.attachments.detect import (
    PDF,
    Refused,
    check_claimed_type,
    check_name_matches,
    check_not_polyglot,
    detect,
)
from renkei.attachments.images import reencode
from renkei.errors import ValidationFailed
from renkei.policy.queries import current_policy

_MB = 1024 * 1024


@dataclass(frozen=True)
class CheckedScan:
    data: bytes
    content_type: str


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed({"document": [message]})


def check_signed_scan(upload: UploadedFile | None, *, missing: str, wrong: str) -> CheckedScan:
    """The upload's bytes if it is a PDF or a photo (re-encoded); ValidationFailed on
    "document" with ``missing`` or ``wrong`` otherwise. Writes nothing."""
    if upload is None:
        raise _refused(missing)
    policy = current_policy()
    limit = max(policy.attachment_max_mb, policy.image_max_mb) * _MB
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refused(_("The file is larger than %(n)d MB.") % {"n": limit // _MB})
    try:
        detected = detect(io.BytesIO(data))
        if detected != PDF and not detected.is_photo:
            raise Refused(wrong)
        # The same checks as attachments: the name, the type it was sent as and the content
        # agree, and the file is one file.
        check_name_matches(upload.name or "", detected)
        check_claimed_type(upload.content_type, detected)
        check_not_polyglot(io.BytesIO(data), detected)
        if detected.is_photo:
            photo = reencode(io.BytesIO(data), detected)
            return CheckedScan(data=photo.data, content_type=photo.stored_type.content_type)
        return CheckedScan(data=data, content_type=detected.content_type)
    except Refused as refused:
        message = refused.message if refused.message == wrong else f"{wrong} {refused.message}"
        raise _refused(message) from None


def write_on_commit(path: Path, blob: bytes) -> None:
    """Write ``blob`` to ``path`` after the transaction commits, whole or not at all."""

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with open(temporary, "wb") as out:
                out.write(blob)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    transaction.on_commit(write)
