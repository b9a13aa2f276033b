"""Password policy presets (R2.2, R2.3): named bundles of existing policy settings.

A preset sets several settings at once, through the same audited change as the policy form.
Each names its source, and carries example passwords it must accept and refuse; the tests
check every example against ``renkei.accounts.passwords.password_problems``.

Sources:
- 医療情報システムの安全管理に関するガイドライン 第6.0版 (厚生労働省, 2023), Q&A シQ-54 on
  システム運用編 14章⑥: a) 13 characters or more mixing letters, digits and symbols; b) 8 or
  more changed periodically, at most every two months; c) with two-factor authentication, 8 or
  more. Its Q&A also says periodic change is not required for long random passwords.
- NIST SP 800-63B-4 (August 2025), 3.1.1.2 Password verifiers: at least 15 characters when the
  password is the only factor, at least 8 when it is part of multi-factor authentication; no
  other composition rules (SHALL NOT); no periodic change (SHALL NOT); a maximum length of at
  least 64 SHOULD be permitted; every new password SHALL be checked against a blocklist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renkei.policy.definitions import BY_KEY, Policy

# The settings a preset speaks about; others (history, timeouts...) stay as the region set them.
PRESET_KEYS = (
    "password_min_length",
    "password_require_letters_and_digits",
    "password_rotation_days",
    "password_check_common",
    "two_factor_required",
)


@dataclass(frozen=True)
class Preset:
    """A named bundle of password settings with its source and its examples."""

    key: str
    label: str | Promise
    source: str | Promise
    summary: str | Promise
    values: dict[str, Any]
    accepts: tuple[str, ...] = field(default=())
    refuses: tuple[str, ...] = field(default=())

    def matches(self, policy: Policy) -> bool:
        """Whether every setting of the preset has its value in ``policy``."""
        return all(getattr(policy, key) == value for key, value in self.values.items())

    def describe(self) -> list[tuple[str, str]]:
        """(setting label, value in words) for each setting of the preset."""
        rows = []
        for key, value in self.values.items():
            setting = BY_KEY[key]
            if isinstance(value, bool):
                text = str(_("Yes") if value else _("No"))
            elif setting.choices:
                text = str(dict(setting.choices)[value])
            else:
                text = str(value)
            rows.append((str(setting.label), text))
        return rows


PRESETS: tuple[Preset, ...] = (
    Preset(
        key="seed_rotation",
        label=_("Region's default: 8+ letters and digits, changed every 60 days"),
        source=_("Operating rules (R2.2); guideline 6.0 Q&A Q-54 b"),
        summary=_(
            "At least 8 characters mixing letters and digits, changed at least every two months."
        ),
        values={
            "password_min_length": 8,
            "password_require_letters_and_digits": True,
            "password_rotation_days": 60,
            "password_check_common": True,
        },
        accepts=("Kango2026x", "tsubame8mado", "7hikari-no-mori"),
        refuses=("Ab12345", "abcdefghij", "1234567890", "password1", "Renkei2026"),
    ),
    Preset(
        key="guideline_long",
        label=_("13+ characters, no rotation"),
        source=_("Guideline 6.0 Q&A Q-54 a"),
        summary=_(
            "At least 13 characters mixing letters and digits (symbols recommended); no "
            "periodic change, because a long password that does not leak need not be replaced."
        ),
        values={
            "password_min_length": 13,
            "password_require_letters_and_digits": True,
            "password_rotation_days": 0,
            "password_check_common": True,
        },
        accepts=("hoshizora-2026-kaze", "Nagareboshi7ya", "3kaku-no-yane-umi"),
        refuses=("Kango2026x", "tsubamenomado-yuki", "1234567890123", "password12345"),
    ),
    Preset(
        key="guideline_two_factor",
        label=_("8+ characters with two-factor sign-in for everyone, no rotation"),
        source=_("Guideline 6.0 Q&A Q-54 c"),
        summary=_(
            "Everyone signs in with a second factor (an authenticator app or a passkey), so "
            "the password is one of two factors: at least 8 characters mixing letters and "
            "digits, with no periodic change."
        ),
        values={
            "password_min_length": 8,
            "password_require_letters_and_digits": True,
            "password_rotation_days": 0,
            "password_check_common": True,
            "two_factor_required": "everyone",
        },
        accepts=("Kango2026x", "tsubame8mado"),
        refuses=("Ab12345", "tsubamemado", "12345678", "asaka2026"),
    ),
    Preset(
        key="nist_single_factor",
        label=_("NIST SP 800-63B-4: 15+ characters, no composition rules, no rotation"),
        source=_("NIST SP 800-63B-4 (2025), 3.1.1.2"),
        summary=_(
            "For members who sign in with the password alone: at least 15 characters, any "
            "mix of characters, no periodic change, and every new password checked against "
            "the list of common passwords."
        ),
        values={
            "password_min_length": 15,
            "password_require_letters_and_digits": False,
            "password_rotation_days": 0,
            "password_check_common": True,
        },
        accepts=("tsubame no mado ni yuki", "hoshizorakazeumi", "kawa-to-yama-to-sora"),
        refuses=("Kango2026xyz", "passwordpassword", "123456789012345", "renkeirenkeirenkei"),
    ),
    Preset(
        key="nist_multi_factor",
        label=_("NIST SP 800-63B-4 with two-factor sign-in for everyone: 8+ characters"),
        source=_("NIST SP 800-63B-4 (2025), 3.1.1.2"),
        summary=_(
            "When the password is only ever used with a second factor: at least 8 characters, "
            "any mix of characters, no periodic change, checked against the list of common "
            "passwords."
        ),
        values={
            "password_min_length": 8,
            "password_require_letters_and_digits": False,
            "password_rotation_days": 0,
            "password_check_common": True,
            "two_factor_required": "everyone",
        },
        accepts=("tsubamemado", "kawa to yama"),
        refuses=("tsubame", "iloveyou", "qwertyuiop", "asakaasaka"),
    ),
)

BY_PRESET: dict[str, Preset] = {preset.key: preset for preset in PRESETS}


def matching_presets(policy: Policy) -> list[Preset]:
    """The presets whose settings are all in force in ``policy`` (most specific first)."""
    found = [preset for preset in PRESETS if preset.matches(policy)]
    return sorted(found, key=lambda preset: -len(preset.values))


def _check_presets() -> None:
    for preset in PRESETS:
        unknown = set(preset.values) - set(BY_KEY)
        if unknown:
            raise RuntimeError(f"Preset {preset.key} names unknown settings: {unknown}")


_check_presets()
