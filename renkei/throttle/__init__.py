"""Rate limits on what clients do often: posting, searching, uploading, asking for reset links
(R2.3). The limits are the regional policy's, per member (or account) and per source address.

``hit(scope, member=..., address=...)`` counts one use and raises Throttled, with a Japanese
message naming what was limited and when to try again, once a count passes its limit.

Counting is a fixed window in the Django cache: one atomic increment per key and use, no
database write. With ``REDIS_URL`` the cache is Redis, shared by every worker process, whose
INCR is atomic across them; without it (the single-process SQLite mode) it is the process's
own memory, which is exact because there is only one process. A window allows at most twice its
limit across its edge, which is accepted for limits meant against floods, not single extra uses.

Uses outside a request (commands, the demo's seeding) have no source address and are not
limited unless an address is passed: the limits are against clients, not the system itself.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from renkei.audit.origin import SYSTEM, current_origin
from renkei.errors import Throttled

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from renkei.accounts.models import Member
    from renkei.policy.definitions import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    """One kind of use and its two limits: policy setting names and the window they count."""

    own_setting: str
    address_setting: str
    window: int  # seconds
    own_message: _StrPromise
    address_message: _StrPromise


SCOPES: dict[str, Scope] = {
    "post": Scope(
        "posts_per_minute",
        "posts_per_minute_address",
        60,
        _(
            "You have posted %(limit)d times in the last minute, the most allowed. "
            "Post again in %(wait)s."
        ),
        _("Too many posts from this network (at most %(limit)d a minute). Post again in %(wait)s."),
    ),
    "search": Scope(
        "searches_per_minute",
        "searches_per_minute_address",
        60,
        _(
            "You have searched %(limit)d times in the last minute, the most allowed. "
            "Search again in %(wait)s."
        ),
        _(
            "Too many searches from this network (at most %(limit)d a minute). "
            "Search again in %(wait)s."
        ),
    ),
    "upload": Scope(
        "uploads_per_hour",
        "uploads_per_hour_address",
        3600,
        _(
            "You have uploaded %(limit)d files in the last hour, the most allowed. "
            "Upload again in %(wait)s."
        ),
        _(
            "Too many files uploaded from this network (at most %(limit)d an hour). "
            "Upload again in %(wait)s."
        ),
    ),
    "reset": Scope(
        "reset_requests_per_account_hour",
        "reset_requests_per_address_hour",
        3600,
        _(
            "Too many reset links were asked for this address (at most %(limit)d an hour). "
            "Ask again in %(wait)s."
        ),
        _(
            "Too many reset links were asked from this network (at most %(limit)d an hour). "
            "Ask again in %(wait)s."
        ),
    ),
}


def wait_text(seconds: int) -> str:
    """A wait in words: seconds under a minute, otherwise whole minutes rounded up."""
    if seconds < 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def _count(key: str, window: int, cost: int) -> tuple[int, int]:
    """Add ``cost`` to the current window's count of ``key``: (the new count, seconds left)."""
    now = time.time()
    start = math.floor(now / window) * window
    left = max(1, math.ceil(start + window - now))
    name = f"throttle:{key}:{window}:{start}"
    # add() creates the counter only if missing, so that incr() is the one atomic step; the
    # counter outlives its window by a little and then expires on its own.
    cache.add(name, 0, timeout=left + 5)
    try:
        return cache.incr(name, cost), left
    except ValueError:  # expired between add() and incr(): a fresh window
        cache.add(name, 0, timeout=left + 5)
        return cache.incr(name, cost), left


def _account_key(account: str) -> str:
    # Hashed: the cache holds no e-mail address or login ID in clear.
    return hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]


def hit(
    scope: str,
    *,
    member: Member | None = None,
    address: str | None = None,
    account: str | None = None,
    cost: int = 1,
    policy: Policy | None = None,
) -> None:
    """Count ``cost`` uses of ``scope`` by ``member`` (or by ``account``, an e-mail address or
    login ID whether or not it exists) and from ``address`` (default: the request's source
    address); raise Throttled when either count passes the policy's limit (R2.3).

    The refused use is counted too, so that a client that keeps trying stays refused until the
    window ends. Writes nothing to the database.
    """
    spec = SCOPES[scope]
    if cost <= 0:
        return  # nothing used (a post without files is no upload)
    if address is None:
        origin = current_origin()
        if origin == SYSTEM:
            return  # the system itself (a command, the demo's seeding): not a client
        address = origin.ip
    if policy is None:
        from renkei.policy.queries import current_policy

        policy = current_policy()
    refusals: list[tuple[_StrPromise, int, int]] = []
    own = f"m{member.pk}" if member is not None else (_account_key(account) if account else "")
    if own:
        limit = int(getattr(policy, spec.own_setting))
        count, left = _count(f"{scope}:{own}", spec.window, cost)
        if count > limit:
            refusals.append((spec.own_message, limit, left))
    if address:
        limit = int(getattr(policy, spec.address_setting))
        count, left = _count(f"{scope}:a{address}", spec.window, cost)
        if count > limit:
            refusals.append((spec.address_message, limit, left))
    if refusals:
        message, limit, left = refusals[0]
        kind = "own" if message is spec.own_message else "address"
        log.warning("rate limit reached: %s per %s", scope, kind)
        raise Throttled(str(message) % {"limit": limit, "wait": wait_text(left)}, retry_after=left)
