"""The answers every operation can give whatever its handler does, added to the OpenAPI
description so that it documents what the API really answers (schema fuzzing checks it).

They come from layers in front of the handlers, the same for every operation:

- 401 ``not_authenticated``: an operation that needs a session, without one (or with one that
  ended, was idle too long or outlived its lifetime);
- 403: for any signed-in request, a password older than the policy allows
  (``password_expired``) or a second factor the policy requires and the member has not set up
  (``second_factor_required``); for POST, PUT, PATCH and DELETE also a missing or wrong CSRF
  token (``csrf_failed``);
- 422 ``validation_failed``: a path or query parameter, or a body field, that is not of the
  documented type;
- 400 ``bad_request``: a JSON body that cannot be parsed.
"""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
METHODS = ("get", "post", "put", "patch", "delete")

DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "Sign in first: no session, or the session has ended.",
    403: "Refused: the CSRF token is missing or wrong, the password has expired, a second "
    "factor must be set up first, or the member may not do this.",
    422: "A parameter or field is not valid.",
}


def _answer(code: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": dict(ERROR_REF)}},
    }


def add_common_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to each operation of ``schema`` the error answers it can give in front of its
    handler, leaving the answers it already documents as they are."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            codes = {403}
            if operation.get("security"):
                codes.add(401)
            if operation.get("parameters") or operation.get("requestBody"):
                codes.add(422)
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                codes.add(400)
            # ninja keys the answers by number; a description read back from JSON by text.
            documented = {int(code) for code in responses}
            for code in sorted(codes - documented):
                responses[code] = _answer(code)
    return schema
