"""Everything that changes an account: activation, sign-in, sessions and passwords.

Each action checks, writes in one transaction with its audit event, and publishes after commit.
"""

from __future__ import annotations

import functools
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renkei import authz, throttle
from renkei.accounts import tokens
from renkei.accounts.models import (
    EndReason,
    Member,
    PasswordHistory,
    SignInAttempt,
    TokenPurpose,
    UserSession,
)
from renkei.accounts.passwords import password_problems
from renkei.accounts.validators import login_id_problems, normalise_email
from renkei.audit.events import AuditAction
from renkei.audit.origin import current_origin
from renkei.audit.record import record
from renkei.errors import DomainError, Forbidden, NotFound, ValidationFailed
from renkei.mail import send_templated_on_commit
from renkei.policy.queries import current_policy
from renkei.realtime.publish import publish_on_commit
from renkei.throttle import signin

log = logging.getLogger(__name__)


@functools.cache
def _dummy_hash(hashers: tuple[str, ...] = ()) -> str:
    """A hash to check an unknown login ID's password against, so that the answer takes as
    long as for a real account (no enumeration); one per hasher setting."""
    return make_password("renkei-timing-equaliser-0")


class SignInRefused(DomainError):
    """Wrong login ID or password, or an account that may no longer sign in."""

    status = 401
    code = "sign_in_refused"


def _set_password(member: Member, raw: str) -> None:
    if member.has_usable_password():
        PasswordHistory.objects.create(member=member, password=member.password)
    member.set_password(raw)
    member.password_changed_at = timezone.now()


def send_activation(actor: Member | None, *, member: Member) -> None:
    """E-mail ``member`` a new one-time activation link (R1.1).

    Allowed: the secretariat, or a facility admin of one of the member's facilities; ``None``
    means the system within another action that has checked already. Audits ACTIVATION_SENT.
    """
    from renkei.facilities.models import Affiliation

    if member.is_active:
        raise DomainError(_("This account is already activated."))
    if actor is not None and not authz.is_secretariat(actor):
        facilities = Affiliation.objects.filter(member=member, lost_on__isnull=True).values_list(
            "facility_id", flat=True
        )
        if not set(facilities) & set(authz.admin_facility_ids(actor)):
            raise NotFound()
    policy = current_policy()
    with transaction.atomic():
        raw = tokens.issue(
            member, TokenPurpose.ACTIVATION, timedelta(hours=policy.activation_link_hours)
        )
        record(
            AuditAction.ACTIVATION_SENT,
            actor=actor,
            object_type="member",
            object_id=member.pk,
            object_label=member.name,
        )
        send_templated_on_commit(
            to=member.email,
            template="activation",
            context={
                "member": member,
                "path": f"/activate/{raw}/",
                "hours": policy.activation_link_hours,
            },
        )


def activate_account(*, token: str, login_id: str, password: str) -> Member:
    """Activate an account from its e-mailed link: choose a login ID and a password (R2.1, R2.2).

    The link works once. Audits ACCOUNT_ACTIVATED.
    """
    found = tokens.find_valid(token, TokenPurpose.ACTIVATION)
    if found is None:
        raise NotFound(_("This link is no longer valid. Ask your facility admin for a new one."))
    member = found.member
    login_id = login_id.strip().lower()
    errors: dict[str, list[str]] = {}
    if problems := login_id_problems(login_id):
        errors["login_id"] = problems
    elif Member.objects.filter(login_id__iexact=login_id).exclude(pk=member.pk).exists():
        errors["login_id"] = [_("This login ID is taken. Choose another.")]
    member.login_id = login_id
    if problems := password_problems(current_policy(), password, member=member):
        errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            _set_password(member, password)
            member.is_active = True
            member.activated_at = timezone.now()
            member.save()
            found.used_at = timezone.now()
            found.save(update_fields=["used_at"])
            record(
                AuditAction.ACCOUNT_ACTIVATED,
                actor=member,
                object_type="member",
                object_id=member.pk,
            )
    except IntegrityError as exc:  # another activation took the login ID in between
        raise ValidationFailed(
            {"login_id": [_("This login ID is taken. Choose another.")]}
        ) from exc
    return member


def check_sign_in_pause(
    login_id: str, member: Member | None, *, browser_key: str | None = None
) -> None:
    """Raise Throttled while signing in as ``login_id`` from this address and browser is paused
    after too many failed sign-ins (R2.3; renkei.throttle.signin: per address, per account
    only for browsers that never signed in as it, per known device); audited once per pause.
    Confirmations before sensitive actions share these counters (renkei.accounts.reauth)."""
    signin.check_pause(current_policy(), login_id, member=member, browser_key=browser_key)


