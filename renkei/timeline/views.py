"""The timeline's pages and form targets: posting, replying, editing, deleting, 了解 (R3.3②),
who acknowledged, earlier versions and the read mark.

Every form works without JavaScript (POST, then a redirect back to the post's anchor); the
page script (renkei/static/renkei/timeline.js) sends the same forms with ``Accept:
application/json`` and gets the post's one JSON shape (``post_json``) or the error back.
Views translate HTTP to the actions and queries and back; the rules live in the actions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkei import authz
from renkei.accounts.models import Member
from renkei.attachments.uploads import prepare_uploads
from renkei.errors import DomainError, NotFound, Throttled, ValidationFailed
from renkei.policy.queries import current_policy
from renkei.spaces import queries as space_queries
from renkei.spaces.models import Membership, Space
from renkei.spaces.views import render_space, space_title, viewer_of
from renkei.timeline import actions, queries
from renkei.timeline.forms import EditForm, PostForm
from renkei.timeline.models import Post
from renkei.timeline.queries import PostView
from renkei.timeline.serializers import post_json, profession_label

_ZERO = uuid.UUID(int=0)


def wants_json(request: HttpRequest) -> bool:
    """The page script asks for JSON; a plain form post gets a page or a redirect."""
    return "application/json" in request.headers.get("Accept", "")


def error_fields(exc: DomainError) -> dict[str, list[str]]:
    """The refusal by field: a ValidationFailed's own map, or the one field a rule names
    (R3.3④ names "photo_consent")."""
    if isinstance(exc, ValidationFailed):
        return exc.errors
    return {exc.field: [exc.message]} if exc.field else {}


def refused_status(exc: DomainError) -> int:
    """A page shown again with its refusal: 429 for a rate limit (R2.3), otherwise 422."""
    return exc.status if isinstance(exc, Throttled) else 422


def json_error(exc: DomainError) -> JsonResponse:
    return JsonResponse(
        {"error": exc.message, "errors": error_fields(exc), **exc.details()}, status=exc.status
    )


@dataclass
class PostRow:
    """A post as the page shows it, with what the viewer may do to it."""

    view: PostView
    is_mine: bool
    can_edit: bool
    can_delete: bool
    can_ack: bool
    # The post's pages and form targets by URL name ("post", "ack", ...), its author's
    # profession, its time and its counts as shown: made here for the whole page, which costs
    # less than the template's tags and filters for each post.
    links: dict[str, str] = field(default_factory=dict)
    profession: str = ""
    at_iso: str = ""
    at_shown: str = ""
    ack_label: str = ""
    read_label: str = ""
    replies_label: str = ""

    @property
    def post(self) -> Post:
        return self.view.post


# The per-post URLs of a post's row on a page.
_ROW_LINKS = ("post", "versions", "ack", "acks", "edit", "delete")


def post_rows(viewer: Member, membership: Membership, views: list[PostView]) -> list[PostRow]:
    patterns = {name: _url_pattern(f"timeline:{name}") for name in _ROW_LINKS}
    acked_by, read_by, replies = _("Acknowledged by %(n)s"), _("Read by %(n)s"), _("Replies: %(n)s")
    rows = []
    for view in views:
        post = view.post
        alive = not post.is_deleted
        mine = post.author_id == viewer.pk
        author = post.author
        public_id = str(post.public_id)
        at = timezone.localtime(post.created_at)
        rows.append(
            PostRow(
                view=view,
                is_mine=mine,
                can_edit=alive and authz.may_edit_post(viewer, post, membership),
                can_delete=alive and authz.may_delete_post(viewer, post, membership),
                can_ack=alive and not mine and authz.may_post(post.space, membership),
                links={name: p.replace("__id__", public_id) for name, p in patterns.items()},
                profession=profession_label(author.profession) if author is not None else "",
                at_iso=at.isoformat(),
                at_shown=at.strftime("%Y/%m/%d %H:%M"),
                ack_label=acked_by % {"n": view.ack_count},
                read_label=read_by % {"n": view.read_count},
                replies_label=replies % {"n": post.reply_count},
            )
        )
    return rows


def _url_pattern(name: str) -> str:
    return reverse(name, args=[_ZERO]).replace(str(_ZERO), "__id__")


def script_config(
    viewer: Member,
    space: Space,
    *,
    mode: str,
    first_page: bool,
    newest: str | None,
    can_post: bool,
    is_admin: bool,
    thread: str | None = None,
) -> dict[str, Any]:
    """What the page script needs: ids, where to send things, and its words in the viewer's
    language (it renders posts with textContent only)."""
    return {
        "space": str(space.public_id),
        "me": str(viewer.public_id),
        "mode": mode,
        "first_page": first_page,
        "newest": newest,
        "thread": thread,
        "can_post": can_post,
        "is_admin": is_admin,
        "urls": {
            "post": _url_pattern("timeline:post"),
            "ack": _url_pattern("timeline:ack"),
            "acks": _url_pattern("timeline:acks"),
            "edit": _url_pattern("timeline:edit"),
            "delete": _url_pattern("timeline:delete"),
            "versions": _url_pattern("timeline:versions"),
            "read": reverse("timeline:read", args=[space.public_id]),
        },
        "labels": {
            "ack": _("Acknowledge"),
            "acked": _("Acknowledged"),
            "ack_count": _("Acknowledged by %(n)s"),
            "read_count": _("Read by %(n)s"),
            "replies": _("Replies: %(n)s"),
            "reply": _("Reply"),
            "edited": _("Edited"),
            "edit": _("Edit"),
            "delete": _("Delete"),
            "deleted": _("This post was deleted."),
            "outstanding": _("Not acknowledged yet:"),
            "ack_requested": _("Acknowledgement requested"),
            "sending": _("Sending…"),
            "retry": _("Could not send. Trying again…"),
            "failed": _("Could not send. Check the connection and send again."),
            "new_posts": _("There are new posts. Reload the page to see them."),
            "confirm_delete": _("Delete this post? The members will see that a post was deleted."),
        },
    }


# Posting -------------------------------------------------------------------------------------


def submit_post(
    viewer: Member,
    space: Space,
    *,
    typed: dict[str, Any],
    files: MultiValueDict[str, Any],
    parent: Post | None = None,
) -> Post:
    """The one place the pages post: a post or a reply, with its client id, the members asked
    for 了解 and the uploaded files (``request.FILES``: its "attachments", checked by content
    and made ready before anything is written; in a patient group photos need the ticked
    ``photo_consent``, R3.3④)."""
    ack_ids = []
    for raw in typed["ack_from"]:
        try:
            ack_ids.append(uuid.UUID(str(raw)))
        except ValueError:
            raise ValidationFailed(
                {"ack_from": [_("Ask only members of this space for acknowledgement.")]}
            ) from None
    asked = space_queries.members_by_public_id(viewer, ack_ids, field="ack_from")
    uploads = prepare_uploads(
        files.getlist("attachments"), space=space, photo_consent=typed["photo_consent"]
    )
    return actions.post_message(
        viewer,
        space_id=space.pk,
        body=typed["body"],
        client_id=typed["client_id"],
        parent_id=parent.pk if parent else None,
        ack_from=[m.pk for m in asked],
        attachments=uploads,
        confirm=typed["confirm"],
    )


def _post_anchor(post: Post) -> str:
    """Where a post is shown: in its space's timeline, or a reply in its thread."""
    if post.parent_id and post.parent is not None:
        return reverse("timeline:post", args=[post.parent.public_id]) + f"#post-{post.public_id}"
    return reverse("spaces:space", args=[post.space.public_id]) + f"#post-{post.public_id}"


