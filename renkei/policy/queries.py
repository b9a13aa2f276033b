"""Reading the policy in force."""

from __future__ import annotations

from renkei.policy.definitions import BY_KEY, Policy
from renkei.policy.models import PolicyValue


def current_policy() -> Policy:
    """The regional policy in force now (one small query; values change rarely)."""
    values = {k: v for k, v in PolicyValue.objects.values_list("key", "value") if k in BY_KEY}
    return Policy.from_values(values)
