"""Single-use, expiring links: only a digest is stored, so a database copy cannot be replayed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from renkei.accounts.models import Member, OneTimeToken, TokenPurpose


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(member: Member, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """A new raw token for ``member``; earlier unused tokens of the same purpose stop working."""
    now = timezone.now()
    OneTimeToken.objects.filter(member=member, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )
    raw = secrets.token_urlsafe(32)
    OneTimeToken.objects.create(
        member=member, purpose=purpose, digest=_digest(raw), expires_at=now + lifetime
    )
    return raw


def find_valid(raw: str, purpose: TokenPurpose) -> OneTimeToken | None:
    """The unused, unexpired token for ``raw``, or None (the caller says the same either way)."""
    if not raw or len(raw) > 100:
        return None
    return (
        OneTimeToken.objects.select_related("member")
        .filter(
            digest=_digest(raw),
            purpose=purpose,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