def count_failed_sign_in(login_id: str, member: Member | None, action: AuditAction) -> None:
    """Count one failed attempt for the account and the source address, and audit it."""
    with transaction.atomic():
        SignInAttempt.objects.create(login_id=login_id, ip=current_origin().ip)
        record(action, actor=member, actor_label=login_id)
    if action == AuditAction.REAUTH_FAILED:
        signin.count_session_failure(current_policy(), login_id)


def authenticate(*, login_id: str, password: str, browser_key: str | None = None) -> Member:
    """Check a login ID and password under the policy's pauses (R2.1, R2.3).

    Failures pause the source address, the account (only for browsers that never signed in as
    it: ``browser_key`` is the device cookie's) and a known device; a flood from one address
    never locks the member out (renkei.throttle.signin). Wrong ID and wrong password get the
    same answer after the same work. Audits failures.
    """
    policy = current_policy()
    login_id = login_id.strip().lower()[:64]
    member = Member.objects.filter(login_id__iexact=login_id).first() if login_id else None
    is_known = signin.known_device(login_id, browser_key)
    signin.check_pause(policy, login_id, member=member, browser_key=browser_key, is_known=is_known)
    if member is None or not member.has_usable_password():
        # The same work as a real check, so that timing does not tell (no enumeration).
        check_password(password, _dummy_hash(tuple(settings.PASSWORD_HASHERS)))
        ok = False
    else:
        ok = member.check_password(password)
    if not ok:
        count_failed_sign_in(login_id, member, AuditAction.SIGN_IN_FAILED)
        if is_known and browser_key:
            signin.count_device_failure(policy, login_id, browser_key)
        raise SignInRefused(_("The login ID or password is incorrect."))
    assert member is not None
    if not authz.is_eligible(member):
        record(AuditAction.SIGN_IN_FAILED, actor=member, detail={"reason": "not_eligible"})
        raise SignInRefused(
            _("This account can no longer sign in. Ask your facility admin or the secretariat.")
        )
    # Only this address's failures are forgiven: other addresses' stay paused and counted.
    SignInAttempt.objects.filter(login_id=login_id, ip=current_origin().ip).delete()
    signin.forget_device_failures(login_id, browser_key)
    return member


def open_session(member: Member, *, session_key: str, device_id: int | None = None) -> UserSession:
    """Record a new signed-in session after Django's login, tied to its device if known.

    Audits SIGN_IN.
    """
    origin = current_origin()
    with transaction.atomic():
        session = UserSession.objects.create(
            session_key=session_key,
            member=member,
            ip=origin.ip,
            user_agent=origin.user_agent[:300],
            device_id=device_id,
        )
        Member.objects.filter(pk=member.pk).update(last_login=timezone.now())
        record(AuditAction.SIGN_IN, actor=member, object_type="session", object_id=session.pk)
    return session


def _end(sessions: list[UserSession], reason: EndReason) -> None:
    if not sessions:
        return
    now = timezone.now()
    keys = [s.session_key for s in sessions]
    UserSession.objects.filter(pk__in=[s.pk for s in sessions]).update(
        ended_at=now, end_reason=reason
    )
    Session.objects.filter(session_key__in=keys).delete()
    for key in keys:
        publish_on_commit(f"session.{key}", {"type": "session.ended", "reason": str(reason)})


def end_all_sessions(member: Member, *, reason: EndReason, keep: str | None = None) -> int:
    """End every open session of ``member`` (pages, API and live connections) except ``keep``.

    For use inside other actions, which audit the cause; returns how many ended.
    """
    sessions = list(UserSession.objects.filter(member=member, ended_at__isnull=True))
    sessions = [s for s in sessions if s.session_key != keep]
    _end(sessions, reason)
    return len(sessions)


def end_device_sessions(*, device_id: int, reason: EndReason) -> int:
    """End every open session opened from one device (pages, API and live connections).

    For use inside other actions, which audit the cause; returns how many ended.
    """
    sessions = list(UserSession.objects.filter(device_id=device_id, ended_at__isnull=True))
    _end(sessions, reason)
    return len(sessions)


def sign_out(member: Member, *, session_key: str) -> None:
    """End the current session. Audits SIGN_OUT."""
    with transaction.atomic():
        sessions = list(
            UserSession.objects.filter(
                member=member, session_key=session_key, ended_at__isnull=True
            )
        )
        _end(sessions, EndReason.SIGN_OUT)
        record(
            AuditAction.SIGN_OUT,
            actor=member,
            object_type="session",
            object_id=sessions[0].pk if sessions else "",
        )


def sign_out_everywhere(member: Member) -> int:
    """End every session of the member on every device in one step. Audits SIGN_OUT_EVERYWHERE."""
    with transaction.atomic():
        count = end_all_sessions(member, reason=EndReason.SIGN_OUT_EVERYWHERE)
        record(AuditAction.SIGN_OUT_EVERYWHERE, actor=member, detail={"sessions": count})
    return count


