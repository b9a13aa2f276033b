"""``{% deletion_block space membership %}``: the patient group page's block for admins to
ask for complete deletion (R3.5); empty for everyone else."""

from __future__ import annotations

from typing import Any

from django import template

from renkei.accounts.models import Member
from renkei.erasure import queries
from renkei.spaces.models import Membership, Space

register = template.Library()


@register.inclusion_tag("erasure/_block.html", takes_context=True)
def deletion_block(
    context: dict[str, Any], space: Space, membership: Membership | None = None
) -> dict[str, Any]:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if not isinstance(viewer, Member) or not queries.may_request_here(viewer, space, membership):
        return {"show": False}
    return {
        "show": True,
        "space": space,
        "open_request": queries.open_request(viewer, space),
    }
