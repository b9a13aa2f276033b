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
import time
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.db import close_old_connections, connection, connections, transaction
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


def _claim_batch(batch: int) -> list[int]:
    """Take up to ``batch`` undecided rows for this sender, oldest first, in one write
    transaction: each row is still taken by its own conditional UPDATE (only one sender can
    find mailed_at empty), but the batch costs one commit instead of one per row."""
    with transaction.atomic():
        pending = Notification.objects.filter(mailed_at__isnull=True).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: a second sender takes the next rows instead of waiting for these.
            pending = pending.select_for_update(skip_locked=True)
        return [pk for pk in pending.values_list("pk", flat=True)[:batch] if _claim(pk)]


def _read_since(earlier: Notification, membership: Membership) -> bool:
    """Whether the member has read what an earlier mailed row told them of."""
    if earlier.post_id is not None:
        return earlier.post_id <= membership.last_read_post_id
    return Post.objects.filter(
        space_id=earlier.space_id,
        created_at__gt=earlier.created_at,
        pk__lte=membership.last_read_post_id,
    ).exists()


def _wants_mail(row: Notification, chosen: Sequence[Notification] = ()) -> bool:
    """Whether ``row`` is to be mailed; ``chosen`` are rows of this batch already picked for a
    mail (marked mail_sent only once the batch is decided), which count as mailed rows."""
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
    picked = [c for c in chosen if c.member_id == row.member_id and c.space_id == row.space_id]
    return all(_read_since(e, membership) for e in [*picked, *earlier.order_by("-pk")[:20]])


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


def _decide(pks: Sequence[int]) -> list[tuple[Notification, str, str]]:
    """The claimed rows to mail, oldest first, with their subject and body. A row that cannot
    be decided (broken data) is logged and stays decided, so it never stops the others."""
    rows = Notification.objects.select_related("member", "space").filter(pk__in=pks)
    chosen: list[Notification] = []
    mails: list[tuple[Notification, str, str]] = []
    for row in sorted(rows, key=lambda r: r.pk):
        try:
            if not _wants_mail(row, chosen):
                continue
            subject, body = render_mail(row)
        except Exception:
            log.exception("notification %s could not be mailed", row.pk)
            continue
        chosen.append(row)
        mails.append((row, subject, body))
    return mails


def _hand_back(pks: Sequence[int]) -> None:
    """Rows whose mail did not go out wait for the next run, as if never claimed."""
    if pks:
        Notification.objects.filter(pk__in=pks).update(mail_sent=False, mailed_at=None)


def send_pending(*, batch: int = BATCH) -> int:
    """Mail the rows nobody has decided about yet; returns how many mails went out. Stops at
    the first failure of the mail server (that row and the rest of its batch wait for the
    next run).

    Per batch of rows: one write transaction claims them, one marks those to be mailed (before
    sending, so a sender deciding about the next rows of a space sees them), and one hands
    back rows the mail server refused. A row is never mailed twice: only one sender can claim
    it, and a claimed row is handed back only when its mail did not go out. The price of
    claiming a batch at once: if the process dies between the claim and the sending, the
    claimed rows of that batch (at most ``batch``) get no mail, where claiming row by row lost
    at most one. The notification itself stays in the list and the badge either way; only the
    mail that points to it is missing.
    """
    sent = 0
    while True:
        claimed = _claim_batch(batch)
        if not claimed:
            return sent
        mails = _decide(claimed)
        Notification.objects.filter(pk__in=[row.pk for row, _s, _b in mails]).update(mail_sent=True)
        for i, (row, subject, body) in enumerate(mails):
            try:
                EmailMessage(subject=subject, body=body, to=[row.member.email]).send()
            except (smtplib.SMTPException, OSError):
                # The mail server is away: this row and the rest of the batch wait.
                _hand_back([r.pk for r, _s, _b in mails[i:]])
                log.exception("notification mail could not be sent; will retry")
                return sent
            except Exception:  # a broken message must not stop the others; it stays decided
                log.exception("notification %s could not be mailed", row.pk)
                continue
            sent += 1
        if len(claimed) < batch:
            return sent


# The background sender ----------------------------------------------------------------------

# The sender looks for rows at most once per interval. Posts come in bursts (a ward's morning
# round); looking after every commit made the sender claim a few rows at a time, each look
# taking the database's one write lock and the interpreter away from the live connections.
# Waiting out the rest of the interval gathers the rows of a burst into one batch; a lone
# commit after a quiet spell is still mailed at once.
SENDER_INTERVAL = 1.0

_lock = threading.Lock()
_wanted = threading.Event()
_thread: threading.Thread | None = None
_last_look = float("-inf")


def _run() -> None:
    global _thread, _last_look
    try:
        while True:
            rest = _last_look + SENDER_INTERVAL - time.monotonic()
            if rest > 0:
                time.sleep(rest)
            with _lock:
                if not _wanted.is_set():
                    _thread = None
                    return
                _wanted.clear()
            _last_look = time.monotonic()
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
