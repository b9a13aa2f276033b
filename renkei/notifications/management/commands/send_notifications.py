"""Mail pending notifications: once, or as a worker that keeps looking."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from renkei.notifications.mail import send_pending


class Command(BaseCommand):
    help = "Send the notification mail that is due (e-mail that says only: something new)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="send what is due, then stop")
        parser.add_argument(
            "--interval", type=float, default=10.0, help="seconds between looks (worker)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(f"{send_pending()} sent")
            return
        while True:  # pragma: no cover - a worker runs until it is stopped
            sent = send_pending()
            if sent:
                self.stdout.write(f"{sent} sent")
            time.sleep(max(0.5, options["interval"]))
