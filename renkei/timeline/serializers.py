"""The one JSON shape of a post, shared by the API, the live connection and the page script."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import get_language

from renkei.accounts.models import Member, Profession
from renkei.timeline.queries import PostView

# Labels stay lazy: str() gives the request's language. Django's get_FOO_display() rebuilds its
# choices mapping on every call, a tenth of a 50-post page's time.
_PROFESSION_LABELS = dict(Profession.choices)


def profession_label(profession: str) -> str:
    """The profession's name in the request's language (an unknown code as it is stored)."""
    return _label_in(get_language(), profession)


def profession_labels() -> Callable[[str], str]:
    """``profession_label`` with the request's language looked up once, for many members (a
    page's authors): finding the language costs more than the label."""
    return functools.partial(_label_in, get_language())


@functools.lru_cache(maxsize=256)
def _label_in(language: str | None, profession: str) -> str:
    # Translating a lazy label looks it up in the language's catalogues each time, once per
    # post on a page; a label per language and profession is all there is to remember.
    return str(_PROFESSION_LABELS.get(profession, profession))


def member_json(
    member: Member | None, *, label: Callable[[str], str] = profession_label
) -> dict[str, Any] | None:
    if member is None:
        return None
    return {
        "id": str(member.public_id),
        "name": member.name,
        "profession": member.profession,
        "profession_label": label(member.profession),
    }


def posts_json(views: Sequence[PostView], *, viewer: Member) -> list[dict[str, Any]]:
    """``post_json`` of each post, in order."""
    label = profession_labels()
    return [post_json(view, viewer=viewer, label=label) for view in views]


def post_json(
    view: PostView, *, viewer: Member, label: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """A post as ``viewer`` sees it. A deleted post keeps only its trace: no text, no files.
    ``label`` names professions (``profession_labels()``; the request's language if None)."""
    label = label or profession_labels()
    post = view.post
    deleted = post.is_deleted
    return {
        "id": str(post.public_id),
        "space": str(post.space.public_id),
        "parent": str(post.parent.public_id) if post.parent_id and post.parent else None,
        "author": member_json(post.author, label=label),
        "body": "" if deleted else post.body,
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "deleted": deleted,
        "ack_required": post.ack_required,
        "ack_count": view.ack_count,
        "acked_by_me": view.acked_by_me,
        "read_count": view.read_count,
        "reply_count": post.reply_count,
        "outstanding_acks": [member_json(m, label=label) for m in view.outstanding_acks],
        "attachments": []
        if deleted
        else [
            {
                "id": str(a.public_id),
                "kind": a.kind,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/files/{a.public_id}/",
                "thumbnail_url": f"/files/{a.public_id}/thumbnail/" if a.has_thumbnail else None,
            }
            for a in view.attachments
        ],
        # Only the author sees the id their client chose, to match a sent post with its echo.
        "client_id": post.client_id if post.author_id == viewer.pk else None,
    }
