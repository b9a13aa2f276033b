"""Posting attachments through the real path: prepare_uploads, then post_message."""

from __future__ import annotations

from pathlib import Path

from renkei.accounts.models import Member
from renkei.attachments.uploads import prepare_uploads
from renkei.spaces.models import Space
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post


def post_files(
    author: Member, space: Space, *files, body: str = "", consent: bool = True, capture=None
) -> Post:
    prepared = prepare_uploads(list(files), space=space, photo_consent=consent)
    if capture is None:
        return post_message(author, space_id=space.pk, body=body, attachments=prepared)
    with capture(execute=True):
        return post_message(author, space_id=space.pk, body=body, attachments=prepared)


def stored_files(root: Path) -> list[Path]:
    """Every attachment file under DATA_DIR/files (the signed consent forms kept beside them,
    R3.2, are not attachments)."""
    folder = root / "files"
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("consent-"))
