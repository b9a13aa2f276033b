"""The notification pages: the list, reading, and the e-mail choices. HTTP translated to the
actions and queries of this app."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkei.accounts.models import Member
from renkei.errors import NotFound
from renkei.notifications import actions
from renkei.notifications.display import post_path, space_label, space_path
from renkei.notifications.models import Notification, NotificationKind
from renkei.notifications.queries import email_choices, my_notifications, unread_count
from renkei.search.queries import connection_partners
from renkei.spaces.models import SpaceKind

PAGE_SIZE = 30


def _viewer(request: HttpRequest) -> Member:
    user = request.user
    if not isinstance(user, Member):  # SignInRequiredMiddleware lets no anonymous caller here
        raise NotFound()
    return user


@dataclass
class Item:
    notification: Notification
    text: str
    url: str


def describe(notification: Notification, label: str) -> str:
    """What happened, in one sentence, with the actor's name (shown to the member only)."""
    actor = notification.actor.name if notification.actor else _("A former member")
    texts = {
        NotificationKind.ACTIVITY: _("New posts in %(space)s (latest by %(actor)s)"),
        NotificationKind.MENTION: _("%(actor)s mentioned you in %(space)s"),
        NotificationKind.ACK_REQUEST: _("%(actor)s asks you to acknowledge a post in %(space)s"),
        NotificationKind.REPLY: _("%(actor)s replied to your post in %(space)s"),
        NotificationKind.CONNECTION_REQUEST: _("%(actor)s asks to connect with you"),
        NotificationKind.ADDED: _("%(actor)s added you to %(space)s"),
        NotificationKind.CONSENT_WITHDRAWN: _(
            "%(actor)s recorded that consent was withdrawn in %(space)s: archive it or request "
            "its complete deletion"
        ),
    }
    text = texts.get(NotificationKind(notification.kind), _("Something new in %(space)s"))
    return text % {"actor": actor, "space": label}


def _items(viewer: Member, rows: list[Notification]) -> list[Item]:
    partners = connection_partners(
        viewer, [n.space_id for n in rows if n.space.kind == SpaceKind.CONNECTION]
    )
    items = []
    for row in rows:
        label = space_label(row.space, partners.get(row.space_id))
        url = post_path(row.post) if row.post else space_path(row.space)
        items.append(Item(notification=row, text=describe(row, label), url=url))
    return items


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The viewer's notifications, newest first, unread ones marked."""
    viewer = _viewer(request)
    page = Paginator(my_notifications(viewer), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/index.html",
        {
            "page": page,
            "items": _items(viewer, list(page.object_list)),
            "unread": unread_count(viewer),
        },
    )


@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification: it becomes read, and the member goes to the space or post."""
    viewer = _viewer(request)
    notification = actions.mark_notification_read(viewer, notification_id=notification_id)
    return redirect(
        post_path(notification.post) if notification.post else space_path(notification.space)
    )


@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    actions.mark_notification_read(_viewer(request), notification_id=notification_id)
    return redirect("notifications:index")


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = actions.mark_all_notifications_read(_viewer(request))
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:index")


class EmailChoicesForm(forms.Form):
    patient_group = forms.BooleanField(label=gettext_lazy("Patient groups"), required=False)
    group = forms.BooleanField(label=gettext_lazy("Groups"), required=False)
    connection = forms.BooleanField(label=gettext_lazy("Connections"), required=False)


@require_http_methods(["GET", "POST"])
def email_settings(request: HttpRequest) -> HttpResponse:
    """The viewer's e-mail choices, one per kind of space; every mail is on until turned off."""
    viewer = _viewer(request)
    if request.method == "POST":
        form = EmailChoicesForm(request.POST)
        if form.is_valid():
            actions.set_email_choices(viewer, choices=dict(form.cleaned_data))
            messages.success(request, _("Your e-mail choices are saved."))
            return redirect("notifications:settings")
    else:
        form = EmailChoicesForm(initial=email_choices(viewer))
    return render(request, "notifications/settings.html", {"form": form})
