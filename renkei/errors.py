"""Errors that actions and queries raise; views and the API translate them to HTTP.

Messages are translated text meant for the user who caused them.
"""

from __future__ import annotations

import contextvars
from typing import Any

from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request the domain refuses; nothing was changed."""

    status = 400
    code = "invalid"

    def __init__(
        self, message: str | Promise, *, field: str | None = None, rule: str | None = None
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.rule = rule

    def details(self) -> dict[str, Any]:
        """More for the client than the message (e.g. what the R2.6 guard found)."""
        return {}


class NotFound(DomainError, Http404):
    """Missing or not visible to the viewer: the two are never told apart.

    Also an Http404, so that a page view that lets it through answers Django's 404 page.
    """

    status = 404
    code = "not_found"

    def __init__(self, message: str | Promise | None = None) -> None:
        super().__init__(message or _("Not found."))


class Gone(DomainError):
    """The record is there but its stored bytes can no longer be read: the file is missing or the
    key that encrypted it was destroyed (complete deletion)."""

    status = 410
    code = "gone"


class Forbidden(DomainError):
    """The viewer may see the object but not do this to it."""

    status = 403
    code = "forbidden"


class RuleViolation(DomainError):
    """The change would break a rule of the region; ``rule`` names it."""

    status = 409
    code = "rule_violation"


class Throttled(DomainError):
    """Too many attempts; try again later.

    ``retry_after`` is the number of seconds until the client may try again. A page view that
    catches the error and renders a form still answers with the Retry-After header: the error
    notes its wait for the request (renkei.throttle.middleware).
    """

    status = 429
    code = "throttled"

    def __init__(self, message: str | Promise, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        if retry_after is not None:
            note = retry_after_note.get()
            if note is not None:
                note.append(retry_after)


# Set per request by renkei.throttle.middleware: the waits of the Throttled errors raised while
# serving it. A list, so that a view run in another thread or context still reaches it.
retry_after_note: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "renkei_retry_after", default=None
)


class ValidationFailed(DomainError):
    """Input that does not meet the rules; ``errors`` maps fields to messages."""

    status = 422
    code = "validation_failed"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next((m for msgs in errors.values() for m in msgs), "")
        super().__init__(first)
        self.errors = errors