def _posted(request: HttpRequest, viewer: Member, post: Post) -> HttpResponse:
    if wants_json(request):
        view = queries.post_view(viewer, post)
        return JsonResponse({"post": post_json(view, viewer=viewer)}, status=201)
    return redirect(_post_anchor(post))


# Fields with their own place for a refusal (R2.6's confirmation in a connection too).
_FILE_FIELDS = ("attachments", "photo_consent", "confirm")


def show_refusal(form: PostForm, exc: DomainError, *, default: str | None) -> None:
    """Put a refused post's message where it belongs: next to the file field or the photo
    consent when it is about them, otherwise at ``default`` (a field, or the whole form)."""
    fields = error_fields(exc)
    placed = False
    for name in _FILE_FIELDS:
        for message in fields.get(name, []):
            form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(default, exc.message)
    form.guard = exc.details()


def _post_form(request: HttpRequest, others: list[Membership]) -> PostForm:
    return PostForm(
        request.POST,
        ack_choices=[(str(m.member.public_id), m.member.name) for m in others],
        max_chars=current_policy().post_max_chars,
    )


@require_POST
def create_post(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """Post in a space (its active members): a non-member gets 404 and nothing is written."""
    viewer = viewer_of(request)
    access = space_queries.access_space(viewer, space_id)
    form = PostForm(request.POST)
    try:
        post = submit_post(viewer, access.space, typed=form.typed(), files=request.FILES)
    except NotFound:
        raise
    except DomainError as exc:
        if wants_json(request):
            return json_error(exc)
        others = [
            m for m in space_queries.space_members(viewer, access.space) if m.member_id != viewer.pk
        ]
        form = _post_form(request, others)
        form.is_valid()
        show_refusal(
            form,
            exc,
            default="body"
            if not isinstance(exc, ValidationFailed) or "body" in exc.errors
            else None,
        )
        return render_space(
            request, viewer, access, post_form=form, status=refused_status(exc), mark=False
        )
    return _posted(request, viewer, post)


def _thread_page(
    request: HttpRequest,
    viewer: Member,
    post: Post,
    *,
    reply_form: PostForm | None = None,
    status: int = 200,
) -> HttpResponse:
    space = post.space
    access = space_queries.access_space(viewer, space.public_id)
    membership = access.membership
    view = queries.post_view(viewer, post)
    replies = queries.thread(viewer, post)
    roster = list(space_queries.space_members(viewer, space))
    others = [m for m in roster if m.member_id != viewer.pk]
    if reply_form is None:
        reply_form = PostForm(
            ack_choices=[(str(m.member.public_id), m.member.name) for m in others],
            max_chars=current_policy().post_max_chars,
        )
    newest = str(replies[-1].post.public_id) if replies else str(post.public_id)
    partner = others[0].member if others else None
    return render(
        request,
        "timeline/thread.html",
        {
            "space": space,
            "title": space_title(access.space, partner),
            "row": post_rows(viewer, membership, [view])[0],
            "replies": post_rows(viewer, membership, replies),
            "reply_form": reply_form,
            "roster": roster,
            "others": others,
            "can_reply": not post.is_deleted and authz.may_post(space, membership),
            "live_config": script_config(
                viewer,
                space,
                mode="thread",
                first_page=True,
                newest=newest,
                can_post=authz.may_post(space, membership),
                is_admin=membership.is_admin,
                thread=str(post.public_id),
            ),
        },
        status=status,
    )


@require_GET
def post_detail(request: HttpRequest, post_id: uuid.UUID) -> HttpResponse:
    """A post with its thread of replies and the reply form; a reply opens its thread."""
    viewer = viewer_of(request)
    post = queries.access_post(viewer, post_id)
    if post.parent_id is not None:
        return redirect(_post_anchor(post))
    return _thread_page(request, viewer, post)


@require_POST
def create_reply(request: HttpRequest, post_id: uuid.UUID) -> HttpResponse:
    """Reply under a post; a deleted post cannot be replied to."""
    viewer = viewer_of(request)
    parent = queries.access_post(viewer, post_id)
    form = PostForm(request.POST)
    try:
        reply = submit_post(
            viewer, parent.space, typed=form.typed(), files=request.FILES, parent=parent
        )
    except NotFound:
        raise
    except DomainError as exc:
        if wants_json(request):
            return json_error(exc)
        form = PostForm(request.POST, max_chars=current_policy().post_max_chars)
        form.is_valid()
        show_refusal(form, exc, default=None)
        return _thread_page(request, viewer, parent, reply_form=form, status=refused_status(exc))
    return _posted(request, viewer, reply)


# Editing and deleting ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def edit_post(request: HttpRequest, post_id: uuid.UUID) -> HttpResponse:
    """Change one's own post; the earlier text stays visible to members as a version."""
    viewer = viewer_of(request)
    post = queries.access_post(viewer, post_id)
    status = 200
    if request.method == "POST":
        form = EditForm(request.POST)
        try:
            actions.edit_post(
                viewer, post_id=post.pk, body=form.body_value(), confirm=form.confirmed()
            )
        except NotFound:
            raise
        except DomainError as exc:
            if wants_json(request):
                return json_error(exc)
            guarded = exc.details()
            if not isinstance(exc, ValidationFailed) and not guarded:
                messages.error(request, exc.message)
                return redirect(_post_anchor(post))
            form.add_error("confirm" if exc.field == "confirm" else "body", exc.message)
            form.guard = guarded
            status = 422
        else:
            post = queries.access_post(viewer, post_id)
            if wants_json(request):
                return _posted(request, viewer, post)
            messages.success(request, _("The post was changed."))
            return redirect(_post_anchor(post))
    else:
        if post.is_deleted or post.author_id != viewer.pk:
            messages.error(
                request,
                _("This post was deleted; it cannot be edited.")
                if post.is_deleted
                else _("Only the author can edit a post, while the space is active."),
            )
            return redirect(_post_anchor(post))
        form = EditForm(initial={"body": post.body})
    return render(
        request,
        "timeline/edit.html",
        {"post": post, "form": form, "back": _post_anchor(post)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def delete_post(request: HttpRequest, post_id: uuid.UUID) -> HttpResponse:
    """Confirm, then delete a post (its author or an admin of the space); a trace remains."""
    viewer = viewer_of(request)
    post = queries.access_post(viewer, post_id)
    if request.method == "POST":
        try:
            actions.delete_post(viewer, post_id=post.pk)
        except NotFound:
            raise
        except DomainError as exc:
            if wants_json(request):
                return json_error(exc)
            messages.error(request, exc.message)
        else:
            if wants_json(request):
                return _posted(request, viewer, post)
            messages.success(request, _("The post was deleted."))
        return redirect(_post_anchor(post))
    return render(request, "timeline/delete.html", {"post": post, "back": _post_anchor(post)})


# 了解 (R3.3②) and who acknowledged ------------------------------------------------------------


@require_POST
def acknowledge(request: HttpRequest, post_id: uuid.UUID) -> HttpResponse:
    """了解: the member confirms they have taken in the post (R3.3②); once only."""
    viewer = viewer_of(request)
    post = queries.access_post(viewer, post_id)
    try:
        actions.acknowledge(viewer, post_id=post.pk)
    except NotFound:
        raise
    except DomainError as exc:
        if wants_json(request):
            return json_error(exc)
        messages.error(request, exc.message)
    else:
        if wants_json(request):
            return _posted(request, viewer, post)
    return redirect(_post_anchor(post))


@require_GET
def acks(request: HttpRequest, post_id: uuid.UUID) -> HttpResponse:
    """Who acknowledged the post (and when), who has not yet, and whom the author asked."""
    viewer = viewer_of(request)
    post = queries.access_post(viewer, post_id)
    status = queries.ack_status(viewer, post)
    done = {m.pk for m, _at in status.acknowledged}
    return render(
        request,
        "timeline/acks.html",
        {
            "post": post,
            "status": status,
            "outstanding": [m for m in status.requested if m.pk not in done],
            "back": _post_anchor(post),
        },
    )


@require_GET
def versions(request: HttpRequest, post_id: uuid.UUID) -> HttpResponse:
    """The earlier texts of an edited post, for the members of its space."""
    viewer = viewer_of(request)
    post = queries.access_post(viewer, post_id)
    return render(
        request,
        "timeline/versions.html",
        {
            "post": post,
            "versions": list(queries.post_versions(viewer, post)),
            "back": _post_anchor(post),
        },
    )


# Read state ----------------------------------------------------------------------------------


@require_POST
def read(request: HttpRequest, space_id: uuid.UUID) -> HttpResponse:
    """The page script reports the newest post the member has seen arrive live."""
    viewer = viewer_of(request)
    access = space_queries.access_space(viewer, space_id)
    post = queries.access_post(viewer, request.POST.get("up_to", ""))
    if post.space_id != access.space.pk:
        raise NotFound()
    mark = actions.mark_read(viewer, space_id=access.space.pk, up_to_post_id=post.pk)
    if wants_json(request):
        return JsonResponse({"ok": True, "marked": mark >= post.pk})
    return redirect("spaces:space", space_id=access.space.public_id)
