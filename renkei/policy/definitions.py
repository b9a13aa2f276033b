"""The settings of the regional policy, each with its default and the rule it serves.

This module is the single place that says what the region may tune. Defaults follow the seed
(朝霞地区 MCS 運用ルール); where the seed only recommends, the region may change the value.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Setting:
    """One tunable setting of the regional policy."""

    key: str
    rule: str
    label: str | Promise
    kind: type
    default: Any
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    help: str | Promise = ""
    # For str settings with a fixed set of values: (value, label) pairs.
    choices: tuple[tuple[str, str | Promise], ...] = ()


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "password_min_length", "R2.2", _("Minimum password length"), int, 8, minimum=8, maximum=64
    ),
    Setting(
        "password_require_letters_and_digits",
        "R2.2",
        _("Passwords must mix letters and digits"),
        bool,
        True,
    ),
    Setting(
        "password_rotation_days",
        "R2.2",
        _("Password rotation period (days, 0 = no rotation)"),
        int,
        60,
        minimum=0,
        maximum=365,
        help=_("The seed asks for a change at least every two months."),
    ),
    Setting(
        "password_history",
        "R2.2",
        _("Earlier passwords that may not be reused"),
        int,
        5,
        minimum=0,
        maximum=24,
    ),
    Setting(
        "password_check_common",
        "R2.2",
        _("Refuse passwords found in the list of common passwords"),
        bool,
        True,
    ),
    Setting(
        "two_factor_required",
        "R2.3",
        _("Who must sign in with a second factor"),
        str,
        "admins",
        choices=(
            ("none", _("Nobody (members may choose it)")),
            ("admins", _("The secretariat, operators and facility admins")),
            ("everyone", _("Everyone")),
        ),
        help=_("Members who are not required may still enrol an authenticator app or a passkey."),
    ),
    Setting(
        "session_idle_minutes",
        "R2.3",
        _("Idle session timeout (minutes)"),
        int,
        30,
        minimum=5,
        maximum=720,
    ),
    Setting(
        "session_absolute_hours",
        "R2.3",
        _("Longest session, however active (hours)"),
        int,
        12,
        minimum=1,
        maximum=720,
    ),
    Setting(
        "reauth_minutes",
        "R2.3",
        _("Re-authentication before sensitive actions is valid for (minutes)"),
        int,
        10,
        minimum=1,
        maximum=120,
        help=_(
            "Policy changes, complete deletion, appointing admins and exports ask for the "
            "password again when the last sign-in or confirmation is older than this."
        ),
    ),
    Setting(
        "signin_failures_per_account",
        "R2.3",
        _("Failed sign-ins per account before it is paused"),
        int,
        5,
        minimum=3,
        maximum=100,
    ),
    Setting(
        "signin_failures_per_address",
        "R2.3",
        _("Failed sign-ins per source address before it is paused"),
        int,
        20,
        minimum=5,
        maximum=1000,
    ),
    Setting(
        "signin_pause_minutes",
        "R2.3",
        _("Pause after too many failed sign-ins (minutes)"),
        int,
        15,
        minimum=1,
        maximum=1440,
    ),
    Setting(
        "reset_requests_per_account_hour",
        "R2.3",
        _("Password reset requests per account per hour"),
        int,
        3,
        minimum=1,
        maximum=100,
    ),
    Setting(
        "reset_requests_per_address_hour",
        "R2.3",
        _("Password reset requests per source address per hour"),
        int,
        20,
        minimum=1,
        maximum=1000,
    ),
    Setting(
        "posts_per_minute",
        "R2.3",
        _("Posts per member per minute"),
        int,
        30,
        minimum=1,
        maximum=1000,
    ),
    Setting(
        "posts_per_minute_address",
        "R2.3",
        _("Posts per source address per minute"),
        int,
        300,
        minimum=1,
        maximum=10000,
    ),
    Setting(
        "searches_per_minute",
        "R2.3",
        _("Searches per member per minute"),
        int,
        30,
        minimum=1,
        maximum=1000,
    ),
    Setting(
        "searches_per_minute_address",
        "R2.3",
        _("Searches per source address per minute"),
        int,
        300,
        minimum=1,
        maximum=10000,
    ),
    Setting(
        "uploads_per_hour",
        "R2.3",
        _("File uploads per member per hour"),
        int,
        120,
        minimum=1,
        maximum=10000,
    ),
    Setting(
        "uploads_per_hour_address",
        "R2.3",
        _("File uploads per source address per hour"),
        int,
        1000,
        minimum=1,
        maximum=100000,
    ),
    Setting(
        "activation_link_hours",
        "R1.1",
        _("Validity of an account activation link (hours)"),
        int,
        72,
        minimum=1,
        maximum=720,
    ),
    Setting(
        "reset_link_minutes",
        "R2.1",
        _("Validity of a password reset link (minutes)"),
        int,
        60,
        minimum=10,
        maximum=1440,
    ),
    Setting(
        "post_max_chars",
        "R2.6",
        _("Longest post (characters)"),
        int,
        20000,
        minimum=500,
        maximum=100000,
    ),
    Setting(
        "attachment_max_mb",
        "R2.3",
        _("Largest file attachment (MB)"),
        int,
        20,
        minimum=1,
        maximum=100,
    ),
    Setting(
        "image_max_mb",
        "R2.3",
        _("Largest photo before re-encoding (MB)"),
        int,
        15,
        minimum=1,
        maximum=50,
    ),
    Setting(
        "attachments_per_post",
        "R2.3",
        _("Attachments per post"),
        int,
        10,
        minimum=1,
        maximum=30,
    ),
    Setting(
        "archive_candidate_days",
        "R3.5",
        _("Days without activity before a patient group is an archive candidate"),
        int,
        90,
        minimum=7,
        maximum=3650,
        help=_(
            "The secretariat's compliance overview lists active patient groups with no post "
            "for this long, so their admins can move them to the archive in good time."
        ),
    ),
    Setting(
        "education_interval_months",
        "R2.9",
        _("Education interval for staff (months)"),
        int,
        12,
        minimum=1,
        maximum=60,
        help=_(
            "Staff who have not attended an education session for this long (counted from "
            "their registration when they never have) are listed as overdue."
        ),
    ),
    Setting(
        "secretariat_name",
        "R1.3",
        _("Secretariat: name"),
        str,
        "（一社）朝霞地区医師会 地域包括ケア支援室",
    ),
    Setting(
        "secretariat_address",
        "R1.3",
        _("Secretariat: address"),
        str,
        "〒351-0104 埼玉県和光市南1-23-1 和光市総合福祉会館2階",
    ),
    Setting("secretariat_tel", "R1.3", _("Secretariat: telephone"), str, "048-465-6575"),
    Setting("secretariat_email", "R1.3", _("Secretariat: e-mail"), str, "kyoten@asakamed.com"),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Policy:
    """The policy in force: defaults overlaid with what the secretariat has changed."""

    password_min_length: int
    password_require_letters_and_digits: bool
    password_rotation_days: int
    password_history: int
    password_check_common: bool
    two_factor_required: str
    session_idle_minutes: int
    session_absolute_hours: int
    reauth_minutes: int
    signin_failures_per_account: int
    signin_failures_per_address: int
    signin_pause_minutes: int
    reset_requests_per_account_hour: int
    reset_requests_per_address_hour: int
    posts_per_minute: int
    posts_per_minute_address: int
    searches_per_minute: int
    searches_per_minute_address: int
    uploads_per_hour: int
    uploads_per_hour_address: int
    activation_link_hours: int
    reset_link_minutes: int
    post_max_chars: int
    attachment_max_mb: int
    image_max_mb: int
    attachments_per_post: int
    archive_candidate_days: int
    education_interval_months: int
    secretariat_name: str
    secretariat_address: str
    secretariat_tel: str
    secretariat_email: str

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Policy:
        """Build the policy from stored values, falling back to defaults for the rest."""
        merged = {s.key: values.get(s.key, s.default) for s in SETTINGS}
        return cls(**merged)


def _check_definitions() -> None:
    names = {f.name for f in fields(Policy)}
    if names != set(BY_KEY):
        raise RuntimeError(f"Policy fields and SETTINGS differ: {names ^ set(BY_KEY)}")


_check_definitions()
