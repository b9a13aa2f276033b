"""Page hardening: a Content-Security-Policy with a fresh nonce per request, the browser
features no page of this site needs turned off, and no cached copies of signed-in pages.

Django has no Content-Security-Policy of its own. Pages load scripts and stylesheets only from
this site; a ``<script>`` element runs only with the request's nonce (``{{ csp_nonce }}`` in
templates, ``request.csp_nonce`` in views), so markup injected into a page cannot run script,
and inline ``style=""`` attributes and event handlers are refused. A response that sets its own
policy (served files, which run in a sandbox) keeps it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
# The photo form's file chooser may open the camera (capture="environment"), a same-site use;
# nothing else here needs a device or a sensor. WebAuthn keeps its default (this site only).
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "hid=()",
        "midi=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
        "display-capture=()",
        "browsing-topics=()",
    ]
)


def new_nonce() -> str:
    """A random, unguessable nonce: 128 bits, base64url."""
    return secrets.token_urlsafe(16)


def _live_origins(request: HttpRequest) -> list[str]:
    """The WebSocket origins of this site. CSP Level 3 lets 'self' match ws:/wss: on the same
    host, but older browsers do not, so the origin is named."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return []
    return [f"{'wss' if request.is_secure() else 'ws'}://{host}"]


def policy(request: HttpRequest, nonce: str) -> str:
    """The page policy for ``request`` with ``nonce``."""
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'", f"'nonce-{nonce}'"]),
        ("style-src", ["'self'"]),
        # QR codes for enrolling a second factor may be data: or blob: images.
        ("img-src", ["'self'", "data:", "blob:"]),
        ("font-src", ["'self'"]),
        ("connect-src", ["'self'", *_live_origins(request)]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'none'"]),
        ("form-action", ["'self'"]),
        ("frame-ancestors", ["'none'"]),
    ]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives)


class ContentSecurityPolicyMiddleware:
    """Give each request a nonce and each response the page policy and Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = new_nonce()
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        # A served file sets a stricter policy of its own (a sandbox): it is kept.
        if HEADER not in response:
            response[HEADER] = policy(request, nonce)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        # Nothing of this site is for other sites to load (a page, a script, an API answer).
        if "Cross-Origin-Resource-Policy" not in response:
            response["Cross-Origin-Resource-Policy"] = "same-origin"
        # What a signed-in member sees is about patients: no cache, shared or the browser's own,
        # keeps a copy (a shared computer at a facility). Responses that decide for themselves
        # (served files, static files) keep their own.
        user = getattr(request, "user", None)
        if "Cache-Control" not in response and user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response


def csp_nonce(request: HttpRequest) -> dict[str, str]:
    """Template context: ``csp_nonce`` for ``<script nonce="{{ csp_nonce }}">``."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
