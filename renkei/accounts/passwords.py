"""Password rules of the regional policy (R2.2): length, letters and digits, no reuse, rotation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import check_password
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.policy.definitions import Policy

if TYPE_CHECKING:
    from renkei.accounts.models import Member

_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9]")
MAX_LENGTH = 128


def password_problems(policy: Policy, raw: str, *, member: Member | None = None) -> list[str]:
    """Every way ``raw`` breaks the policy, each as a message saying which part failed (R2.2)."""
    problems: list[str] = []
    if len(raw) < policy.password_min_length:
        problems.append(
            _("Use at least %(n)d characters (now %(m)d).")
            % {"n": policy.password_min_length, "m": len(raw)}
        )
    if len(raw) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.") % {"n": MAX_LENGTH})
    if policy.password_require_letters_and_digits:
        if not _LETTER.search(raw):
            problems.append(_("Include at least one letter (A–Z or a–z)."))
        if not _DIGIT.search(raw):
            problems.append(_("Include at least one digit (0–9)."))
    if not raw.isascii():
        problems.append(_("Use half-width letters, digits and symbols only."))
    if raw != raw.strip():
        problems.append(_("Do not start or end the password with a space."))
    if member is not None:
        if member.login_id and member.login_id.lower() in raw.lower():
            problems.append(_("Do not include your login ID in the password."))
        if policy.password_history and _was_used_recently(policy, member, raw):
            problems.append(
                _("You used this password recently. Choose one that differs from your last %(n)d.")
                % {"n": policy.password_history}
            )
    return problems


def _was_used_recently(policy: Policy, member: Member, raw: str) -> bool:
    if member.has_usable_password() and check_password(raw, member.password):
        return True
    earlier = member.password_history.order_by("-created_at", "-id").values_list(
        "password", flat=True
    )[: policy.password_history]
    return any(check_password(raw, encoded) for encoded in earlier)


def password_expired(policy: Policy, member: Member) -> bool:
    """R2.2: a password older than the rotation period must be changed before anything else."""
    if policy.password_rotation_days == 0 or member.password_changed_at is None:
        return False
    age = timezone.now() - member.password_changed_at
    return age > timedelta(days=policy.password_rotation_days)
