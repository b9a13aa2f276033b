"""The second-factor state of a signed-in session, kept in the Django session.

After the password (and the second step when the member has a factor) the sign-in stores a
small marker in the session: which second factor was passed, if any, and whether the member
must still enrol one under the policy. The session guard reads only this marker on each request,
so checking costs no query; it is worked out again when the policy's setting changes.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.twofactor.queries import factor_state, is_required

SESSION_KEY = "renkei_2fa"
# The pending sign-in between a correct password and the second step (never a UserSession).
PENDING_KEY = "renkei_2fa_pending"
PENDING_SECONDS = 5 * 60
CHALLENGE_KEY = "renkei_2fa_challenge"

# Reachable while the member must still enrol a second factor.
ENROL_PREFIXES = (
    "/account/two-factor/",
    "/signout/",
    "/password/change/",
    "/static/",
    "/help/",
    "/guide/",
    "/i18n/",
    "/favicon.ico",
)


def settle(
    session: SessionBase, member: Member, *, setting: str, method: str = ""
) -> dict[str, Any]:
    """Record in ``session`` that ``member`` signed in, passing second factor ``method`` ("" if
    none), and whether the policy value ``setting`` still requires them to enrol one."""
    state = factor_state(member)
    marker = {
        "method": method,
        "at": timezone.now().isoformat(),
        "setting": setting,
        "has_factor": state.has_factor,
        "enrol": is_required(setting, state) and not state.has_factor,
    }
    session[SESSION_KEY] = marker
    return marker


def marker(session: SessionBase) -> dict[str, Any] | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, dict) else None


def refresh(session: SessionBase, member: Member, *, setting: str) -> dict[str, Any]:
    """The session's marker, worked out again if missing or made under another policy value.

    A session without a marker whose member has a factor never passed the second step: its
    marker says so with ``bypassed`` and the guard ends it.
    """
    current = marker(session)
    if current is not None and current.get("setting") == setting:
        return current
    method = current.get("method", "") if current else ""
    fresh = settle(session, member, setting=setting, method=method)
    if current is None and fresh["has_factor"]:
        fresh["bypassed"] = True
    return fresh


def begin_pending(session: SessionBase, member: Member, *, next_url: str) -> None:
    """Remember, for a few minutes, that ``member`` gave the right password on this browser.

    No session is opened yet: the member is still signed out until the second step passes.
    """
    session[PENDING_KEY] = {"member": member.pk, "at": time.time(), "next": next_url}
    session.pop(CHALLENGE_KEY, None)


def pending(session: SessionBase) -> tuple[Member, str] | None:
    """The member waiting at the second step on this browser and where they were going, or
    None when nobody is or the pending sign-in is older than PENDING_SECONDS."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        clear_pending(session)
        return None
    member = Member.objects.filter(pk=int(data.get("member") or 0), is_active=True).first()
    if member is None:
        clear_pending(session)
        return None
    return member, str(data.get("next", ""))


def clear_pending(session: SessionBase) -> None:
    session.pop(PENDING_KEY, None)
    session.pop(CHALLENGE_KEY, None)


def keep_challenge(session: SessionBase, purpose: str, challenge: bytes) -> None:
    """Keep a WebAuthn challenge for one answer within a few minutes."""
    session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": base64.urlsafe_b64encode(challenge).decode(),
        "at": time.time(),
    }


def take_challenge(session: SessionBase, purpose: str) -> bytes | None:
    """The challenge kept for ``purpose``, once: it is gone after this call."""
    data = session.pop(CHALLENGE_KEY, None)
    if not isinstance(data, dict) or data.get("purpose") != purpose:
        return None
    if time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        return None
    return base64.urlsafe_b64decode(str(data["challenge"]))
