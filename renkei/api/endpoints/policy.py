"""The regional policy: every setting with the rule it serves; changed by the secretariat."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Field, Router, Schema

from renkei.accounts.reauth import ensure_recent_auth
from renkei.api.schemas import PolicySettingOut, PolicyValueIn
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.authz import may_change_policy
from renkei.policy.actions import apply_preset, change_policy
from renkei.policy.definitions import SETTINGS, Policy
from renkei.policy.presets import PRESETS
from renkei.policy.queries import current_policy

router = Router(tags=["policy"])


def settings_out(policy: Policy) -> list[PolicySettingOut]:
    """Each setting with its value in ``policy`` and its default, in definition order."""
    return [
        PolicySettingOut(
            key=s.key,
            rule=s.rule,
            label=str(s.label),
            kind=s.kind.__name__,
            value=getattr(policy, s.key),
            default=s.default,
            minimum=s.minimum,
            maximum=s.maximum,
        )
        for s in SETTINGS
    ]


@router.get("/policy", response={200: list[PolicySettingOut], **errors(401, 403)})
def get_policy(request: HttpRequest) -> list[PolicySettingOut]:
    """The regional policy in force, for any member."""
    member_of(request)
    return settings_out(current_policy())


@router.patch("/policy", response={200: list[PolicySettingOut], **errors(401, 403, 422)})
def patch_policy(
    request: HttpRequest, payload: Body[dict[str, PolicyValueIn]]
) -> list[PolicySettingOut]:
    """Change settings, given as ``{key: value}`` (the secretariat). Every change is audited
    with its old and new value; if any value is invalid nothing is changed."""
    actor = member_of(request)
    if may_change_policy(actor):  # others are refused by the action, confirmed or not
        ensure_recent_auth(request)
    return settings_out(change_policy(actor, changes=payload))


class PresetOut(Schema):
    key: str
    label: str
    source: str = Field(description="The guideline item or standard the preset follows.")
    summary: str
    values: dict[str, Any] = Field(description="The settings the preset sets, {key: value}.")
    matches: bool = Field(description="True when every setting of the preset is in force.")


def presets_out(policy: Policy) -> list[PresetOut]:
    """Every password preset, and whether ``policy`` matches it."""
    return [
        PresetOut(
            key=preset.key,
            label=str(preset.label),
            source=str(preset.source),
            summary=str(preset.summary),
            values=dict(preset.values),
            matches=preset.matches(policy),
        )
        for preset in PRESETS
    ]


@router.get("/policy/presets", response={200: list[PresetOut], **errors(401, 403)})
def list_policy_presets(request: HttpRequest) -> list[PresetOut]:
    """The password presets (R2.2): named bundles of settings from the guideline for medical
    information systems (6.0) and NIST SP 800-63B-4, each marked when the policy matches it."""
    member_of(request)
    return presets_out(current_policy())


@router.post("/policy/presets/{key}", response={200: list[PresetOut], **errors(401, 403, 422)})
def apply_policy_preset(request: HttpRequest, key: str) -> list[PresetOut]:
    """Set every setting of one preset at once (the secretariat, after a recent sign-in or
    confirmation); audited like any policy change. An unknown key answers 422."""
    actor = member_of(request)
    if may_change_policy(actor):
        ensure_recent_auth(request)
    return presets_out(apply_preset(actor, key=key))
