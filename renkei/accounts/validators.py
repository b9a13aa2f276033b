"""Checks on what people type about people and facilities, with messages that say what to fix."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

_HIRAGANA = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30fc\u3000 ]+$")
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")
_PHONE = re.compile(r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$")
_POSTAL = re.compile(r"^\d{3}-?\d{4}$")
_LOGIN_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{3,31}$")
_FORBIDDEN_MARKUP = re.compile(r"[<>]")
_FULL_WIDTH_DIGIT = re.compile(r"[\uff10-\uff19]")


def _control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in value)


def name_problems(value: str, *, max_length: int = 60) -> list[str]:
    """A person's or facility manager's name."""
    value = value.strip()
    if not value:
        return [_("Enter the name.")]
    problems = []
    if len(value) > max_length:
        problems.append(_("Use at most %(n)d characters.") % {"n": max_length})
    if _FORBIDDEN_MARKUP.search(value) or _control_chars(value):
        problems.append(_("The name contains characters that cannot be used (such as < or >)."))
    return problems


def text_problems(value: str, *, max_length: int, required: bool = True) -> list[str]:
    """A one-line text such as a facility name or an address."""
    value = value.strip()
    if not value:
        return [_("This field is required.")] if required else []
    problems = []
    if len(value) > max_length:
        problems.append(_("Use at most %(n)d characters.") % {"n": max_length})
    if _FORBIDDEN_MARKUP.search(value) or _control_chars(value):
        problems.append(_("This contains characters that cannot be used (such as < or >)."))
    return problems


def furigana_problems(value: str) -> list[str]:
    """Furigana are written in hiragana (ふりがな), as on form 3."""
    value = value.strip()
    if not value:
        return [_("Enter the furigana.")]
    if len(value) > 60:
        return [_("Use at most %(n)d characters.") % {"n": 60}]
    if _HIRAGANA.match(value):
        return []
    if _KATAKANA.search(value):
        return [_("Write the furigana in hiragana, not katakana (e.g. やまだ はなこ).")]
    return [_("Write the furigana in hiragana only (e.g. やまだ はなこ).")]


def phone_problems(value: str, *, required: bool = True) -> list[str]:
    """A Japanese telephone or fax number in half-width digits, hyphens allowed."""
    value = value.strip()
    if not value:
        return [_("Enter the number.")] if required else []
    if _FULL_WIDTH_DIGIT.search(value) or "－" in value or "ー" in value:
        return [_("Enter the number in half-width digits and hyphens (e.g. 048-465-6575).")]
    if not _PHONE.match(value):
        return [_("Enter a number such as 048-465-6575.")]
    return []


def postal_code_problems(value: str) -> list[str]:
    value = value.strip()
    if not value:
        return [_("Enter the postal code.")]
    if _FULL_WIDTH_DIGIT.search(value):
        return [_("Enter the postal code in half-width digits (e.g. 351-0104).")]
    if not _POSTAL.match(value):
        return [_("Enter a postal code such as 351-0104.")]
    return []


def login_id_problems(value: str) -> list[str]:
    """Login IDs: 4–32 half-width lower-case letters, digits, '.', '_' or '-'."""
    if not _LOGIN_ID.match(value):
        return [
            _(
                "Use 4 to 32 half-width lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter or digit."
            )
        ]
    return []


def normalise_email(value: str) -> str:
    return value.strip().lower()
