"""Changing the regional policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from renkei import authz
from renkei.audit.events import AuditAction
from renkei.audit.record import record
from renkei.errors import Forbidden, ValidationFailed
from renkei.policy.definitions import BY_KEY, Policy, Setting
from renkei.policy.models import PolicyValue
from renkei.policy.queries import current_policy, forget_policy

if TYPE_CHECKING:
    from renkei.accounts.models import Member


def parse_value(setting: Setting, raw: Any) -> Any:
    """Turn form or JSON input into the setting's type, or raise ValidationFailed."""
    if setting.kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "on", "yes"}:
            return True
        if text in {"0", "false", "off", "no", ""}:
            return False
        raise ValidationFailed({setting.key: [_("Choose yes or no.")]})
    if setting.kind is int:
        try:
            value = int(str(raw).strip()) if not isinstance(raw, bool) else None
        except ValueError:
            value = None
        if value is None:
            raise ValidationFailed({setting.key: [_("Enter a whole number.")]})
        if setting.minimum is not None and value < setting.minimum:
            raise ValidationFailed(
                {setting.key: [_("Enter %(n)d or more.") % {"n": setting.minimum}]}
            )
        if setting.maximum is not None and value > setting.maximum:
            raise ValidationFailed(
                {setting.key: [_("Enter %(n)d or less.") % {"n": setting.maximum}]}
            )
        return value
    text = str(raw).strip()
    if setting.choices:
        if text not in {value for value, _label in setting.choices}:
            raise ValidationFailed({setting.key: [_("Choose one of the listed options.")]})
        return text
    if not text:
        raise ValidationFailed({setting.key: [_("This field is required.")]})
    if len(text) > setting.max_length:
        raise ValidationFailed(
            {setting.key: [_("Use at most %(n)d characters.") % {"n": setting.max_length}]}
        )
    if "<" in text or ">" in text:
        raise ValidationFailed({setting.key: [_("The characters < and > cannot be used.")]})
    return text


def change_policy(actor: Member, *, changes: dict[str, Any]) -> Policy:
    """Change policy settings (secretariat only); audits each change with its old and new value.

    All values are validated first; if any is invalid nothing is stored.
    """
    if not authz.may_change_policy(actor):
        raise Forbidden(_("Only the secretariat may change the regional policy."))
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Any] = {}
    for key, raw in changes.items():
        setting = BY_KEY.get(key)
        if setting is None:
            errors[key] = [_("Unknown setting.")]
            continue
        try:
            parsed[key] = parse_value(setting, raw)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        before = current_policy()
        for key, value in parsed.items():
            old = getattr(before, key)
            if old == value:
                continue
            PolicyValue.objects.update_or_create(
                key=key, defaults={"value": value, "updated_by": actor}
            )
            record(
                AuditAction.POLICY_CHANGED,
                actor=actor,
                object_type="policy",
                object_id=key,
                detail={"rule": BY_KEY[key].rule, "old": old, "new": value},
            )
        # The rest of the request reads the new values, and nothing of this change is
        # remembered unless it commits (renkei.policy.queries).
        forget_policy()
        return current_policy()


def apply_preset(actor: Member, *, key: str) -> Policy:
    """Set every setting of one password preset at once (the secretariat, R2.2).

    The same all-or-nothing, audited change as the policy form (POLICY_CHANGED per setting),
    plus POLICY_PRESET_APPLIED naming the preset.
    """
    from renkei.policy.presets import BY_PRESET

    if not authz.may_change_policy(actor):
        raise Forbidden(_("Only the secretariat may change the regional policy."))
    preset = BY_PRESET.get(key)
    if preset is None:
        raise ValidationFailed({"preset": [_("Choose one of the listed presets.")]})
    with transaction.atomic():
        policy = change_policy(actor, changes=dict(preset.values))
        record(
            AuditAction.POLICY_PRESET_APPLIED,
            actor=actor,
            object_type="policy",
            object_id=preset.key,
            detail={"rule": "R2.2", "values": preset.values},
        )
    return policy