def end_own_session(member: Member, *, public_id: str) -> UserSession:
    """End one open session of ``member`` from the sessions page or the API: its pages, API
    calls and live connections stop at once. Another member's session is NotFound.

    Audits SESSION_ENDED_BY_MEMBER.
    """
    try:
        uuid.UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    with transaction.atomic():
        session = (
            UserSession.objects.select_for_update()
            .filter(member=member, public_id=public_id, ended_at__isnull=True)
            .first()
        )
        if session is None:
            raise NotFound(_("This session has already ended or is not yours."))
        _end([session], EndReason.ENDED_BY_MEMBER)
        record(
            AuditAction.SESSION_ENDED_BY_MEMBER,
            actor=member,
            object_type="session",
            object_id=session.pk,
        )
    return session


def expire_session_at_lifetime(session: UserSession) -> None:
    """End a session older than the policy's longest lifetime, however active (R2.3).

    Audits SESSION_LIFETIME_REACHED.
    """
    with transaction.atomic():
        _end([session], EndReason.LIFETIME)
        record(
            AuditAction.SESSION_LIFETIME_REACHED,
            actor=session.member,
            object_type="session",
            object_id=session.pk,
        )


def expire_idle_session(session: UserSession) -> None:
    """End a session that was idle past the policy's timeout (R2.3). Audits SESSION_EXPIRED."""
    with transaction.atomic():
        _end([session], EndReason.IDLE)
        record(
            AuditAction.SESSION_EXPIRED,
            actor=session.member,
            object_type="session",
            object_id=session.pk,
        )


def change_password(member: Member, *, current: str, new: str, session_key: str | None) -> None:
    """Change one's own password under the policy (R2.2); other sessions end.

    Audits PASSWORD_CHANGED.
    """
    if not member.check_password(current):
        raise ValidationFailed({"current": [_("The current password is incorrect.")]})
    if problems := password_problems(current_policy(), new, member=member):
        raise ValidationFailed({"new": problems})
    with transaction.atomic():
        _set_password(member, new)
        member.save(update_fields=["password", "password_changed_at"])
        end_all_sessions(member, reason=EndReason.PASSWORD_CHANGED, keep=session_key)
        record(
            AuditAction.PASSWORD_CHANGED, actor=member, object_type="member", object_id=member.pk
        )


def request_password_reset(*, email: str) -> None:
    """Mail a reset link if an eligible member has this address; say nothing either way.

    Audits PASSWORD_RESET_REQUESTED without the address typed. Limited per typed address and
    per source address (R2.3), counted alike whether or not a member has the address.
    """
    throttle.hit("reset", account=normalise_email(email))
    member = Member.objects.filter(email__iexact=normalise_email(email)).first()
    with transaction.atomic():
        if member is None or not authz.is_eligible(member):
            record(AuditAction.PASSWORD_RESET_REQUESTED, actor=None, detail={"matched": False})
            return
        policy = current_policy()
        raw = tokens.issue(
            member, TokenPurpose.PASSWORD_RESET, timedelta(minutes=policy.reset_link_minutes)
        )
        record(
            AuditAction.PASSWORD_RESET_REQUESTED,
            actor=member,
            object_type="member",
            object_id=member.pk,
            detail={"matched": True},
        )
        send_templated_on_commit(
            to=member.email,
            template="password_reset",
            context={
                "member": member,
                "path": f"/password/reset/{raw}/",
                "minutes": policy.reset_link_minutes,
            },
        )


def check_reset_token(token: str) -> Member:
    """The member a reset link is for, or NotFound when it is used, expired or unknown."""
    found = tokens.find_valid(token, TokenPurpose.PASSWORD_RESET)
    if found is None or not authz.is_eligible(found.member):
        raise NotFound(_("This link is no longer valid. Ask for a new one."))
    return found.member


def reset_password(*, token: str, new: str) -> Member:
    """Set a new password from a reset link; the link works once and every session ends.

    Audits PASSWORD_RESET.
    """
    found = tokens.find_valid(token, TokenPurpose.PASSWORD_RESET)
    if found is None or not authz.is_eligible(found.member):
        raise NotFound(_("This link is no longer valid. Ask for a new one."))
    member = found.member
    if problems := password_problems(current_policy(), new, member=member):
        raise ValidationFailed({"new": problems})
    with transaction.atomic():
        _set_password(member, new)
        member.save(update_fields=["password", "password_changed_at"])
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
        end_all_sessions(member, reason=EndReason.PASSWORD_RESET)
        SignInAttempt.objects.filter(login_id=(member.login_id or "").lower()).delete()
        record(AuditAction.PASSWORD_RESET, actor=member, object_type="member", object_id=member.pk)
    return member


def require_member(member: Member | None) -> Member:
    """The acting member, or Forbidden for an anonymous caller."""
    if member is None or not member.is_authenticated:
        raise Forbidden(_("Sign in first."))
    return member
