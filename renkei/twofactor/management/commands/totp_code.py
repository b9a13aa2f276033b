"""Show the current authenticator-app code of a demo or development account."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkei.accounts.models import Member
from renkei.errors import NotFound
from renkei.twofactor.actions import TOTP_STEP, current_code


class Command(BaseCommand):
    help = (
        "Print the current 6-digit code of an account's authenticator app, for the demo region "
        "where no phone scanned the QR code. Refused when RENKEI_ENV=production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login_id")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            # In a real region the code is on the member's phone and nowhere else.
            raise CommandError("totp_code is for the demo only (RENKEI_ENV=production).")
        member = Member.objects.filter(login_id__iexact=options["login_id"].strip()).first()
        if member is None:
            raise CommandError(f"No account with login ID {options['login_id']!r}.")
        try:
            code = current_code(member)
        except NotFound as exc:
            raise CommandError(f"{member.login_id} has no authenticator app.") from exc
        left = TOTP_STEP - int(time.time()) % TOTP_STEP
        self.stdout.write(code)
        self.stderr.write(f"（あと{left}秒有効 / valid for {left} more seconds）")
