"""One read of the regional policy per request (see renkei.policy.queries)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from renkei.policy.queries import policy_per_request


class PolicyPerRequestMiddleware:
    """Open the request's policy memo before the guards read the policy; close it after."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with policy_per_request():
            return self.get_response(request)
