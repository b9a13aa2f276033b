"""The timeline of a space: posts, replies, edits and their versions, 了解 (R3.3②), read state.

A post answers in the one shape of renkei.timeline.serializers.post_json, the same the live
connection sends. Posts of a space the viewer is not an active member of answer 404.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestValidationError
from pydantic import ValidationError as PydanticValidationError

from renkei.accounts.models import Member
from renkei.api.endpoints.spaces import entry_out, member_ref
from renkei.api.errors import UnsupportedMediaType
from renkei.api.schemas import (
    AckOut,
    AckStatusOut,
    PostEditIn,
    PostFormIn,
    PostIn,
    PostOut,
    PostVersionOut,
    ReadIn,
    SpaceOut,
    TimelineOut,
)
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.attachments.uploads import prepare_uploads
from renkei.errors import NotFound, ValidationFailed
from renkei.spaces.models import Space
from renkei.spaces.queries import access_space, space_members
from renkei.timeline import actions, queries
from renkei.timeline.models import Post
from renkei.timeline.serializers import post_json, posts_json

router = Router(tags=["timeline"])


def post_out(viewer: Member, view: queries.PostView) -> PostOut:
    return PostOut.model_validate(post_json(view, viewer=viewer))


def fresh_post_out(viewer: Member, post: Post) -> PostOut:
    return post_out(viewer, queries.post_view(viewer, post))


def _post_in(viewer: Member, space: Space, public_id: uuid.UUID) -> Post:
    """A post of ``space`` named by the client (a cursor, a parent, a read mark)."""
    post = queries.access_post(viewer, public_id)
    if post.space_id != space.pk:
        raise NotFound()
    return post


class TimelineFilters(Schema):
    before: uuid.UUID | None = Field(
        None, description="Older than this post (the next_before of the previous page)."
    )
    after: uuid.UUID | None = Field(
        None,
        description="Catch up: posts and replies newer than this post, oldest first.",
    )
    limit: int = Field(50, ge=1, le=100)


def _shaped(request: HttpRequest, data: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """An answer already in its schema's shape (built from post_json, the shape the live
    connection sends unchecked too), rendered like any other answer but not validated again:
    validating a page of 50 posts field by field took about a third of the request, and a new
    post was validated twice (once into PostOut, once as the answer). tests/api/
    test_timeline_shapes.py holds the page and the new post to the schema and to the posts read
    one by one."""
    from renkei.api.api import api  # that module mounts this one

    return api.create_response(request, data, status=status)


@router.get("/spaces/{public_id}/posts", response={200: TimelineOut, **errors(401, 404, 422)})
def list_posts(
    request: HttpRequest, public_id: uuid.UUID, filters: Query[TimelineFilters]
) -> HttpResponse:
    """The timeline: top-level posts newest first, a page at a time (``before`` the previous
    page's ``next_before``; pages stay correct while new posts arrive). With ``after``,
    everything since that post instead, replies included, oldest first: what a client that
    was away missed."""
    viewer = member_of(request)
    access = access_space(viewer, public_id)
    space = access.space
    if filters.before is not None and filters.after is not None:
        raise ValidationFailed({"after": [_("Give either before or after, not both.")]})
    if filters.after is not None:
        after = _post_in(viewer, space, filters.after)
        views = queries.posts_after(viewer, space, after=after.pk, limit=filters.limit)
        more = len(views) == filters.limit
        return _shaped(
            request,
            {
                "posts": posts_json(views, viewer=viewer),
                "next_before": None,
                "next_after": str(views[-1].post.public_id) if more else None,
                "member_count": space_members(viewer, space).count(),
            },
        )
    before = _post_in(viewer, space, filters.before).pk if filters.before else None
    page = queries.timeline_page(viewer, space, before=before, limit=filters.limit, access=access)
    return _shaped(
        request,
        {
            "posts": posts_json(page.posts, viewer=viewer),
            "next_before": str(page.posts[-1].post.public_id) if page.next_before else None,
            "next_after": None,
            "member_count": page.member_count,
        },
    )


def _post_request_body() -> dict[str, Any]:
    """The two ways to send a post, for the OpenAPI description: JSON, or multipart with files."""
    form = PostFormIn.model_json_schema()
    form["properties"]["files"] = {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "description": "Photos (re-encoded without their metadata) and PDF or Office files; "
        "the number and sizes are limited by the policy.",
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": PostIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": form,
                    "encoding": {"ack_from": {"style": "form", "explode": True}},
                },
            },
        }
    }


def _validated(model: type[PostIn], data: dict[str, Any]) -> PostIn:
    """``data`` read as ``model``; bad fields answer as ninja's own request validation does."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def _read_post(request: HttpRequest) -> tuple[PostIn, list[UploadedFile], bool]:
    """The post a client sent as JSON or as multipart/form-data: its fields, its files and
    whether the patient agreed to its photos (R3.3④)."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"null")
        except ValueError:
            raise HttpError(400, "invalid JSON") from None
        if not isinstance(data, dict):
            data = {}
        return _validated(PostIn, data), [], False
    if request.content_type == "multipart/form-data":
        fields: dict[str, Any] = {key: request.POST.get(key) for key in request.POST}
        if "ack_from" in request.POST:
            fields["ack_from"] = request.POST.getlist("ack_from")
        unknown_files = sorted(set(request.FILES) - {"files"})
        if unknown_files:
            fields.update(dict.fromkeys(unknown_files, ""))  # refused as unknown fields
        form = _validated(PostFormIn, fields)
        assert isinstance(form, PostFormIn)
        return form, request.FILES.getlist("files"), form.photo_consent
    raise UnsupportedMediaType(_("Send the post as JSON or as multipart/form-data."))


@router.post(
    "/spaces/{public_id}/posts",
    response={200: PostOut, 201: PostOut, **errors(400, 401, 403, 404, 409, 415, 422, 429)},
    openapi_extra=_post_request_body(),
)
def create_post(request: HttpRequest, public_id: uuid.UUID) -> Status[PostOut] | HttpResponse:
    """Post in a space, or reply under a post (``parent``), as an active member of a writable
    space. ``ack_from`` asks named members for 了解 (R3.3②); @login ID mentions notify.

    Send JSON, or multipart/form-data with ``files``: each file's type is read from its
    content, not its name; photos are re-encoded without location or other metadata. In a
    patient group photos need ``photo_consent`` (R3.3④; 409 without it).

    R2.6: in a group, text or file names that look like a patient's personal information are
    refused (409 personal_information, with ``matches`` and ``patient_link``); in a connection
    they answer 409 confirm_personal_information until sent again with ``confirm``.

    Idempotent: ``client_id`` is chosen by the client, and a send retried with the same id
    answers the post it already made with 200 instead of 201, never a second post.

    Posts and uploaded files are limited per member and per source address by the regional
    policy (R2.3): past a limit the answer is 429 with a Retry-After header, nothing posted.
    """
    viewer = member_of(request)
    space = access_space(viewer, public_id).space
    payload, files, photo_consent = _read_post(request)
    parent = _post_in(viewer, space, payload.parent) if payload.parent else None
    ack_from: list[int] = []
    if payload.ack_from:  # most posts ask nobody: no query for them
        asked = space_members(viewer, space).filter(member__public_id__in=set(payload.ack_from))
        ack_from = list(asked.values_list("member_id", flat=True))
    if len(ack_from) != len(set(payload.ack_from)):
        raise ValidationFailed(
            {"ack_from": [_("Ask only members of this space for acknowledgement.")]}
        )
    uploads = prepare_uploads(files, space=space, photo_consent=photo_consent)
    started = timezone.now()
    post = actions.post_message(
        viewer,
        space_id=space.pk,
        body=payload.body,
        client_id=payload.client_id,
        parent_id=parent.pk if parent else None,
        ack_from=ack_from,
        attachments=uploads,
        confirm=payload.confirm,
    )
    if post.created_at >= started:
        view = queries.created_post_view(viewer, post, with_files=bool(uploads))
        return _shaped(request, post_json(view, viewer=viewer), status=201)
    # A retried send: the post made earlier, as it is now.
    return Status(200, fresh_post_out(viewer, post))


@router.get("/posts/{public_id}", response={200: PostOut, **errors(401, 404, 422)})
def get_post(request: HttpRequest, public_id: uuid.UUID) -> PostOut:
    """One post or reply with its counts."""
    viewer = member_of(request)
    return fresh_post_out(viewer, queries.access_post(viewer, public_id))


@router.patch("/posts/{public_id}", response={200: PostOut, **errors(400, 401, 403, 404, 409, 422)})
def edit_post(request: HttpRequest, public_id: uuid.UUID, payload: PostEditIn) -> PostOut:
    """Change the text of your own post; it is marked as edited and the earlier text is kept
    as a version the members can read."""
    viewer = member_of(request)
    post = queries.access_post(viewer, public_id)
    post = actions.edit_post(viewer, post_id=post.pk, body=payload.body, confirm=payload.confirm)
    return fresh_post_out(viewer, post)


@router.delete("/posts/{public_id}", response={200: PostOut, **errors(400, 401, 403, 404, 422)})
def delete_post(request: HttpRequest, public_id: uuid.UUID) -> PostOut:
    """Delete a post (its author or an admin of the space): text, versions and files go; the
    post stays in the timeline as the trace that something was deleted."""
    viewer = member_of(request)
    post = queries.access_post(viewer, public_id)
    post = actions.delete_post(viewer, post_id=post.pk)
    return fresh_post_out(viewer, post)


@router.get(
    "/posts/{public_id}/versions", response={200: list[PostVersionOut], **errors(401, 404, 422)}
)
def list_post_versions(request: HttpRequest, public_id: uuid.UUID) -> list[PostVersionOut]:
    """The earlier texts of an edited post, oldest first."""
    viewer = member_of(request)
    post = queries.access_post(viewer, public_id)
    return [
        PostVersionOut(body=v.body, written_at=v.written_at, replaced_at=v.replaced_at)
        for v in queries.post_versions(viewer, post)
    ]


@router.get("/posts/{public_id}/replies", response={200: list[PostOut], **errors(401, 404, 422)})
def list_replies(request: HttpRequest, public_id: uuid.UUID) -> list[PostOut]:
    """The replies under a post, oldest first."""
    viewer = member_of(request)
    post = queries.access_post(viewer, public_id)
    return [post_out(viewer, v) for v in queries.thread(viewer, post)]


@router.post("/posts/{public_id}/ack", response={200: PostOut, **errors(400, 401, 403, 404, 422)})
def acknowledge_post(request: HttpRequest, public_id: uuid.UUID) -> PostOut:
    """了解: confirm you have taken in the post (R3.3②), once; a second time is refused."""
    viewer = member_of(request)
    post = queries.access_post(viewer, public_id)
    actions.acknowledge(viewer, post_id=post.pk)
    return fresh_post_out(viewer, post)


@router.get("/posts/{public_id}/acks", response={200: AckStatusOut, **errors(401, 404, 422)})
def list_acks(request: HttpRequest, public_id: uuid.UUID) -> AckStatusOut:
    """Who acknowledged the post and when, who has not yet, and whom the author asked
    (R3.3②)."""
    viewer = member_of(request)
    status = queries.ack_status(viewer, queries.access_post(viewer, public_id))
    return AckStatusOut(
        acknowledged=[
            AckOut(member=member_ref(m), at=at)  # type: ignore[arg-type]
            for m, at in status.acknowledged
        ],
        not_yet=[member_ref(m) for m in status.not_yet],
        requested=[member_ref(m) for m in status.requested],
    )


@router.post("/spaces/{public_id}/read", response={200: SpaceOut, **errors(401, 403, 404, 422)})
def mark_read(request: HttpRequest, public_id: uuid.UUID, payload: ReadIn) -> SpaceOut:
    """Record that you have read the space up to a post (a mark never moves back); answers
    the space with its new unread count."""
    viewer = member_of(request)
    space = access_space(viewer, public_id).space
    post = _post_in(viewer, space, payload.up_to)
    actions.mark_read(viewer, space_id=space.pk, up_to_post_id=post.pk)
    return entry_out(viewer, public_id)
