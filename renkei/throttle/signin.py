"""When failed sign-ins pause signing in (R2.3), without letting anyone lock a member out.

Three pauses, each for the policy's ``signin_pause_minutes``:

* an **address** pauses after ``signin_failures_per_address`` failures from it, whatever the
  accounts tried: a flood from one address stops there;
* an **account** pauses after ``signin_failures_per_account`` failures spread over several
  addresses (one address counts at most one less than the limit, so that no single address
  can pause an account however much it tries), and only for browsers that have never signed in
  as that member: a device that has keeps working, so a distributed attack does not lock the
  member out of their usual devices either;
* a **known device** that keeps failing pauses itself after ``signin_failures_per_account``
  failures, so that a copied device cookie is no way round the account pause.

Failed confirmations before sensitive actions (renkei.accounts.reauth) come from inside a
signed-in session, which no outsider has: they count in full toward the account's pause.

Failures are the SignInAttempt rows (per login ID and address, also for login IDs that match no
account, so that the pauses say nothing about which accounts exist); the known device's own
count lives in the cache (renkei.throttle). A pause is audited once, when it is first met.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.audit.events import AuditAction
from renkei.audit.origin import current_origin
from renkei.audit.record import record
from renkei.errors import Throttled
from renkei.policy.definitions import Policy

if TYPE_CHECKING:
    from renkei.accounts.models import Member


def known_device(login_id: str, browser_key: str | None) -> bool:
    """Whether this browser has signed in as the account ``login_id`` before (an active device
    of its member). The same one query whether or not the account exists."""
    from renkei.devices.models import Device, DeviceState

    if not browser_key or not login_id:
        return False
    return Device.objects.filter(
        member__login_id__iexact=login_id, browser_key=browser_key, state=DeviceState.ACTIVE
    ).exists()


def _device_key(login_id: str, browser_key: str) -> str:
    digest = hashlib.sha256(f"{login_id}\0{browser_key}".encode()).hexdigest()[:32]
    return f"throttle:signin-device:{digest}"


def count_device_failure(policy: Policy, login_id: str, browser_key: str) -> None:
    """Count one failed sign-in from a known device (its own pause; the failure is also a
    SignInAttempt like any other)."""
    key = _device_key(login_id, browser_key)
    timeout = policy.signin_pause_minutes * 60
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, timeout=timeout)


def _session_key(login_id: str) -> str:
    digest = hashlib.sha256(login_id.encode()).hexdigest()[:32]
    return f"throttle:signin-session:{digest}"


def count_session_failure(policy: Policy, login_id: str) -> None:
    """Count one failed confirmation inside a signed-in session (renkei.accounts.reauth). No
    outsider can make one, so these count in full toward the account's pause."""
    key = _session_key(login_id)
    timeout = policy.signin_pause_minutes * 60
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, timeout=timeout)


def forget_device_failures(login_id: str, browser_key: str | None) -> None:
    """After a successful sign-in from the device."""
    if browser_key:
        cache.delete(_device_key(login_id, browser_key))


def _wait(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _pause(
    kind: str, key: str, message: str, wait: int, *, member: Member | None, detail: dict[str, Any]
) -> None:
    # Audited once per pause, not once per refused attempt: a flood must not flood the trail.
    if cache.add(f"throttle:signin-paused:{kind}:{key}", 1, timeout=wait):
        record(
            AuditAction.SIGN_IN_THROTTLED,
            actor=member,
            actor_label=detail.get("login_id", ""),
            detail={"pause": kind, **{k: v for k, v in detail.items() if k != "login_id"}},
        )
    minutes = math.ceil(wait / 60)
    raise Throttled(message % {"n": minutes}, retry_after=wait)


def check_pause(
    policy: Policy,
    login_id: str,
    *,
    member: Member | None = None,
    browser_key: str | None = None,
    is_known: bool | None = None,
) -> None:
    """Raise Throttled (audited once per pause) while a sign-in as ``login_id`` from the current
    address and browser is paused; see the module's description for the three pauses."""
    from renkei.accounts.models import SignInAttempt

    origin = current_origin()
    now = timezone.now()
    pause = timedelta(minutes=policy.signin_pause_minutes)
    since = now - pause
    if origin.ip:
        limit = policy.signin_failures_per_address
        recent = list(
            SignInAttempt.objects.filter(ip=origin.ip, at__gt=since)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            _pause(
                "address",
                origin.ip,
                _("Too many failed sign-ins from this network. Wait %(n)d minutes and try again."),
                _wait(recent[-1] + pause, now),
                member=member,
                detail={"login_id": login_id, "address_failures": len(recent)},
            )
    if is_known is None:
        is_known = known_device(login_id, browser_key)
    limit = policy.signin_failures_per_account
    if is_known:
        assert browser_key is not None
        failures = cache.get(_device_key(login_id, browser_key), 0)
        if failures >= limit:
            _pause(
                "device",
                _device_key(login_id, browser_key),
                _(
                    "Too many failed sign-ins on this device. Wait %(n)d minutes and try again, "
                    "or reset your password."
                ),
                policy.signin_pause_minutes * 60,
                member=member,
                detail={"login_id": login_id, "device_failures": failures},
            )
        return
    by_address = list(
        SignInAttempt.objects.filter(login_id=login_id, at__gt=since)
        .values("ip")
        .annotate(n=Count("id"), last=Max("at"))
        .order_by()
    )
    # Failed confirmations inside a session count in full (they are SignInAttempt rows too).
    weight = max(
        sum(min(row["n"], limit - 1) for row in by_address),
        cache.get(_session_key(login_id), 0),
    )
    if weight >= limit:
        last = max((row["last"] for row in by_address), default=now)
        _pause(
            "account",
            hashlib.sha256(login_id.encode()).hexdigest()[:32],
            _(
                "Too many failed sign-ins. Wait %(n)d minutes and try again, sign in from a "
                "device you have signed in from before, or reset your password."
            ),
            _wait(last + pause, now),
            member=member,
            detail={"login_id": login_id, "account_failures": weight},
        )
