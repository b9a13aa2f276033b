"""Password rules of the regional policy (R2.2): length, letters and digits, no reuse, rotation,
and no password that is common or easy to guess here.

The common-password list is Django's own (about 20,000 passwords, read from the installed
django.contrib.auth package at run time); ``data/context-words.txt`` adds words of this service
and region and romanised words often chosen in Japan.
"""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei.policy.definitions import Policy

if TYPE_CHECKING:
    from renkei.accounts.models import Member

_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9]")
MAX_LENGTH = 128
_CONTEXT_WORDS = Path(__file__).resolve().parent / "data" / "context-words.txt"
_NOT_LETTERS = re.compile(r"[^a-z]")
_SEPARATORS = re.compile(r"[\s._\-]")
# Runs that people type instead of choosing: digits, the alphabet and keyboard rows.
_SEQUENCES = ("0123456789" * 3, "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")
# Shorter letter cores ("a", "abc") are too short to say anything about the whole password.
_CORE_MIN = 4


@functools.cache
def common_passwords() -> frozenset[str]:
    """Django's list of common passwords, lower-case."""
    return frozenset(CommonPasswordValidator().passwords)


@functools.cache
def context_words() -> frozenset[str]:
    """Words of this service and region, and romanised words often used in Japan."""
    lines = _CONTEXT_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def _is_repetition(text: str) -> bool:
    """ "abcabc", "aaaa": the text is one shorter piece said again and again."""
    size = len(text)
    return size >= 2 and any(
        size % n == 0 and text[:n] * (size // n) == text for n in range(1, size // 2 + 1)
    )


def _in_a_run(text: str) -> bool:
    return any(text in run or text in run[::-1] for run in _SEQUENCES)


def _is_sequence(text: str) -> bool:
    """ "123456", "qwerty", or runs joined such as "1234abcd"."""
    if len(text) < 4:
        return False
    if _in_a_run(text):
        return True
    pieces = re.findall(r"[a-z]+|[0-9]+|[^a-z0-9]+", text)
    return len(pieces) > 1 and all(len(p) >= 3 and _in_a_run(p) for p in pieces)


def _guessable_problems(raw: str, member: Member | None) -> list[str]:
    """Common passwords, the service's and region's words with digits added, repetitions and
    runs such as 1234 or qwerty (NIST SP 800-63B-4 3.1.1.2's blocklist)."""
    lowered = raw.lower().strip()
    compact = _SEPARATORS.sub("", lowered)
    core = _NOT_LETTERS.sub("", lowered)
    words = set(context_words())
    if member is not None:
        local, _at, domain = (member.email or "").lower().partition("@")
        words |= {w for w in (_NOT_LETTERS.sub("", local), domain.split(".")[0]) if w}
    if lowered in common_passwords() or compact in common_passwords():
        return [
            _("This password is on the list of common passwords. Choose one that is hard to guess.")
        ]
    if len(core) >= _CORE_MIN:
        spelled = any(
            len(core) % len(word) == 0 and core == word * (len(core) // len(word)) for word in words
        )
        if spelled:
            return [
                _(
                    "Do not build the password from the name of the service, the region or "
                    "your e-mail address with digits added."
                )
            ]
        if core in common_passwords() and len(core) * 2 >= len(compact):
            return [
                _(
                    "This password is a common password with digits or symbols added. "
                    "Choose one that is hard to guess."
                )
            ]
    if _is_repetition(compact) or _is_sequence(compact):
        return [_("Do not use repeated text or runs such as 1234, abcd or qwerty.")]
    return []


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
    if policy.password_check_common:
        problems += _guessable_problems(raw, member)
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
