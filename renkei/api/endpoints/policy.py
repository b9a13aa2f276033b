"""The regional policy: every setting with the rule it serves; changed by the secretariat."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Body, Router

from renkei.api.schemas import PolicySettingOut, PolicyValueIn
from renkei.api.security import member_of
from renkei.api.status import errors
from renkei.policy.actions import change_policy
from renkei.policy.definitions import SETTINGS, Policy
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
    return settings_out(change_policy(member_of(request), changes=payload))
