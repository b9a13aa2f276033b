"""Rate-limited answers over HTTP: a 429 page for a page view that lets Throttled through, and the
Retry-After header on every 429 answer, pages and API alike (R2.3)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from renkei.errors import Throttled, retry_after_note


class RetryAfterMiddleware:
    """Notes the waits of the Throttled errors raised while serving a request and answers them.

    Views that catch a DomainError and show its message on their form answer 429 themselves;
    this adds the header they do not know about. A page view that does not catch Throttled gets
    the "please wait" page instead of a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        waits: list[int] = []
        token = retry_after_note.set(waits)
        try:
            response = self.get_response(request)
        finally:
            retry_after_note.reset(token)
        if response.status_code == Throttled.status and waits and "Retry-After" not in response:
            response["Retry-After"] = str(max(waits))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Throttled):
            return None
        response = render(
            request, "throttle/throttled.html", {"message": exception.message}, status=429
        )
        if exception.retry_after is not None:
            response["Retry-After"] = str(exception.retry_after)
        return response
