"""Where the current request comes from, for the audit trail.

Set by OriginMiddleware for each request; commands and tests run as "system" unless they set it.
A context variable follows the request into threads and tasks that asgiref starts for it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str | None
    user_agent: str


SYSTEM = Origin(ip=None, user_agent="system")
_current: contextvars.ContextVar[Origin] = contextvars.ContextVar("renkei_origin", default=SYSTEM)


def current_origin() -> Origin:
    """The origin of the request being served, or SYSTEM outside a request."""
    return _current.get()


@contextmanager
def origin_of(origin: Origin) -> Iterator[None]:
    """Run a block as coming from ``origin``."""
    token = _current.set(origin)
    try:
        yield
    finally:
        _current.reset(token)


def set_origin(origin: Origin) -> contextvars.Token[Origin]:
    return _current.set(origin)


def reset_origin(token: contextvars.Token[Origin]) -> None:
    _current.reset(token)
