"""The account pages: sign-in and out, passwords and activation.

Each view reads the form, calls one action and turns its answer into a page; the rules and
every write live in ``renkei.accounts.actions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import HASH_SESSION_KEY, login, logout
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from renkei.accounts import actions, tokens
from renkei.accounts.backends import MEMBER_BACKEND
from renkei.accounts.forms import (
    ActivateForm,
    ChangePasswordForm,
    ResetConfirmForm,
    ResetRequestForm,
    SignInForm,
)
from renkei.accounts.models import Member, TokenPurpose
from renkei.accounts.passwords import password_expired
from renkei.devices.actions import admit_device
from renkei.devices.browser import read_browser_key, remember_browser
from renkei.errors import DomainError, NotFound, ValidationFailed
from renkei.policy.queries import current_policy
from renkei.twofactor.guard import begin_pending, settle
from renkei.twofactor.queries import has_second_factor

# Status of a page whose form was refused before any action ran (empty or overlong fields).
FORM_INVALID = 400


def _member(request: HttpRequest) -> Member:
    # The middleware lets only signed-in members reach the views that call this.
    user = request.user
    assert isinstance(user, Member)
    return user


def _safe_next(request: HttpRequest, candidate: str) -> str:
    """``candidate`` if it stays on this site, otherwise empty (no open redirect)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _show_errors(form: Form, exc: ValidationFailed) -> None:
    """Put an action's messages next to the fields they are about."""
    for field, problems in exc.errors.items():
        target = field if field in form.fields else None
        for problem in problems:
            form.add_error(target, problem)


def _end_current_session(request: HttpRequest) -> None:
    """Signing in on a browser that is still signed in ends that session first, so no
    UserSession is left open without its Django session."""
    if request.user.is_authenticated:
        actions.sign_out(_member(request), session_key=request.session.session_key or "")
        logout(request)


def _start_session(request: HttpRequest, member: Member, *, second_factor: str = "") -> str:
    """Sign ``member`` in on this browser, tied to its device (R2.3); a browser whose device
    was reported lost or cut off is refused before anything changes (R2.5). Returns the
    browser key for the device cookie. ``second_factor`` names the factor passed at the
    second step ("" when the member has none); the session remembers it (renkei.twofactor)."""
    device, _registered = admit_device(member, browser_key=read_browser_key(request))
    _end_current_session(request)
    login(request, member, backend=MEMBER_BACKEND)
    session_key = request.session.session_key
    assert session_key is not None  # login() has just saved the session under a new key
    actions.open_session(member, session_key=session_key, device_id=device.pk)
    settle(
        request.session,
        member,
        setting=current_policy().two_factor_required,
        method=second_factor,
    )
    return device.browser_key


def _signed_in(request: HttpRequest, url: str, browser_key: str) -> HttpResponse:
    response = redirect(url)
    remember_browser(response, browser_key)
    return response


