"""Reading the policy in force.

A request reads the policy once: the first read is remembered for the rest of the request
(``PolicyPerRequestMiddleware`` opens and closes that memo). Nothing outlives the request, so
a change made by another worker process is seen by that process's next request; a change made
during the request itself (``change_policy``) forgets the memo. Outside a request (commands,
live connections, tests calling actions) every read goes to the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import QuerySet

from renkei.policy.definitions import BY_KEY, Policy
from renkei.policy.models import PolicyValue
from renkei.prepared import prepared


class _Memo:
    """The current request's remembered policy, and whether remembering is on."""

    __slots__ = ("policy", "suspended")

    def __init__(self) -> None:
        self.policy: Policy | None = None
        # After a change, until its transaction commits: a rolled-back change must not be
        # remembered, and Django says nothing on rollback, so nothing is kept until commit.
        self.suspended = False

    def resume(self) -> None:
        self.suspended = False


# The current request's memo: None outside a request.
_memo: ContextVar[_Memo | None] = ContextVar("renkei_policy_memo", default=None)


@prepared
def _values() -> QuerySet[PolicyValue, tuple[str, object]]:
    return PolicyValue.objects.values_list("key", "value")


def _read() -> Policy:
    values = {k: v for k, v in _values.all() if k in BY_KEY}
    return Policy.from_values(values)


def current_policy() -> Policy:
    """The regional policy in force now (one small query per request; values change rarely)."""
    memo = _memo.get()
    if memo is None or memo.suspended:
        return _read()
    if memo.policy is None:
        memo.policy = _read()
    return memo.policy


def forget_policy() -> None:
    """Drop the current request's remembered policy after a change: it is read anew from now
    on, and remembered again only once the change's transaction has committed."""
    memo = _memo.get()
    if memo is None:
        return
    memo.policy = None
    memo.suspended = True
    transaction.on_commit(memo.resume)


@contextmanager
def policy_per_request() -> Iterator[None]:
    """Remember the policy read first within the block (one request), and only there."""
    token = _memo.set(_Memo())
    try:
        yield
    finally:
        _memo.reset(token)
