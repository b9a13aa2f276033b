"""Confirming who is at the keyboard before a sensitive action (R2.3).

A signed-in session may have been left open on a shared computer. Changing the regional policy,
requesting or executing a complete deletion, appointing or revoking admins and exporting data
therefore ask for the password again (and the second factor, when the member has one) unless
the member signed in or confirmed within the policy's ``reauth_minutes``. The time is kept on
the session's own row (``UserSession.confirmed_at``), so another browser's confirmation never
counts for this one.

Pages use the ``require_recent_auth`` decorator, which sends the member to /account/confirm/ and
back; the API and other code call ``ensure_recent_auth(request)``, which raises
``ReauthRequired`` (403, code ``reauth_required``). Failed confirmations count as failed
sign-ins and share their pause.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from renkei.accounts.actions import check_sign_in_pause, count_failed_sign_in
from renkei.accounts.models import Member, SignInAttempt, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.origin import current_origin
from renkei.audit.record import record
from renkei.errors import DomainError, Forbidden, ValidationFailed
from renkei.policy.queries import current_policy

CONFIRM_PATH = "/account/confirm/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = TypeVar("View", bound=Callable[..., HttpResponse])


class ReauthRequired(DomainError):
    """The action needs a recent sign-in or confirmation of the password."""

    status = 403
    code = "reauth_required"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "For this action, confirm your password again. "
                "It has been too long since you signed in or last confirmed."
            )
        )

    def details(self) -> dict[str, Any]:
        return {"confirm_url": CONFIRM_PATH, "confirm_api": "/api/v1/me/confirm"}


def needs_second_factor(member: Member) -> bool:
    """Whether the member has a second factor to give as well; without the two-factor app
    installed, nobody has."""
    try:
        from renkei.twofactor.queries import has_second_factor
    except ImportError:
        return False
    return bool(has_second_factor(member))


def _verify_second_factor(member: Member, code: str) -> bool:
    try:
        from renkei.twofactor.actions import verify_second_factor
    except ImportError:
        return False
    return bool(verify_second_factor(member, code))


def current_session(request: HttpRequest) -> UserSession | None:
    """The open UserSession of this request (set by the session guard), if any."""
    session = getattr(request, "user_session", None)
    if isinstance(session, UserSession):
        return session
    key = request.session.session_key if hasattr(request, "session") else None
    if not key:
        return None
    return UserSession.objects.filter(session_key=key, ended_at__isnull=True).first()


def is_recent(session: UserSession | None) -> bool:
    """Whether the session's last sign-in or confirmation is within ``reauth_minutes``."""
    if session is None or session.ended_at is not None:
        return False
    window = timedelta(minutes=current_policy().reauth_minutes)
    return timezone.now() - session.confirmed_at <= window


def ensure_recent_auth(request: HttpRequest) -> None:
    """Raise ReauthRequired unless this request's session was confirmed recently (R2.3)."""
    if not is_recent(current_session(request)):
        raise ReauthRequired()


def _return_path(request: HttpRequest) -> str:
    """Where to come back after confirming: this page for a GET; for a form sent by POST, the
    page the form was on (when it is on this site), since a POST cannot be repeated by a link."""
    if request.method in SAFE_METHODS:
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return "/"


def confirm_url(next_path: str) -> str:
    """The confirmation page, returning to ``next_path``."""
    return f"{CONFIRM_PATH}?{urlencode({'next': next_path})}"


def require_recent_auth(view: View | None = None, *, on_read: bool = False) -> Any:
    """View decorator: unsafe requests (and reads too with ``on_read=True``) of a session not
    confirmed within ``reauth_minutes`` go to the confirmation page first, nothing changed."""

    def decorate(func: View) -> View:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            checked = on_read or request.method not in SAFE_METHODS
            signed_in = request.user.is_authenticated
            if checked and signed_in and not is_recent(current_session(request)):
                messages.info(
                    request,
                    _(
                        "For your security, confirm your password before this action. "
                        "Nothing has been changed yet; after confirming, send it again."
                    ),
                )
                return redirect(confirm_url(_return_path(request)))
            return func(request, *args, **kwargs)

        return cast(View, wrapper)

    if view is not None:
        return decorate(view)
    return decorate


def confirm_identity(
    member: Member, *, session: UserSession | None, password: str, code: str = ""
) -> UserSession:
    """Confirm the signed-in member's password (and second factor when they have one) for the
    current session; it then counts as recent for ``reauth_minutes``.

    Paused like sign-in after too many failures, and each failure counts as a failed sign-in.
    Audits REAUTHENTICATED or REAUTH_FAILED.
    """
    if session is None or session.member_id != member.pk or session.ended_at is not None:
        raise Forbidden(_("Your session has ended. Please sign in again."))
    login_id = (member.login_id or "").lower()
    check_sign_in_pause(login_id, member)
    errors: dict[str, list[str]] = {}
    if not password:
        errors["password"] = [_("Enter your password.")]
    elif not member.check_password(password):
        errors["password"] = [_("The password is incorrect.")]
    elif needs_second_factor(member):
        code = code.strip().replace(" ", "")
        if not code:
            errors["code"] = [_("Enter the code from your authenticator app or a recovery code.")]
        elif not _verify_second_factor(member, code):
            errors["code"] = [_("The code is incorrect or has expired.")]
    if errors:
        if ("password" in errors and password) or ("code" in errors and code):
            count_failed_sign_in(login_id, member, AuditAction.REAUTH_FAILED)
        raise ValidationFailed(errors)
    now = timezone.now()
    with transaction.atomic():
        UserSession.objects.filter(pk=session.pk).update(confirmed_at=now)
        # Only this address's failures are forgiven: another address that failed stays paused.
        SignInAttempt.objects.filter(login_id=login_id, ip=current_origin().ip).delete()
        record(
            AuditAction.REAUTHENTICATED,
            actor=member,
            object_type="session",
            object_id=session.pk,
        )
    session.confirmed_at = now
    return session
