"""Spaces with posts for search tests, made through the real actions."""

from __future__ import annotations

from renkei.accounts.models import Member
from renkei.attachments.models import Attachment
from renkei.spaces.models import Space
from renkei.timeline.actions import post_message
from renkei.timeline.models import Post


def post(member: Member, space: Space, body: str, **kwargs: object) -> Post:
    return post_message(member, space_id=space.pk, body=body, **kwargs)  # type: ignore[arg-type]


def attach(to: Post, name: str) -> Attachment:
    """An attachment record on ``to`` (search reads the record only, never the file)."""
    return Attachment.objects.create(
        post=to,
        space=to.space,
        kind="file",
        name=name,
        content_type="application/pdf",
        size=1234,
    )
