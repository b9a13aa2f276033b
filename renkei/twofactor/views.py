"""Two-factor pages: the second step of sign-in, and one's own factors (enrol, remove, codes).

Each view reads the input, calls an action or query and renders; the rules live in
``renkei.twofactor.actions``.
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from renkei.accounts.models import Member
from renkei.accounts.views import _signed_in, _start_session
from renkei.devices.browser import remember_browser
from renkei.errors import DomainError, NotFound, Throttled, ValidationFailed
from renkei.policy.queries import current_policy
from renkei.twofactor import actions, guard, queries
from renkei.twofactor.forms import CodeForm, ConfirmTotpForm, PasswordForm

CODES_KEY = "renkei_2fa_new_codes"
FORM_INVALID = 400


def _member(request: HttpRequest) -> Member:
    user = request.user
    assert isinstance(user, Member)  # the middleware lets only signed-in members here
    return user


def _settle(request: HttpRequest, member: Member, method: str | None = None) -> None:
    """Bring this session's second-factor state up to date after a change of factors."""
    if method is None:
        current = guard.marker(request.session) or {}
        method = str(current.get("method", ""))
    guard.settle(
        request.session, member, setting=current_policy().two_factor_required, method=method
    )


def _show_codes(request: HttpRequest, codes: list[str] | None) -> None:
    if codes:
        request.session[CODES_KEY] = codes


def _errors(exc: DomainError) -> list[str]:
    if isinstance(exc, ValidationFailed):
        return [m for problems in exc.errors.values() for m in problems]
    return [exc.message]


# --- The second step of sign-in --------------------------------------------------------------


def _finish(request: HttpRequest, member: Member, method: str, next_url: str) -> str:
    """Open the session after the second step; returns the browser key for the device cookie."""
    guard.clear_pending(request.session)
    browser_key = _start_session(request, member, second_factor=method)
    if method == "recovery":
        left = queries.overview(member).recovery_left
        messages.warning(
            request,
            _(
                "You signed in with a recovery code; %(n)d are left. If your phone or passkey "
                "is lost, remove it and set up a new one."
            )
            % {"n": left},
        )
    return browser_key


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code of the authenticator app, a recovery code, or a passkey."""
    if request.user.is_authenticated:
        return redirect("home")
    found = guard.pending(request.session)
    if found is None:
        # Answered in place (not a redirect): the page says why and links to the sign-in.
        status = 200 if request.method == "GET" else FORM_INVALID
        return render(request, "twofactor/verify_expired.html", status=status)
    member, next_url = found
    context = {"has_passkeys": queries.has_passkeys(member)}
    if request.method == "GET":
        return render(request, "twofactor/verify.html", {**context, "form": CodeForm()})
    form = CodeForm(request.POST)
    status = FORM_INVALID
    if form.is_valid():
        try:
            method = actions.check_second_factor(member, form.cleaned_data["code"])
        except Throttled as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            if method is None:
                form.add_error("code", _("This code is not correct or has already been used."))
                status = actions.SecondFactorRefused.status
            else:
                try:
                    browser_key = _finish(request, member, method, next_url)
                except DomainError as exc:
                    # Refused after both steps (a device reported lost, R2.5): said in place,
                    # as the sign-in page says it to a member without a second factor.
                    return render(
                        request,
                        "twofactor/verify_expired.html",
                        {"message": exc.message},
                        status=exc.status,
                    )
                return _signed_in(request, next_url or "home", browser_key)
    return render(request, "twofactor/verify.html", {**context, "form": form}, status=status)


@require_POST
def verify_passkey_options(request: HttpRequest) -> HttpResponse:
    """Options for navigator.credentials.get() for the member waiting at the second step."""
    found = guard.pending(request.session)
    if found is None:
        return JsonResponse(
            {"detail": _("Your sign-in has expired. Please sign in again.")}, status=400
        )
    options, challenge = actions.passkey_authentication_options(found[0])
    guard.keep_challenge(request.session, "signin", challenge)
    return HttpResponse(options, content_type="application/json")


@require_POST
def verify_passkey(request: HttpRequest) -> HttpResponse:
    """Check the passkey's answer; on success open the session and say where to go."""
    found = guard.pending(request.session)
    if found is None:
        return JsonResponse(
            {"detail": _("Your sign-in has expired. Please sign in again.")}, status=400
        )
    member, next_url = found
    challenge = guard.take_challenge(request.session, "signin")
    try:
        ok = actions.check_passkey(
            member, credential=request.POST.get("credential", ""), challenge=challenge
        )
    except Throttled as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)
    if not ok:
        return JsonResponse(
            {"detail": _("The passkey was not accepted. Try again or enter a code.")},
            status=actions.SecondFactorRefused.status,
        )
    try:
        browser_key = _finish(request, member, "passkey", next_url)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)
    response = JsonResponse({"redirect": next_url or "/"})
    remember_browser(response, browser_key)
    return response


# --- One's own factors -----------------------------------------------------------------------


