"""The search page: HTTP translated to ``search_posts`` and back."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from renkei.accounts.models import Member
from renkei.errors import NotFound
from renkei.notifications.display import attachment_path, post_path, space_label
from renkei.search.queries import (
    MAX_QUERY_CHARS,
    SearchHit,
    connection_partners,
    search_posts,
)
from renkei.spaces.models import Space, SpaceKind
from renkei.spaces.queries import access_space, my_active_spaces

PAGE_SIZE = 20


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words to find"), max_length=MAX_QUERY_CHARS, required=False)
    space = forms.UUIDField(label=_("Where"), required=False)
    page = forms.IntegerField(min_value=1, max_value=500, required=False)


@dataclass
class Row:
    hit: SearchHit
    label: str
    url: str
    files: list[tuple[str, SafeString]]


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


def _space_choices(viewer: Member) -> list[tuple[str, str]]:
    spaces = [m.space for m in my_active_spaces(viewer)]
    partners = connection_partners(viewer, [s.pk for s in spaces if s.kind == SpaceKind.CONNECTION])
    # One label per kind, not a look-up in the field's choices for each space.
    kinds = {kind.value: str(kind.label) for kind in SpaceKind}
    return [
        (
            str(space.public_id),
            f"{kinds[space.kind]}: {space_label(space, partners.get(space.pk))}",
        )
        for space in spaces
    ]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Search the posts and attachment names of the viewer's spaces, or of one of them."""
    viewer = _viewer(request)
    form = SearchForm(request.GET)
    results = None
    within: Space | None = None
    page = 1
    if form.is_valid() and form.cleaned_data["q"].strip():
        if form.cleaned_data["space"]:
            try:
                within = access_space(viewer, form.cleaned_data["space"]).space
            except NotFound:
                form.add_error("space", _("Choose one of your spaces."))
        if form.is_valid():
            page = form.cleaned_data["page"] or 1
            results = search_posts(
                viewer,
                form.cleaned_data["q"],
                space=within,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
    rows = [
        Row(
            hit=hit,
            label=space_label(hit.space, hit.partner),
            url=post_path(hit.post),
            files=[(attachment_path(a), marked) for a, marked in hit.attachments],
        )
        for hit in (results.hits if results else [])
    ]
    return render(
        request,
        "search/index.html",
        {
            "form": form,
            "q": request.GET.get("q", ""),
            "within": str(within.public_id) if within else "",
            "spaces": _space_choices(viewer),
            "results": results,
            "rows": rows,
            "page": page,
        },
        status=200 if form.is_valid() or not request.GET else 422,
    )
