"""The file store: encrypted blobs under DATA_DIR/files, one folder per space.

Blobs are written only once the transaction that made their rows commits: a post that fails
or is rolled back leaves no file behind. Each blob goes to a temporary name first and is moved
into place, so a reader never sees half a file.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from renkei.attachments.models import Attachment
from renkei.spaces.models import Space
from renkei.timeline.models import Post

logger = logging.getLogger(__name__)


def space_folder(space: Space) -> Path:
    return Path(settings.DATA_DIR) / "files" / str(space.public_id)


def blob_path(attachment: Attachment, *, thumbnail: bool = False) -> Path:
    suffix = ".thumb" if thumbnail else ".bin"
    return space_folder(attachment.space) / f"{attachment.public_id}{suffix}"


def _write(path: Path, blob: bytes) -> None:
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


def write_on_commit(attachment: Attachment, blob: bytes, *, thumbnail: bytes | None) -> None:
    """Store an attachment's encrypted bytes (and thumbnail) once its row has committed."""
    writes = [(blob_path(attachment), blob)]
    if thumbnail is not None:
        writes.append((blob_path(attachment, thumbnail=True), thumbnail))

    def write() -> None:
        for path, data in writes:
            try:
                _write(path, data)
            except OSError:
                # The post is committed; its file will answer "no longer available".
                logger.exception("could not store attachment %s", attachment.public_id)

    transaction.on_commit(write)


def read_blob(attachment: Attachment, *, thumbnail: bool = False) -> bytes | None:
    """An attachment's encrypted bytes, or None when the file is missing."""
    try:
        return blob_path(attachment, thumbnail=thumbnail).read_bytes()
    except FileNotFoundError:
        return None


def _unlink_on_commit(paths: list[Path]) -> None:
    def unlink() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    transaction.on_commit(unlink)


def delete_post_files(post: Post) -> int:
    """Delete a post's attachments: rows now, their encrypted files once the deletion commits."""
    attachments = list(Attachment.objects.select_related("space").filter(post=post))
    paths = [blob_path(a, thumbnail=t) for a in attachments for t in (False, True)]
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    _unlink_on_commit(paths)
    return len(attachments)


def delete_space_files(space: Space) -> None:
    """Remove every file of a space once the transaction that erases the space commits."""
    folder = space_folder(space)
    transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))
