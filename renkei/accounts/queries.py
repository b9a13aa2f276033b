"""What a member may read about their own account: their open sessions (R2.3); and the sign-in
behind a request."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.accounts.models import Member, UserSession
from renkei.devices.browser import browser_and_system
from renkei.policy.queries import current_policy
from renkei.prepared import prepared


def summarise_user_agent(user_agent: str) -> str:
    """A short device name such as "iPhone · Safari" from a User-Agent header.

    Only the system and the browser family: versions and build numbers are left out so that the
    page shows what the member recognises.
    """
    browser, system = browser_and_system(user_agent)
    parts = [part for part in (system, browser) if part]
    return " · ".join(parts) if parts else _("Unknown device")


def coarse_place(ip: str | None) -> str:
    """What can be said of an address without asking an outside service: whether it is this
    machine or a private network (a facility's LAN or VPN). Public addresses stay as they are."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if address.is_loopback:
        return _("This server itself")
    if address.is_private:
        return _("Private network (such as a facility's LAN)")
    return ""


@dataclass(frozen=True)
class SessionView:
    """One open session as its member sees it."""

    public_id: str
    device: str
    device_name: str
    address: str
    place: str
    started_at: datetime
    last_used_at: datetime
    expires_at: datetime
    is_current: bool


def lifetime_cutoff() -> datetime:
    """Sessions that began before this moment are past the policy's longest lifetime."""
    return timezone.now() - timedelta(hours=current_policy().session_absolute_hours)


def own_sessions(viewer: Member, *, current_key: str | None) -> list[SessionView]:
    """The viewer's open sessions, the one in use first, then the most recently used.

    Sessions past the longest lifetime are left out: they end at their next request.
    """
    policy = current_policy()
    rows = (
        UserSession.objects.filter(
            member=viewer, ended_at__isnull=True, created_at__gt=lifetime_cutoff()
        )
        .select_related("device")
        .order_by("-last_seen_at", "-id")
    )
    views = [
        SessionView(
            public_id=str(row.public_id),
            device=summarise_user_agent(row.user_agent),
            device_name=row.device.name if row.device is not None else "",
            address=row.ip or "",
            place=coarse_place(row.ip),
            started_at=row.created_at,
            last_used_at=row.last_seen_at,
            expires_at=row.created_at + timedelta(hours=policy.session_absolute_hours),
            is_current=bool(current_key) and row.session_key == current_key,
        )
        for row in rows
    ]
    return sorted(views, key=lambda view: not view.is_current)


@prepared
def _session_by_key(session_key: str) -> QuerySet[UserSession]:
    return UserSession.objects.filter(session_key=session_key).only(
        "id",
        "public_id",
        "member_id",
        "created_at",
        "last_seen_at",
        "confirmed_at",
        "ended_at",
        "device_id",
    )


def session_for_key(session_key: str) -> UserSession | None:
    """The sign-in behind a Django session (what the session guard checks on every request)."""
    return _session_by_key.first(session_key)
