"""Second factors for test members: an authenticator app as the member would have set it up,
and the codes their phone would show (computed by pyotp from the enrolled secret)."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.twofactor.actions import TOTP_STEP
from renkei.twofactor.models import TotpAuthenticator
from renkei.twofactor.sealing import seal

# The secrets of the test members' authenticator apps, by login ID (the current region's).
SECRETS: dict[str, str] = {}
# The last time step each login ID's code was typed in, so a second sign-in in the same test
# uses a later code, as a person waiting for the next one would (a code works once).
_USED_STEP: dict[str, int] = {}


def enrol_totp(member: Member) -> str:
    """Give ``member`` a confirmed authenticator app (test data, like create_member: no audit
    event, no recovery codes); returns its secret."""
    secret = pyotp.random_base32()
    TotpAuthenticator.objects.update_or_create(
        member=member,
        defaults={
            "sealed_secret": seal(secret, member_public_id=member.public_id.bytes),
            "confirmed_at": timezone.now(),
            "last_step": 0,
        },
    )
    login_id = member.login_id or member.email
    SECRETS[login_id] = secret
    _USED_STEP.pop(login_id, None)
    return secret


def forget_secrets() -> None:
    """A new region: no member of an earlier one has an authenticator app here."""
    SECRETS.clear()
    _USED_STEP.clear()


def totp_code(member: Member, *, steps_from_now: int = 0) -> str:
    """The code ``member``'s authenticator app shows now (or that many steps away)."""
    secret = SECRETS[member.login_id or member.email]
    return pyotp.TOTP(secret).at(time.time() + steps_from_now * TOTP_STEP)


def next_code(login_id: str) -> str:
    """A code for ``login_id`` later than the last one typed in this test (waiting for the next
    step if both the current and the next one are used)."""
    secret = SECRETS[login_id]
    now = int(time.time() // TOTP_STEP)
    step = max(now, _USED_STEP.get(login_id, -1) + 1)
    if step > now + 1:
        time.sleep((step - 1) * TOTP_STEP - time.time() + 0.1)
    _USED_STEP[login_id] = step
    return pyotp.TOTP(secret).at(step * TOTP_STEP)


def pass_second_step(page: Any, base: str, login_id: str) -> None:
    """In a browser that has just sent the password, answer the second step of sign-in with
    the member's authenticator app when they have one (R2.3)."""
    if login_id not in SECRETS:
        return
    page.wait_for_url(f"{base}/signin/verify/")
    page.locator("#id_code").fill(next_code(login_id))
    page.locator("main form[action='/signin/verify/'] button[type=submit]").click()
