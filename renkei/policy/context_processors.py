"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from renkei.policy.queries import current_policy


def region(request: HttpRequest) -> dict[str, Any]:
    """The secretariat's contact, shown on every page (R1.3)."""
    policy = current_policy()
    return {
        "secretariat": {
            "name": policy.secretariat_name,
            "address": policy.secretariat_address,
            "tel": policy.secretariat_tel,
            "email": policy.secretariat_email,
        }
    }
