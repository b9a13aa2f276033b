"""Search: the one entry point for the search page and the API.

What a reader may find is exactly what they may read: posts of spaces where their membership is
active, never of a deleted space, never a deleted post. Terms of three or more characters use
the trigram index (FTS5 on SQLite when the term is rare in the region, pg_trgm on PostgreSQL);
shorter Japanese terms (熱, 血圧) and common ones are matched by LIKE over the reader's own
posts, newest first, with % and _ taken literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    Func,
    Prefetch,
    Q,
    QuerySet,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from renkei import throttle
from renkei.accounts.models import Member
from renkei.attachments.models import Attachment
from renkei.spaces.models import Membership, MembershipState, Space, SpaceKind, SpaceState
from renkei.timeline.models import Post

MAX_TERMS = 5
MAX_QUERY_CHARS = 100
INDEXED_MIN_CHARS = 3  # a trigram index cannot answer for fewer characters
# Past this many posts in the region a term is matched in the text of the reader's posts
# rather than listed from the index (see _term_in_body).
COMMON_TERM_POSTS = 20000
SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 120


class Contains(Func):
    """``column`` contains ``text``: case-insensitive, with LIKE's wildcards taken literally.
    ILIKE on PostgreSQL, so the pg_trgm GIN index serves it; LIKE on SQLite."""

    output_field = BooleanField()

    def __init__(self, column: str, text: str) -> None:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        super().__init__(F(column), RawSQL("%s", [f"%{escaped}%"]))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        rhs, rhs_params = compiler.compile(self.source_expressions[1])
        operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{lhs} {operator} {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


@dataclass
class SearchHit:
    """One post found: where, by whom, when, and the text around the hit, marked."""

    post: Post
    space: Space
    author: Member | None
    snippet: SafeString
    # Attachments of the post whose names match, each with its marked name.
    attachments: list[tuple[Attachment, SafeString]] = field(default_factory=list)
    # For a connection: the other member (the space has no name of its own).
    partner: Member | None = None


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    hits: list[SearchHit]
    has_more: bool
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.has_more else None


def search_terms(query: str) -> list[str]:
    """The query's words (split at spaces, full-width ones too), at most MAX_TERMS."""
    words = query[:MAX_QUERY_CHARS].split()
    unique: list[str] = []
    for word in words:
        if word not in unique:
            unique.append(word)
    return unique[:MAX_TERMS]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_rowids(table: str, phrase: str) -> RawSQL:
    # The table name is one of this module's constants, never input.
    return RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [phrase])  # noqa: S608, S611


def _term_in_body(term: str) -> Q:
    """Posts whose body contains ``term``.

    On SQLite a term the index can answer is looked up there only when it is rare in the
    region: the list of its posts is built whole before the posts are read, which costs more
    than the scan it saves once the term is common (40 ms for 150,000 posts of 1,000,000).
    A common term is matched in the text instead, on the reader's own posts newest first,
    where a page of hits comes after a few hundred of them. Both ways find the same posts.
    """
    if connection.vendor != "sqlite" or len(term) < INDEXED_MIN_CHARS:
        return Q(Contains("body", term))
    phrase = _fts_phrase(term)
    common = RawSQL(
        "(SELECT count(*) FROM (SELECT 1 FROM search_post_fts "
        "WHERE search_post_fts MATCH %s LIMIT %s)) >= %s",
        [phrase, COMMON_TERM_POSTS, COMMON_TERM_POSTS],
        output_field=BooleanField(),
    )
    indexed = ExpressionWrapper(
        Q(pk__in=_fts_rowids("search_post_fts", phrase)), output_field=BooleanField()
    )
    # A CASE, not an OR: the planner then neither builds the index's list for a common term
    # nor reads the posts through it.
    return Q(
        Case(
            When(common, then=Contains("body", term)),
            default=indexed,
            output_field=BooleanField(),
        )
    )


