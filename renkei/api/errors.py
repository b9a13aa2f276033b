"""How the API answers errors: one JSON shape for domain errors, bad input and missing sessions.

Every error body is ``{"detail": message, "code": code}``, plus ``errors`` (field → messages)
for input that does not meet the rules and ``rule`` (a RULES.md id) for a refused rule. Messages
are in the request's language (Japanese unless the client asks for English).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

from renkei.errors import DomainError, ValidationFailed

if TYPE_CHECKING:
    from ninja import NinjaAPI


class CsrfFailed(DomainError):
    """An unsafe request with a session cookie but without the matching CSRF token."""

    status = 403
    code = "csrf_failed"


class UnsupportedMediaType(DomainError):
    """The body is not JSON (the API reads JSON only)."""

    status = 415
    code = "unsupported_media_type"


def error_body(
    detail: str,
    code: str,
    *,
    errors: dict[str, list[str]] | None = None,
    rule: str | None = None,
) -> dict[str, Any]:
    """The JSON body of every error answer."""
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors is not None:
        body["errors"] = errors
    if rule is not None:
        body["rule"] = rule
    return body


def field_name(loc: Sequence[str | int]) -> str:
    """A field path as the domain's own errors name fields: objects joined with ``_`` and list
    positions with ``-`` (``manager_name``, ``users-0-email``)."""
    name = ""
    previous: str | int | None = None
    for part in loc:
        if previous is None:
            name = str(part)
        elif isinstance(part, int) or isinstance(previous, int):
            name = f"{name}-{part}"
        else:
            name = f"{name}_{part}"
        previous = part
    return name or "body"


def _message(error: dict[str, Any]) -> str:
    """A pydantic error type in words the user can act on, in the active language."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Choose yes or no.")
    if kind.startswith("date_"):
        return _("Enter a date such as 2026-04-01.")
    if kind.startswith("datetime_"):
        return _("Enter a date and time such as 2026-04-01T09:00:00+09:00.")
    if kind.startswith("uuid_"):
        return _("Enter a valid ID.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of the listed values.")
    if kind == "string_type":
        return _("Enter text.")
    if kind == "string_too_long":
        return _("Use at most %(n)d characters.") % {"n": int(ctx.get("max_length", 0))}
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Enter %(n)s or more.") % {"n": ctx.get("ge", ctx.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Enter %(n)s or less.") % {"n": ctx.get("le", ctx.get("lt", ""))}
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Send an object with the documented fields.")
    if kind == "list_type":
        return _("Send a list.")
    if kind == "extra_forbidden":
        return _("This field is not part of the request.")
    return _("Enter a valid value.")


def request_errors(raw: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Pydantic's errors for a request, keyed by field as the domain keys its own."""
    errors: dict[str, list[str]] = {}
    for error in raw:
        loc = list(error.get("loc", ()))
        # ninja prefixes the source (body, query, path) and, for a body, the parameter name.
        if loc and loc[0] in {"body", "query", "path", "header", "cookie", "form"}:
            source = loc.pop(0)
            if source == "body" and loc and isinstance(loc[0], str) and loc[0] == "payload":
                loc.pop(0)
        errors.setdefault(field_name(loc), []).append(_message(error))
    return errors


def install(api: NinjaAPI) -> None:
    """Register the error answers on ``api``."""

    # ninja types a handler's exception as the class or an instance; it passes an instance.
    def domain_error(request: HttpRequest, exc: DomainError | type[DomainError]) -> HttpResponse:
        assert isinstance(exc, DomainError)
        errors = exc.errors if isinstance(exc, ValidationFailed) else None
        body = error_body(exc.message, exc.code, errors=errors, rule=exc.rule)
        body.update(exc.details())
        return api.create_response(request, body, status=exc.status)

    def invalid_request(
        request: HttpRequest, exc: RequestValidationError | type[RequestValidationError]
    ) -> HttpResponse:
        assert isinstance(exc, RequestValidationError)
        errors = request_errors(exc.errors)
        first = next((m for msgs in errors.values() for m in msgs), "")
        body = error_body(first, ValidationFailed.code, errors=errors)
        return api.create_response(request, body, status=ValidationFailed.status)

    def not_authenticated(
        request: HttpRequest, exc: AuthenticationError | type[AuthenticationError]
    ) -> HttpResponse:
        body = error_body(_("Sign in first."), "not_authenticated")
        return api.create_response(request, body, status=401)

    def http_error(request: HttpRequest, exc: HttpError | type[HttpError]) -> HttpResponse:
        assert isinstance(exc, HttpError)
        # ninja raises these itself, e.g. for a body that is not JSON.
        if exc.status_code == 400:
            body = error_body(_("The request body is not valid JSON."), "bad_request")
        else:
            body = error_body(_("The request could not be handled."), "http_error")
        return api.create_response(request, body, status=exc.status_code)

    api.add_exception_handler(DomainError, domain_error)
    api.add_exception_handler(RequestValidationError, invalid_request)
    api.add_exception_handler(AuthenticationError, not_authenticated)
    api.add_exception_handler(HttpError, http_error)
