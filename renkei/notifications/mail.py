"""The notification mail: it says only that there is something new in a space of a kind, with
a link — never a patient's name, a group's name or anything of a post.

Rows are picked up by ``send_pending``: after each commit that queued rows, in a background
thread of the process (so a post never waits for SMTP), and by ``manage.py
send_notifications`` as a worker. A row is claimed with one conditional UPDATE (mailed_at
still empty), so two senders can never both mail it. A member gets at most one mail per space
until they have read what it told them of.
"""

from __future__ import annotations

import logging
import smtplib
import threading

from django.core.mail import EmailMessage
from django.db import close_old_connections, connection, connections
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from renkei import authz
from renkei.notifications.display import absolute, space_path
from renkei.notifications.models import EmailPreference, Notification, NotificationKind
from renkei.spaces.models import Membership, MembershipState, SpaceKind, SpaceState
from renkei.timeline.models import Post

log = logging.getLogger(__name__)

BATCH = 100

# The kind of space is all a mail tells of where the news is (own words, so that the mail is
# complete in Japanese whatever another catalog holds).
KIND_WORDS = {
    SpaceKind.PATIENT_GROUP: gettext_lazy("patient group"),
    SpaceKind.GROUP: gettext_lazy("group"),
    SpaceKind.CONNECTION: gettext_lazy("connection"),
}


def _claim(pk: int) -> bool:
    """Take the row for this sender: only one UPDATE can find mailed_at still empty."""
    return (
        Notification.objects.filter(pk=pk, mailed_at__isnull=True).update(mailed_at=timezone.now())
        == 1
    )


def _read_since(earlier: Notification, membership: Membership) -> bool:
    """Whether the member has read what an earlier mailed row told them of."""
    if earlier.post_id is not None:
        return earlier.post_id <= membership.last_read_post_id
    return Post.objects.filter(
        space_id=earlier.space_id,
        created_at__gt=earlier.created_at,
        pk__lte=membership.last_read_post_id,
    ).exists()


def _wants_mail(row: Notification) -> bool:
    member = row.member
    space = row.space
    if row.read_at is not None or space.state == SpaceState.DELETED:
        return False
    if not member.email or not authz.is_eligible(member):
        return False
    membership = Membership.objects.filter(space=space, member=member).first()
    states = {MembershipState.ACTIVE}
    if row.kind == NotificationKind.CONNECTION_REQUEST:
        states.add(MembershipState.INVITED)
    if membership is None or membership.state not in states:
        return False
    if row.post_id is not None and row.post_id <= membership.last_read_post_id:
        return False  # already read in the space
    preference = EmailPreference.objects.filter(member=member, space_kind=space.kind).first()
    if preference is not None and not preference.enabled:
        return False
    earlier = Notification.objects.filter(
        member=member, space=space, mail_sent=True, read_at__isnull=True
    ).exclude(pk=row.pk)
    return all(_read_since(e, membership) for e in earlier.order_by("-pk")[:20])


def render_mail(row: Notification) -> tuple[str, str]:
    """Subject and body, in Japanese, for a row: the kind of space and a link, nothing else."""
    context = {
        "member_name": row.member.name,
        "url": absolute(space_path(row.space)),
        "settings_url": absolute(reverse("notifications:settings")),
    }
    with translation.override("ja"):
        context["kind"] = str(KIND_WORDS[SpaceKind(row.space.kind)])
        subject = " ".join(render_to_string("mail/notification_subject.txt", context).split())
        body = render_to_string("mail/notification_body.txt", context)
    return subject, body


def _deliver(pk: int) -> int:
    row = Notification.objects.select_related("member", "space").filter(pk=pk).first()
    if row is None or not _wants_mail(row):
        return 0
    subject, body = render_mail(row)
    # Marked before sending, so a sender deciding about the next row of the space sees it.
    Notification.objects.filter(pk=pk).update(mail_sent=True)
    try:
        EmailMessage(subject=subject, body=body, to=[row.member.email]).send()
    except (smtplib.SMTPException, OSError):
        # The mail server is away: hand the row back for the next run.
        Notification.objects.filter(pk=pk).update(mail_sent=False, mailed_at=None)
        raise
    return 1


def send_pending(*, batch: int = BATCH) -> int:
    """Mail the rows nobody has decided about yet; returns how many mails went out. Stops at
    the first failure of the mail server (the row waits for the next run)."""
    sent = 0
    while True:
        ids = list(
            Notification.objects.filter(mailed_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        for pk in ids:
            if not _claim(pk):
                continue  # another sender has it
            try:
                sent += _deliver(pk)
            except (smtplib.SMTPException, OSError):
                log.exception("notification mail could not be sent; will retry")
                return sent
            except Exception:  # a broken row must not stop the others; it stays decided
                log.exception("notification %s could not be mailed", pk)
        if len(ids) < batch:
            return sent


# The background sender ----------------------------------------------------------------------

_lock = threading.Lock()
_wanted = threading.Event()
_thread: threading.Thread | None = None


def _run() -> None:
    global _thread
    try:
        while True:
            with _lock:
                if not _wanted.is_set():
                    _thread = None
                    return
                _wanted.clear()
            try:
                close_old_connections()
                send_pending()
            except Exception:
                log.exception("notification mail sender failed")
    finally:
        connections.close_all()


def start_sender() -> threading.Thread:
    """Make the background sender run (again); one thread per process at a time."""
    global _thread
    with _lock:
        _wanted.set()
        if _thread is None:
            _thread = threading.Thread(target=_run, name="renkei-notification-mail", daemon=True)
            _thread.start()
        return _thread


def dispatch() -> None:
    """After a commit that queued notifications: send their mail in the background.

    Inside a still-open transaction (on-commit callbacks run by hand in a test) another
    connection could not see the rows yet; they wait for the next run or the worker.
    """
    if connection.in_atomic_block:
        return
    start_sender()