def _term_matches(term: str, readable: QuerySet[Membership, Any]) -> Q:
    """Posts whose body or one of whose attachment names contains ``term``."""
    if connection.vendor == "sqlite" and len(term) >= INDEXED_MIN_CHARS:
        named = Attachment.objects.filter(
            pk__in=_fts_rowids("search_attachment_fts", _fts_phrase(term))
        )
    else:
        named = Attachment.objects.filter(Contains("name", term))
    # The posts with a matching file, as one list of the reader's spaces read once, instead of
    # a look-up for each post read.
    with_file = named.filter(space_id__in=readable).values("post_id")
    return _term_in_body(term) | Q(pk__in=with_file)


def readable_space_ids(viewer: Member) -> QuerySet[Membership, Any]:
    """The spaces whose posts ``viewer`` may find: active membership, space not deleted."""
    return (
        Membership.objects.filter(member=viewer, state=MembershipState.ACTIVE)
        .exclude(space__state=SpaceState.DELETED)
        .values("space_id")
    )


def _pattern(terms: list[str]) -> re.Pattern[str]:
    ordered = sorted(terms, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)


def mark(text: str, terms: list[str]) -> SafeString:
    """``text`` escaped, with each occurrence of a term wrapped in <mark>."""
    if not terms:
        return SafeString(escape(text))
    pattern = _pattern(terms)
    out: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        out.append(f"<mark>{escape(found.group(0))}</mark>")
        last = found.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text is escaped above


def snippet(body: str, terms: list[str]) -> SafeString:
    """The part of ``body`` around the first hit (or its beginning), escaped and marked."""
    text = " ".join(body.split())
    found = _pattern(terms).search(text) if terms else None
    start = max(0, found.start() - SNIPPET_BEFORE) if found else 0
    end = min(len(text), start + SNIPPET_LENGTH)
    marked = mark(text[start:end], terms)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(f"{prefix}{marked}{suffix}")  # noqa: S308 - ``marked`` is escaped


def search_posts(
    viewer: Member,
    query: str,
    *,
    space: Space | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Posts (and replies) containing every word of ``query`` in their text or in one of their
    attachment names, newest first, among the spaces ``viewer`` may read (only ``space`` when
    given; a space the viewer may not read yields nothing)."""
    terms = search_terms(query)
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    if not terms or not viewer.is_authenticated:
        return SearchResults(query, terms, [], False, offset, limit)
    throttle.hit("search", member=viewer)  # R2.3: per member and per address
    readable = readable_space_ids(viewer)
    rows = Post.objects.filter(space_id__in=readable, deleted_at__isnull=True)
    if space is not None:
        rows = rows.filter(space_id=space.pk)
    # Longest first: a long term is the likelier to be rare and answered from the index's
    # list alone, so that the text of a post is read only for the posts that pass it.
    for term in sorted(terms, key=len, reverse=True):
        rows = rows.filter(_term_matches(term, readable))
    # The page's ids first, from the posts alone: read newest first, space by space, the scan
    # stops once the page is full; joined to spaces and authors it would sort every hit.
    page = rows.order_by("-pk").values("pk")[offset : offset + limit + 1]
    found = list(
        Post.objects.filter(pk__in=page)
        .select_related("space", "space__patient", "author", "parent")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("-pk")
    )
    has_more = len(found) > limit
    found = found[:limit]
    partners = connection_partners(
        viewer, [p.space_id for p in found if p.space.kind == SpaceKind.CONNECTION]
    )
    pattern = _pattern(terms)
    hits = [
        SearchHit(
            post=post,
            space=post.space,
            author=post.author,
            snippet=snippet(post.body, terms),
            attachments=[
                (a, mark(a.name, terms)) for a in post.attachments.all() if pattern.search(a.name)
            ],
            partner=partners.get(post.space_id),
        )
        for post in found
    ]
    return SearchResults(query, terms, hits, has_more, offset, limit)


def connection_partners(viewer: Member, space_ids: list[int]) -> dict[int, Member]:
    """The other member of each of these connections (of the viewer's own spaces)."""
    if not space_ids:
        return {}
    rows = (
        Membership.objects.filter(space_id__in=set(space_ids))
        .exclude(member=viewer)
        .select_related("member")
    )
    return {row.space_id: row.member for row in rows}
