"""The consent status block of a patient group's page (R3.2)."""

from __future__ import annotations

from typing import Any

from django import template

from renkei import authz
from renkei.consents.queries import consent_status

register = template.Library()


@register.inclusion_tag("consents/_status.html", takes_context=True)
def consent_block(context: dict[str, Any], space: Any, membership: Any) -> dict[str, Any]:
    """同意書未登録 / 同意済み / 撤回, with links for those who manage consent."""
    viewer = context["request"].user
    return {
        "space": space,
        "status": consent_status(space),
        "may_manage": authz.may_manage_consent(viewer, space, membership),
    }
