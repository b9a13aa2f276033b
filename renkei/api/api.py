"""The NinjaAPI mounted at /api/v1: session-cookie auth with CSRF, one error shape, OpenAPI."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from renkei.api import errors
from renkei.api.documented import add_common_answers
from renkei.api.endpoints import (
    applications,
    audit,
    consents,
    devices,
    erasure,
    facilities,
    governance,
    me,
    notifications,
    policy,
    search,
    sessions,
    spaces,
    timeline,
    twofactor,
)
from renkei.api.renderers import FastJSONRenderer
from renkei.api.security import MemberSession

DESCRIPTION = """\
The JSON API of Renkei, a care coordination network for home medical and long-term care.

Sign in through the web sign-in page; the API then reads the session cookie. POST, PATCH and
DELETE also need the CSRF token: `GET /me` sets the `csrftoken` cookie, whose value goes in the
`X-CSRFToken` header. Objects are named by their public UUIDs.

Errors answer `{"detail", "code"}`, with `errors` (field → messages) for `validation_failed`
(422) and `rule` (a rule id such as R2.8) for `rule_violation` (409). Messages follow the
`Accept-Language` header; Japanese by default.
"""


class RenkeiAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # Stable, readable ids that do not change when a module moves.
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        # The answers of the layers in front of every handler (sessions, CSRF, validation).
        return add_common_answers(super().get_openapi_schema(**kwargs))


api = RenkeiAPI(
    title="Renkei API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=MemberSession(),
    renderer=FastJSONRenderer(),
)
errors.install(api)
api.add_router("", me.router)
api.add_router("", sessions.router)
api.add_router("", facilities.router)
api.add_router("", applications.router)
api.add_router("", policy.router)
api.add_router("", audit.router)
api.add_router("", spaces.router)
api.add_router("", governance.router)
api.add_router("", timeline.router)
api.add_router("", search.router)
api.add_router("", notifications.router)
api.add_router("", consents.router)
api.add_router("", erasure.router)
api.add_router("", devices.router)
api.add_router("", twofactor.router)
