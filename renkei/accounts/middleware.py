"""Request guards: where a request comes from, whether its session is still open, and sign-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import gettext as _

from renkei.accounts.actions import expire_idle_session, expire_session_at_lifetime, sign_out
from renkei.accounts.models import Member, UserSession
from renkei.accounts.passwords import password_expired
from renkei.accounts.queries import session_for_key
from renkei.audit.origin import Origin, reset_origin, set_origin
from renkei.devices.actions import touch_device
from renkei.policy.queries import current_policy
from renkei.twofactor.guard import ENROL_PREFIXES
from renkei.twofactor.guard import refresh as refresh_second_factor

# Reachable without signing in.
PUBLIC_PREFIXES = (
    "/signin/",
    "/apply/",
    "/help/",
    "/guide/",
    "/static/",
    "/activate/",
    "/password/reset/",
    "/i18n/",
    "/healthz",
    "/favicon.ico",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/applications",  # POST applies without an account; the API guards the rest itself
)
# Reachable while a password must be changed (R2.2).
PASSWORD_CHANGE_PREFIXES = (
    "/password/change/",
    "/signout/",
    "/static/",
    "/help/",
    "/guide/",
    "/i18n/",
    "/favicon.ico",
)
# last_seen_at is written at most this often, so reading a page is not a write each time.
TOUCH_INTERVAL = timedelta(seconds=60)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, from the configured proxy header or the socket; normalised."""
    raw = ""
    if settings.CLIENT_IP_HEADER:
        raw = request.META.get(settings.CLIENT_IP_HEADER, "").split(",")[0].strip()
    raw = raw or request.META.get("REMOTE_ADDR", "")
    if not raw:
        return None
    try:
        return clean_ipv6_address(raw) if ":" in raw else raw
    except Exception:
        return None


class OriginMiddleware:
    """Make the request's address and user agent known to the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_origin(
            Origin(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])
        )
        try:
            return self.get_response(request)
        finally:
            reset_origin(token)


def signed_out_response(request: HttpRequest, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": message, "code": "signed_out"}, status=401)
    from django.contrib import messages

    messages.info(request, message)
    return redirect(f"/signin/?{urlencode({'next': request.path})}")


class SessionGuardMiddleware:
    """End requests of sessions that were ended elsewhere, idle too long or older than the
    longest lifetime (R1.2, R2.3), and hold members with an expired password at the change
    page (R2.2)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        policy = current_policy()
        request.policy = policy  # type: ignore[attr-defined]
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        session = session_for_key(request.session.session_key or "")
        if session is None or session.ended_at is not None or session.member_id != user.pk:
            logout(request)
            return signed_out_response(request, _("Your session has ended. Please sign in again."))
        now = timezone.now()
        if now - session.created_at > timedelta(hours=policy.session_absolute_hours):
            session.member = user
            expire_session_at_lifetime(session)
            logout(request)
            return signed_out_response(
                request,
                _(
                    "You were signed out because %(n)d hours have passed since you signed in. "
                    "Please sign in again."
                )
                % {"n": policy.session_absolute_hours},
            )
        if now - session.last_seen_at > timedelta(minutes=policy.session_idle_minutes):
            session.member = user
            expire_idle_session(session)
            logout(request)
            return signed_out_response(
                request, _("You were signed out after a period without activity.")
            )
        if now - session.last_seen_at > TOUCH_INTERVAL:
            UserSession.objects.filter(pk=session.pk).update(last_seen_at=now)
            if session.device_id is not None:
                touch_device(device_id=session.device_id)
        request.user_session = session  # type: ignore[attr-defined]
        if password_expired(policy, user) and not request.path.startswith(PASSWORD_CHANGE_PREFIXES):
            message = _("Your password is older than %(n)d days. Change it to continue.") % {
                "n": policy.password_rotation_days
            }
            if _is_api(request):
                return JsonResponse({"detail": message, "code": "password_expired"}, status=403)
            return redirect("accounts:change_password")
        if blocked := second_factor_gate(request, user, policy.two_factor_required):
            return blocked
        return self.get_response(request)


def second_factor_gate(request: HttpRequest, member: Member, setting: str) -> HttpResponse | None:
    """R2.3: end a session that skipped the second step of a member who has a factor, and hold
    a member whom the policy requires to have one, but who has none, at the enrolment page
    (the API answers 403)."""
    state = refresh_second_factor(request.session, member, setting=setting)
    if state.get("bypassed"):
        sign_out(member, session_key=request.session.session_key or "")
        logout(request)
        return signed_out_response(request, _("Your session has ended. Please sign in again."))
    if not state.get("enrol") or request.path.startswith(ENROL_PREFIXES):
        return None
    message = _("Set up two-factor sign-in to continue. Your region requires it for your role.")
    if _is_api(request):
        return JsonResponse({"detail": message, "code": "second_factor_required"}, status=403)
    return redirect("twofactor:overview")


class SignInRequiredMiddleware:
    """Everything but sign-in, application, help and static files needs a signed-in member;
    pages redirect to sign-in and the JSON API answers 401."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated or request.path.startswith(PUBLIC_PREFIXES):
            return self.get_response(request)
        if _is_api(request):
            return JsonResponse(
                {"detail": _("Sign in first."), "code": "not_authenticated"}, status=401
            )
        return redirect(f"/signin/?{urlencode({'next': request.get_full_path()})}")
