"""The mail sender takes its rows a batch at a time: a batch costs the same few writes
however many rows it holds, a row is still mailed once at most, and a failure of the mail
server or of one message loses nothing that could still be sent."""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from renkei.notifications import mail
from renkei.notifications.models import Notification, NotificationKind
from renkei.spaces import actions as space_actions
from renkei.timeline.actions import post_message
from tests.spaces.helpers import patient_group
from tests.support.smtp import wait_for_background_sender

# What the test backends below were given, by address; and the addresses they fail for.
SENT: list[str] = []
REFUSED: set[str] = set()
BROKEN: set[str] = set()


class RefusingBackend(BaseEmailBackend):
    """A mail server that goes away at the first address in REFUSED."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            if set(message.to) & REFUSED:
                raise smtplib.SMTPServerDisconnected("connection lost")
            SENT.extend(message.to)
        return len(email_messages)


class BreakingBackend(BaseEmailBackend):
    """A message that fails on its own (not the server): the address is in BROKEN."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            if set(message.to) & BROKEN:
                raise RuntimeError("this message cannot be built")
            SENT.extend(message.to)
        return len(email_messages)


@pytest.fixture
def backend(settings) -> Any:  # type: ignore[no-untyped-def]
    SENT.clear()
    REFUSED.clear()
    BROKEN.clear()

    def use(name: str) -> None:
        settings.EMAIL_BACKEND = f"{__name__}.{name}"

    return use


def _three_members_told(region):  # type: ignore[no-untyped-def]
    """A patient group with the nurse, the pharmacist and the care manager: one undecided
    "added" row each."""
    space = patient_group(region, region.nurse, region.pharmacist, region.care_manager)
    assert Notification.objects.filter(mailed_at__isnull=True).count() == 3
    return space


@pytest.mark.rule("R2.6")
def test_rows_of_one_space_taken_together_still_make_one_mail(region, smtp):
    space = patient_group(region, region.nurse)
    # Added, then mentioned, before any sender ran: two rows of one space in one batch.
    post_message(region.doctor, space_id=space.pk, body="@ns.sato 訪問日の確認")
    rows = Notification.objects.filter(member=region.nurse, space=space)
    assert sorted(r.kind for r in rows) == [NotificationKind.ADDED, NotificationKind.MENTION]
    assert mail.send_pending() == 1
    assert len(smtp.to(region.nurse.email)) == 1
    assert [r.mail_sent for r in rows.order_by("pk")] == [True, False]
    assert not rows.filter(mailed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_costs_two_writes_however_many_rows_it_holds(region, smtp):
    for _ in range(2):
        patient_group(region, region.nurse, region.pharmacist, region.care_manager)
    wait_for_background_sender()
    smtp.messages.clear()
    Notification.objects.update(mailed_at=None, mail_sent=False)
    writes: list[str] = []
    commits = 0
    real_commit = connection.commit

    def commit() -> None:
        nonlocal commits
        commits += 1
        real_commit()

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if sql.lstrip().upper().startswith("UPDATE") and not connection.in_atomic_block:
            writes.append(sql)  # a write committed on its own
        return execute(sql, params, many, context)

    connection.commit = commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(record):
            assert mail.send_pending() == 6
    finally:
        del connection.commit
    # One transaction claims the six rows, one update marks the mails about to go out.
    assert commits + len(writes) == 2
    assert len(smtp.messages) == 6


@pytest.mark.rule("R1.2")
def test_a_removed_member_in_a_batch_gets_nothing_and_the_others_their_mail(region, smtp):
    space = _three_members_told(region)
    space_actions.remove_member(region.doctor, space_id=space.pk, member_id=region.pharmacist.pk)
    assert mail.send_pending() == 2
    assert smtp.to(region.pharmacist.email) == []
    assert len(smtp.to(region.nurse.email)) == 1
    assert len(smtp.to(region.care_manager.email)) == 1
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()


def test_mail_server_gone_mid_batch_hands_back_the_rest_and_keeps_what_went_out(region, backend):
    backend("RefusingBackend")
    _three_members_told(region)
    first, second, third = Notification.objects.order_by("pk").select_related("member")
    REFUSED.add(second.member.email)
    assert mail.send_pending() == 1
    assert [first.member.email] == SENT
    first.refresh_from_db()
    assert first.mailed_at is not None
    assert first.mail_sent
    for row in (second, third):
        row.refresh_from_db()
        assert row.mailed_at is None  # waits for the next run
        assert not row.mail_sent
    # The server is back: the next run mails those two, and the first never twice.
    REFUSED.clear()
    assert mail.send_pending() == 2
    assert sorted(SENT) == sorted(r.member.email for r in (first, second, third))


def test_a_message_that_breaks_stays_decided_and_the_others_go_out(region, backend):
    backend("BreakingBackend")
    _three_members_told(region)
    BROKEN.add(region.nurse.email)
    assert mail.send_pending() == 2
    assert sorted(SENT) == sorted([region.pharmacist.email, region.care_manager.email])
    broken = Notification.objects.get(member=region.nurse)
    # Not handed back: a message that fails on its own would fail every run.
    assert broken.mailed_at is not None
    assert mail.send_pending() == 0
    assert region.nurse.email not in SENT


def test_a_sender_that_crashed_after_its_claim_never_mails_those_rows_twice(region, smtp):
    _three_members_told(region)
    claimed = mail._claim_batch(10)  # and then the process died before deciding or sending
    assert len(claimed) == 3
    assert mail.send_pending() == 0
    assert smtp.messages == []
    assert mail._claim_batch(10) == []


def test_the_background_sender_gathers_a_burst_into_one_look(monkeypatch):
    looks: list[float] = []
    monkeypatch.setattr(mail, "send_pending", lambda: looks.append(time.monotonic()) or 0)
    monkeypatch.setattr(mail, "SENDER_INTERVAL", 0.4)
    wait_for_background_sender()
    # A look just happened: three commits right after it are mailed by one look, once the
    # interval is over.
    monkeypatch.setattr(mail, "_last_look", time.monotonic())
    started = time.monotonic()
    for _ in range(3):
        mail.start_sender()
    wait_for_background_sender()
    assert len(looks) == 1
    assert looks[0] - started >= 0.3
    # After a quiet spell a lone commit is looked at at once.
    monkeypatch.setattr(mail, "_last_look", time.monotonic() - 10)
    started = time.monotonic()
    mail.start_sender()
    wait_for_background_sender()
    assert len(looks) == 2
    assert looks[1] - started < 0.3


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.django_db(transaction=True)
def test_senders_claiming_batches_at_once_never_mail_a_row_twice(region, smtp, batch):
    for _ in range(2):
        patient_group(region, region.nurse, region.pharmacist, region.care_manager)
    wait_for_background_sender()
    smtp.messages.clear()
    Notification.objects.update(mailed_at=None, mail_sent=False)
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        try:
            mail.send_pending(batch=batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # Six rows, two per member (two patient groups): each mailed exactly once.
    assert len(smtp.messages) == 6
    assert sorted(str(m["To"]) for m in smtp.messages) == sorted(
        2 * [region.nurse.email, region.pharmacist.email, region.care_manager.email]
    )
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()
