"""The file store: encrypted blobs under DATA_DIR/files, one folder per space."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from renkei.attachments.models import Attachment
from renkei.spaces.models import Space
from renkei.timeline.models import Post


def space_folder(space: Space) -> Path:
    return Path(settings.DATA_DIR) / "files" / str(space.public_id)


def blob_path(attachment: Attachment, *, thumbnail: bool = False) -> Path:
    suffix = ".thumb" if thumbnail else ".bin"
    return space_folder(attachment.space) / f"{attachment.public_id}{suffix}"


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
