"""Check the audit trail's hash chain: ``manage.py verify_audit``.

Prints OK with the number of events and the head of the chain (keep it elsewhere and pass it
back with ``--anchor ID:HASH`` next time), or the first broken link and exits with status 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from renkei.audit.verify import BATCH, verify_events


def _anchor(value: str) -> tuple[int, str]:
    event_id, _, digest = value.partition(":")
    if not event_id.isdigit() or len(digest) != 64:
        raise CommandError("--anchor takes ID:HASH, as printed by an earlier run.")
    return int(event_id), digest.lower()


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain and report the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", type=int, default=BATCH, help="Events read per query (default 2000)."
        )
        parser.add_argument(
            "--anchor",
            type=_anchor,
            default=None,
            help="ID:HASH of an event recorded earlier; it must still carry that hash.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be 1 or more.")
        report = verify_events(batch=options["batch"], anchor=options["anchor"])
        if report.broken is None:
            head = f"{report.last_id}:{report.last_hash}" if report.last_id else "(empty)"
            self.stdout.write(f"OK: {report.checked} events, chain intact. Head {head}")
            return
        broken = report.broken
        at = timezone.localtime(broken.at).isoformat() if timezone.is_aware(broken.at) else ""
        self.stderr.write(
            f"BROKEN at event #{broken.event_id} ({at}) [{broken.kind}]: {broken.message}. "
            f"{report.checked} events before it hold."
        )
        raise SystemExit(1)
