"""``/healthz``: answered right after the security headers and the page policy, before the
sessions, the sign-in guards, the locale and the database are touched, so that a load balancer's
probe (or the benchmark's ceiling) costs no query and no session lookup."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEALTH_PATH = "/healthz"


def health_response() -> HttpResponse:
    """The probe's answer: the process is up and serving requests. The headers that the
    middleware it skips would add to any response are set here too."""
    response = HttpResponse("ok", content_type="text/plain")
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """Answer ``/healthz`` without running the rest of the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH:
            return health_response()
        return self.get_response(request)