def _link_invalid(request: HttpRequest, exc: DomainError, *, again_url: str) -> HttpResponse:
    return render(
        request,
        "accounts/link_invalid.html",
        {"message": exc.message, "again_url": again_url},
        status=exc.status,
    )


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in with login ID and password (R2.1); refusals and pauses are shown on the form."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "GET":
        if request.user.is_authenticated:
            return redirect(next_url or "home")
        return render(
            request, "accounts/sign_in.html", {"form": SignInForm(initial={"next": next_url})}
        )
    form = SignInForm(request.POST)
    status = FORM_INVALID
    if form.is_valid():
        try:
            member = actions.authenticate(
                login_id=form.cleaned_data["login_id"],
                password=form.cleaned_data["password"],
                browser_key=read_browser_key(request),
            )
            if has_second_factor(member):
                # No session yet: the second step opens it (renkei.twofactor).
                _end_current_session(request)
                begin_pending(request.session, member, next_url=next_url)
                return redirect("twofactor:verify")
            browser_key = _start_session(request, member)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            return _signed_in(request, next_url or "home", browser_key)
    return render(request, "accounts/sign_in.html", {"form": form}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """End this browser's session."""
    actions.sign_out(_member(request), session_key=request.session.session_key or "")
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("accounts:sign_in")


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the member on every device at once, this one included."""
    actions.sign_out_everywhere(_member(request))
    logout(request)
    messages.success(request, _("You have signed out of every device."))
    return redirect("accounts:sign_in")


@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the page says why when the rotation period forced it (R2.2)."""
    member = _member(request)
    policy = current_policy()
    context = {
        "expired": password_expired(policy, member),
        "rotation_days": policy.password_rotation_days,
    }
    if request.method == "GET":
        form = ChangePasswordForm(policy=policy)
        return render(request, "accounts/change_password.html", {**context, "form": form})
    form = ChangePasswordForm(request.POST, policy=policy)
    status = FORM_INVALID
    if form.is_valid():
        try:
            actions.change_password(
                member,
                current=form.cleaned_data["current"],
                new=form.cleaned_data["new"],
                session_key=request.session.session_key,
            )
        except ValidationFailed as exc:
            _show_errors(form, exc)
            status = exc.status
        else:
            # Django's update_session_auth_hash would give the session a new key, which the
            # session guard would no longer find; the key stays and only the hash follows.
            request.session[HASH_SESSION_KEY] = member.get_session_auth_hash()
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(
        request, "accounts/change_password.html", {**context, "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
def reset_request(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link; the answer is the same whether the address is known or not."""
    if request.method == "GET":
        return render(request, "accounts/reset_request.html", {"form": ResetRequestForm()})
    form = ResetRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/reset_request.html", {"form": form}, status=FORM_INVALID)
    actions.request_password_reset(email=form.cleaned_data["email"])
    return redirect("accounts:reset_sent")


def reset_sent(request: HttpRequest) -> HttpResponse:
    """What everyone sees after asking for a reset link."""
    return render(
        request, "accounts/reset_sent.html", {"minutes": current_policy().reset_link_minutes}
    )


@require_http_methods(["GET", "POST"])
def reset_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a new password from an e-mailed link, which works once and expires."""
    again_url = reverse("accounts:reset_request")
    try:
        member = actions.check_reset_token(token)
    except NotFound as exc:
        return _link_invalid(request, exc, again_url=again_url)
    policy = current_policy()
    if request.method == "GET":
        form = ResetConfirmForm(policy=policy)
        return render(request, "accounts/reset_confirm.html", {"form": form, "member": member})
    form = ResetConfirmForm(request.POST, policy=policy)
    status = FORM_INVALID
    if form.is_valid():
        try:
            actions.reset_password(token=token, new=form.cleaned_data["new"])
        except NotFound as exc:
            return _link_invalid(request, exc, again_url=again_url)
        except ValidationFailed as exc:
            _show_errors(form, exc)
            status = exc.status
        else:
            if request.user.is_authenticated:
                logout(request)  # its session has just been ended with all the others
            messages.success(request, _("Your new password is set. Sign in with it."))
            return redirect("accounts:sign_in")
    return render(
        request, "accounts/reset_confirm.html", {"form": form, "member": member}, status=status
    )


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """Activate an account from its link: choose a login ID and password, then sign in."""
    found = tokens.find_valid(token, TokenPurpose.ACTIVATION)
    if found is None:
        return _link_invalid(
            request,
            NotFound(_("This link is no longer valid. Ask your facility admin for a new one.")),
            again_url="",
        )
    member = found.member
    policy = current_policy()
    if request.method == "GET":
        form = ActivateForm(policy=policy)
        return render(request, "accounts/activate.html", {"form": form, "member": member})
    form = ActivateForm(request.POST, policy=policy)
    status = FORM_INVALID
    if form.is_valid():
        password = form.cleaned_data["password"]
        try:
            member = actions.activate_account(
                token=token, login_id=form.cleaned_data["login_id"], password=password
            )
        except NotFound as exc:
            return _link_invalid(request, exc, again_url="")
        except ValidationFailed as exc:
            _show_errors(form, exc)
            status = exc.status
        else:
            assert member.login_id is not None  # activation has just set it
            # Signing in goes through the same checks as the sign-in page (eligibility, R1.2).
            try:
                signed_in = actions.authenticate(login_id=member.login_id, password=password)
                browser_key = _start_session(request, signed_in)
            except DomainError as exc:
                messages.info(request, exc.message)
                return redirect("accounts:sign_in")
            messages.success(request, _("Your account is ready. Welcome to Renkei."))
            return _signed_in(request, "home", browser_key)
    return render(
        request, "accounts/activate.html", {"form": form, "member": member}, status=status
    )


# Sessions and confirmation before sensitive actions (R2.3)


@require_http_methods(["GET"])
def sessions(request: HttpRequest) -> HttpResponse:
    """The member's open sessions: device, address, start and last use; each can be ended."""
    from renkei.accounts.queries import own_sessions

    member = _member(request)
    policy = current_policy()
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": own_sessions(member, current_key=request.session.session_key),
            "idle_minutes": policy.session_idle_minutes,
            "absolute_hours": policy.session_absolute_hours,
        },
    )


@require_POST
def end_session(request: HttpRequest, session_id: str) -> HttpResponse:
    """End one of the member's sessions at once; ending this one signs this browser out.
    A session that is not the member's, or has ended, is not found (404)."""
    member = _member(request)
    ended = actions.end_own_session(member, public_id=session_id)
    if ended.session_key == request.session.session_key:
        logout(request)
        messages.success(request, _("You have signed out."))
        return redirect("accounts:sign_in")
    messages.success(request, _("The session was ended. That device is signed out."))
    return redirect("accounts:sessions")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """Ask for the password again (and the second factor when the member has one) before a
    sensitive action, then go back to where the member was."""
    from renkei.accounts.forms import ConfirmForm
    from renkei.accounts.reauth import confirm_identity, current_session, needs_second_factor

    member = _member(request)
    raw_next = request.POST.get("next") or request.GET.get("next", "")
    next_url = _safe_next(request, raw_next)
    context = {
        "needs_code": needs_second_factor(member),
        "minutes": current_policy().reauth_minutes,
    }
    if request.method == "GET":
        form = ConfirmForm(initial={"next": next_url})
        return render(request, "accounts/confirm.html", {**context, "form": form})
    form = ConfirmForm(request.POST)
    status = FORM_INVALID
    if form.is_valid():
        try:
            confirm_identity(
                member,
                session=current_session(request),
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except ValidationFailed as exc:
            _show_errors(form, exc)
            status = exc.status
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Your identity is confirmed. Please continue."))
            return redirect(next_url or "home")
    return render(request, "accounts/confirm.html", {**context, "form": form}, status=status)