def overview(request: HttpRequest) -> HttpResponse:
    """One's second factors, and what the policy asks of one."""
    member = _member(request)
    state = guard.marker(request.session) or {}
    return render(
        request,
        "twofactor/overview.html",
        {
            "factors": queries.overview(member),
            "must_enrol": bool(state.get("enrol")),
            "password_form": PasswordForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def add_totp(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan the QR code, then confirm with its first code."""
    member = _member(request)
    if request.method == "GET":
        try:
            secret = actions.pending_secret(member)
        except NotFound:
            try:
                secret = actions.begin_totp(member)
            except DomainError as exc:
                messages.info(request, exc.message)
                return redirect("twofactor:overview")
        return _totp_page(request, member, secret, ConfirmTotpForm())
    form = ConfirmTotpForm(request.POST)
    status = FORM_INVALID
    if form.is_valid():
        try:
            codes = actions.confirm_totp(member, form.cleaned_data["code"])
        except NotFound as exc:
            messages.info(request, exc.message)
            return redirect("twofactor:add_totp")
        except ValidationFailed as exc:
            for problem in exc.errors.get("code", []):
                form.add_error("code", problem)
            status = exc.status
        else:
            _settle(request, member, "totp")
            _show_codes(request, codes)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect("twofactor:codes" if codes else "twofactor:overview")
    try:
        secret = actions.pending_secret(member)
    except NotFound:
        return redirect("twofactor:add_totp")
    return _totp_page(request, member, secret, form, status=status)


def _totp_page(
    request: HttpRequest, member: Member, secret: str, form: ConfirmTotpForm, status: int = 200
) -> HttpResponse:
    uri = actions.provisioning_uri(member)
    # segno writes plain SVG markup from the URI alone; nothing typed by a user goes into it.
    qr_svg = mark_safe(segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff"))  # noqa: S308
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "twofactor/add_totp.html",
        {"qr_svg": qr_svg, "secret": grouped, "form": form},
        status=status,
    )


@require_POST
def add_passkey_options(request: HttpRequest) -> HttpResponse:
    """Options for navigator.credentials.create() for a new passkey of the signed-in member."""
    options, challenge = actions.passkey_registration_options(_member(request))
    guard.keep_challenge(request.session, "register", challenge)
    return HttpResponse(options, content_type="application/json")


@require_POST
def add_passkey(request: HttpRequest) -> HttpResponse:
    """Register the browser's new passkey; answers JSON for the page's script."""
    member = _member(request)
    challenge = guard.take_challenge(request.session, "register")
    try:
        codes = actions.register_passkey(
            member,
            name=request.POST.get("name", ""),
            credential=request.POST.get("credential", ""),
            challenge=challenge,
        )
    except DomainError as exc:
        return JsonResponse({"detail": " ".join(_errors(exc))}, status=exc.status)
    _settle(request, member, "passkey")
    _show_codes(request, codes)
    messages.success(request, _("Your passkey is registered."))
    target = "/account/two-factor/codes/" if codes else "/account/two-factor/"
    return JsonResponse({"redirect": target})


def codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown this once."""
    shown = request.session.pop(CODES_KEY, None)
    if not shown:
        return redirect("twofactor:overview")
    response = render(request, "twofactor/codes.html", {"codes": shown})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def regenerate_codes(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes after the password is given again."""
    member = _member(request)
    try:
        new = actions.regenerate_recovery_codes(member, password=request.POST.get("password", ""))
    except DomainError as exc:
        for problem in _errors(exc):
            messages.error(request, problem)
        return redirect("twofactor:overview")
    _show_codes(request, new)
    return redirect("twofactor:codes")


@require_POST
def remove_totp(request: HttpRequest) -> HttpResponse:
    """Remove one's authenticator app after the password is given again."""
    member = _member(request)
    try:
        actions.remove_totp(member, password=request.POST.get("password", ""))
    except DomainError as exc:
        for problem in _errors(exc):
            messages.error(request, problem)
        return redirect("twofactor:overview")
    _settle(request, member)
    messages.success(request, _("The authenticator app was removed."))
    return redirect("twofactor:overview")


@require_POST
def remove_passkey(request: HttpRequest, passkey_id: int) -> HttpResponse:
    """Remove one of one's passkeys after the password is given again."""
    member = _member(request)
    try:
        actions.remove_passkey(
            member, passkey_id=passkey_id, password=request.POST.get("password", "")
        )
    except DomainError as exc:
        for problem in _errors(exc):
            messages.error(request, problem)
        return redirect("twofactor:overview")
    _settle(request, member)
    messages.success(request, _("The passkey was removed."))
    return redirect("twofactor:overview")


# --- A facility admin resets a member's factors ---------------------------------------------


@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, public_id: str) -> HttpResponse:
    """Reset a staff member's second factor (facility admin of their facility, or secretariat)."""
    actor = _member(request)
    target = queries.resettable_member(actor, public_id)  # NotFound for anyone else
    if request.method == "GET":
        return render(request, "twofactor/reset.html", {"target": target})
    try:
        ended = actions.reset_second_factor(actor, member=target)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("twofactor:reset", public_id=public_id)
    messages.success(
        request,
        _(
            "The second factor of %(name)s was reset and %(n)d sessions were ended. "
            "They have been told by e-mail."
        )
        % {"name": target.name, "n": ended},
    )
    return redirect("twofactor:reset", public_id=public_id)
