"""Search over the posts and attachment names of the member's own spaces, and nothing else."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from renkei.api.endpoints.spaces import member_ref
from renkei.api.schemas import FoundAttachmentOut, SearchHitOut, SearchResultsOut, SpaceRefOut
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.search.queries import MAX_QUERY_CHARS, SearchHit, search_posts
from renkei.spaces.models import SpaceKind
from renkei.spaces.queries import access_space

router = Router(tags=["search"])


class SearchFilters(Schema):
    q: str = Field(
        "",
        max_length=MAX_QUERY_CHARS,
        description="Words to find, separated by spaces; one or two Japanese characters work.",
    )
    space: uuid.UUID | None = Field(None, description="Only in this space of yours.")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10000)


def hit_out(hit: SearchHit) -> SearchHitOut:
    space = hit.space
    patient = getattr(space, "patient", None) if space.kind == SpaceKind.PATIENT_GROUP else None
    return SearchHitOut(
        post=hit.post.public_id,
        parent=hit.post.parent.public_id if hit.post.parent_id and hit.post.parent else None,
        space=SpaceRefOut(
            id=space.public_id,
            kind=SpaceKind(space.kind),
            name=space.name,
            patient_name=patient.name if patient is not None else None,
            partner=member_ref(hit.partner) if hit.partner else None,
        ),
        author=member_ref(hit.author) if hit.author else None,
        created_at=hit.post.created_at,
        snippet_html=str(hit.snippet),
        attachments=[
            FoundAttachmentOut(
                id=a.public_id, name=a.name, name_html=str(marked), url=f"/files/{a.public_id}/"
            )
            for a, marked in hit.attachments
        ],
    )


@router.get("/search", response={200: SearchResultsOut, **errors(401, 404, 422, 429)})
def search(request: HttpRequest, filters: Query[SearchFilters]) -> SearchResultsOut:
    """Posts and replies containing every word, in their text or an attachment's name, newest
    first, among the spaces you are an active member of (one of them with ``space``; 404 for
    a space that is not yours). Deleted posts are never found.

    Searches are limited per member and per source address by the regional policy (R2.3):
    past the limit the answer is 429 with a Retry-After header."""
    viewer = member_of(request)
    within = access_space(viewer, filters.space).space if filters.space else None
    results = search_posts(
        viewer, filters.q, space=within, limit=filters.limit, offset=filters.offset
    )
    return SearchResultsOut(
        query=results.query,
        terms=results.terms,
        hits=[hit_out(h) for h in results.hits],
        next_offset=results.next_offset,
    )
