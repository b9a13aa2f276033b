"""Notifications: the in-app list, marking them read, and the e-mail choices per kind of
space. Only notifications of spaces the member may still read are listed."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from renkei.accounts.models import Member
from renkei.api.endpoints.spaces import member_ref
from renkei.api.schemas import (
    EmailChoicesIn,
    EmailChoicesOut,
    NotificationOut,
    NotificationsOut,
    NotificationsReadIn,
    SpaceRefOut,
    UnreadOut,
)
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.notifications import actions
from renkei.notifications.display import space_label
from renkei.notifications.models import Notification, NotificationKind
from renkei.notifications.queries import email_choices, my_notifications, unread_count
from renkei.notifications.views import describe
from renkei.search.queries import connection_partners
from renkei.spaces.models import SpaceKind

router = Router(tags=["notifications"])


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only unread notifications.")
    limit: int = Field(30, ge=1, le=100)
    offset: int = Field(0, ge=0)


def _items(viewer: Member, rows: list[Notification]) -> list[NotificationOut]:
    partners = connection_partners(
        viewer,
        [n.space_id for n in rows if n.space.kind == SpaceKind.CONNECTION],
    )
    items = []
    for row in rows:
        space, partner = row.space, partners.get(row.space_id)
        patient = getattr(space, "patient", None) if space.kind == SpaceKind.PATIENT_GROUP else None
        items.append(
            NotificationOut(
                kind=NotificationKind(row.kind),
                kind_label=str(row.get_kind_display()),
                text=describe(row, space_label(space, partner)),
                created_at=row.created_at,
                read=row.read_at is not None,
                space=SpaceRefOut(
                    id=space.public_id,
                    kind=SpaceKind(space.kind),
                    name=space.name,
                    patient_name=patient.name if patient is not None else None,
                    partner=member_ref(partner) if partner else None,
                ),
                post=row.post.public_id if row.post else None,
                actor=member_ref(row.actor) if row.actor else None,
            )
        )
    return items


@router.get("/notifications", response={200: NotificationsOut, **errors(401, 422)})
def list_notifications(
    request: HttpRequest, filters: Query[NotificationFilters]
) -> NotificationsOut:
    """Your notifications, newest first, with the unread count."""
    viewer = member_of(request)
    rows = my_notifications(viewer)
    if filters.unread:
        rows = rows.filter(read_at__isnull=True)
    page = list(rows[filters.offset : filters.offset + filters.limit + 1])
    more = len(page) > filters.limit
    return NotificationsOut(
        unread=unread_count(viewer),
        items=_items(viewer, page[: filters.limit]),
        next_offset=filters.offset + filters.limit if more else None,
    )


@router.post("/notifications/read", response={200: UnreadOut, **errors(401, 403, 422)})
def mark_notifications_read(request: HttpRequest, payload: NotificationsReadIn) -> UnreadOut:
    """Mark notifications read: all of yours, or those of one space (``space``) or about one
    post (``post``)."""
    viewer = member_of(request)
    if payload.space is None and payload.post is None:
        actions.mark_all_notifications_read(viewer)
    else:
        rows = my_notifications(viewer).filter(read_at__isnull=True)
        if payload.space is not None:
            rows = rows.filter(space__public_id=payload.space)
        if payload.post is not None:
            rows = rows.filter(post__public_id=payload.post)
        for notification_id in rows.values_list("pk", flat=True):
            actions.mark_notification_read(viewer, notification_id=notification_id)
    return UnreadOut(unread=unread_count(viewer))


@router.get("/notifications/settings", response={200: EmailChoicesOut, **errors(401)})
def get_email_choices(request: HttpRequest) -> EmailChoicesOut:
    """Whether you get e-mail for each kind of space; on until turned off. A mail says only
    that there is something new in a space, with a link: never a patient's name or a post."""
    return EmailChoicesOut(**email_choices(member_of(request)))


@router.put("/notifications/settings", response={200: EmailChoicesOut, **errors(401, 403, 422)})
def set_email_choices(request: HttpRequest, payload: EmailChoicesIn) -> EmailChoicesOut:
    """Turn e-mail on or off for each kind of space (patient groups, groups, connections)."""
    choices = actions.set_email_choices(member_of(request), choices=payload.model_dump())
    return EmailChoicesOut(**choices)
