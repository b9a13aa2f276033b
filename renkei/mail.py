"""Sending mail after the transaction that caused it commits, and the embedded-mode backend."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

log = logging.getLogger(__name__)


class DemoEmailBackend(FileBackend):
    """Embedded mode: each message goes to a file under var/mail and a note to the console."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = super().send_messages(email_messages)
        for message in email_messages:
            sys.stdout.write(
                f"[renkei mail] to {', '.join(message.to)}: {message.subject}\n{message.body}\n"
            )
        sys.stdout.flush()
        return sent


def send_templated_on_commit(
    *, to: str, template: str, context: dict[str, Any], language: str = "ja"
) -> None:
    """Queue a mail rendered from ``mail/<template>_subject.txt`` and ``_body.txt`` for commit.

    A mail that cannot be delivered is logged and never undoes the change that caused it;
    the person can ask for the link again.
    """
    with translation.override(language):
        subject = " ".join(render_to_string(f"mail/{template}_subject.txt", context).split())
        body = render_to_string(f"mail/{template}_body.txt", context)

    def send() -> None:
        try:
            EmailMessage(subject=subject, body=body, to=[to]).send()
        except Exception:  # the action has committed; the failure must not surface as an error
            log.exception("mail %s to member could not be sent", template)

    transaction.on_commit(send)
