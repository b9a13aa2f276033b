"""Every change to a member's second factors, and the checks of a second factor at sign-in.

Each action checks, writes in one transaction with its audit event and returns what the page
needs. Codes and secrets never reach the audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from renkei import authz
from renkei.accounts.models import EndReason, Member
from renkei.audit.events import AuditAction
from renkei.audit.origin import current_origin
from renkei.audit.record import record
from renkei.errors import DomainError, NotFound, Throttled, ValidationFailed
from renkei.mail import send_templated_on_commit
from renkei.policy.queries import current_policy
from renkei.twofactor.models import Passkey, RecoveryCode, SecondFactorFailure, TotpAuthenticator
from renkei.twofactor.queries import has_second_factor
from renkei.twofactor.sealing import seal, unseal

RECOVERY_CODES = 10
# Unambiguous letters and digits: no 0/o, 1/l/i.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
TOTP_STEP = 30
# A code of the step before or after the current one is accepted too (clock drift), no more.
TOTP_DRIFT_STEPS = 1
ISSUER = "Renkei"


class SecondFactorRefused(DomainError):
    """A wrong, replayed or expired code, or a passkey that did not verify."""

    status = 401
    code = "second_factor_refused"


# --- Throttling (R2.3) -----------------------------------------------------------------------


def _throttle(member: Member) -> None:
    """Refuse before checking when the member or the address has failed too often lately."""
    policy = current_policy()
    ip = current_origin().ip
    since = timezone.now() - timedelta(minutes=policy.signin_pause_minutes)
    by_member = SecondFactorFailure.objects.filter(member=member, at__gte=since).count()
    by_address = SecondFactorFailure.objects.filter(ip=ip, at__gte=since).count() if ip else 0
    if by_member >= policy.signin_failures_per_account or (
        by_address >= policy.signin_failures_per_address
    ):
        record(
            AuditAction.SECOND_FACTOR_THROTTLED,
            actor=member,
            object_type="member",
            object_id=member.pk,
            detail={"account_failures": by_member, "address_failures": by_address},
        )
        raise Throttled(
            _("Too many wrong codes. Wait %(n)d minutes and try again.")
            % {"n": policy.signin_pause_minutes},
            retry_after=policy.signin_pause_minutes * 60,
        )


def _failed(member: Member, method: str) -> None:
    with transaction.atomic():
        SecondFactorFailure.objects.create(member=member, ip=current_origin().ip)
        record(
            AuditAction.SECOND_FACTOR_FAILED,
            actor=member,
            object_type="member",
            object_id=member.pk,
            detail={"method": method},
        )


def _succeeded(member: Member, method: str) -> None:
    SecondFactorFailure.objects.filter(member=member).delete()
    record(
        AuditAction.SECOND_FACTOR_VERIFIED,
        actor=member,
        object_type="member",
        object_id=member.pk,
        detail={"method": method},
    )


# --- TOTP ------------------------------------------------------------------------------------


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step whose code is ``code``, within the allowed drift, or None."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_STEP)
    current = int((time.time() if now is None else now) // TOTP_STEP)
    found = None
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        # Compare every candidate in constant time and do not stop early.
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            found = step
    return found


def _secret_of(authenticator: TotpAuthenticator, member: Member) -> str:
    return unseal(authenticator.sealed_secret, member_public_id=member.public_id.bytes)


def provisioning_uri(member: Member) -> str:
    """The otpauth:// URI of the member's pending authenticator app, for its QR code."""
    authenticator = TotpAuthenticator.objects.filter(member=member).first()
    if authenticator is None:
        raise NotFound()
    return pyotp.TOTP(_secret_of(authenticator, member), interval=TOTP_STEP).provisioning_uri(
        name=member.login_id or member.email, issuer_name=ISSUER
    )


def pending_secret(member: Member) -> str:
    """The base32 secret of an authenticator app not yet confirmed, for typing it in by hand."""
    authenticator = TotpAuthenticator.objects.filter(member=member, confirmed_at=None).first()
    if authenticator is None:
        raise NotFound()
    return _secret_of(authenticator, member)


def begin_totp(member: Member) -> str:
    """Start adding an authenticator app: a new secret that counts once a code confirms it.

    Returns the base32 secret. A confirmed app must be removed before another is added.
    """
    if TotpAuthenticator.objects.filter(member=member, confirmed_at__isnull=False).exists():
        raise DomainError(_("An authenticator app is already set up. Remove it first."))
    secret = pyotp.random_base32()
    with transaction.atomic():
        TotpAuthenticator.objects.filter(member=member).delete()
        TotpAuthenticator.objects.create(
            member=member, sealed_secret=seal(secret, member_public_id=member.public_id.bytes)
        )
    return secret


def confirm_totp(member: Member, code: str) -> list[str] | None:
    """Confirm the pending authenticator app with a first code; from then on it counts.

    Returns new recovery codes when the member had none left, else None. Audits
    SECOND_FACTOR_ENROLLED.
    """
    authenticator = TotpAuthenticator.objects.filter(member=member, confirmed_at=None).first()
    if authenticator is None:
        raise NotFound(_("Start adding the authenticator app again."))
    step = _matching_step(_secret_of(authenticator, member), _normalise_code(code))
    if step is None:
        raise ValidationFailed(
            {"code": [_("This code is not correct. Check the time on your phone and try again.")]}
        )
    with transaction.atomic():
        authenticator.confirmed_at = timezone.now()
        authenticator.last_step = step
        authenticator.save(update_fields=["confirmed_at", "last_step"])
        record(
            AuditAction.SECOND_FACTOR_ENROLLED,
            actor=member,
            object_type="member",
            object_id=member.pk,
            detail={"method": "totp"},
        )
        return _codes_if_none_left(member)


def _check_totp(member: Member, code: str) -> bool:
    authenticator = TotpAuthenticator.objects.filter(
        member=member, confirmed_at__isnull=False
    ).first()
    if authenticator is None:
        return False
    step = _matching_step(_secret_of(authenticator, member), code)
    if step is None:
        return False
    # Only a step later than the last accepted one; the conditional update also settles two
    # requests racing with the same code.
    return bool(
        TotpAuthenticator.objects.filter(pk=authenticator.pk, last_step__lt=step).update(
            last_step=step
        )
    )


# --- Recovery codes --------------------------------------------------------------------------


def _digest(member: Member, code: str) -> str:
    return hashlib.sha256(f"{member.public_id}:{code}".encode()).hexdigest()


def _new_codes(member: Member) -> list[str]:
    RecoveryCode.objects.filter(member=member).delete()
    codes = [
        "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(member=member, digest=_digest(member, c)) for c in codes]
    )
    record(
        AuditAction.RECOVERY_CODES_GENERATED,
        actor=member,
        object_type="member",
        object_id=member.pk,
        detail={"count": len(codes)},
    )
    half = _RECOVERY_LENGTH // 2
    return [f"{c[:half]}-{c[half:]}" for c in codes]


def _codes_if_none_left(member: Member) -> list[str] | None:
    if RecoveryCode.objects.filter(member=member, used_at__isnull=True).exists():
        return None
    return _new_codes(member)


def _check_recovery(member: Member, code: str) -> bool:
    if len(code) != _RECOVERY_LENGTH:
        return False
    return bool(
        RecoveryCode.objects.filter(
            member=member, digest=_digest(member, code), used_at__isnull=True
        ).update(used_at=timezone.now())
    )


def regenerate_recovery_codes(member: Member, *, password: str) -> list[str]:
    """Replace all recovery codes with 10 new ones, shown once; the old ones stop working.

    Needs the password again. Audits RECOVERY_CODES_GENERATED.
    """
    _confirm_password(member, password)
    if not has_second_factor(member):
        raise DomainError(_("Set up an authenticator app or a passkey first."))
    with transaction.atomic():
        return _new_codes(member)


# --- Checking a code (sign-in, confirmation of identity) ---------------------------------------


def check_second_factor(member: Member, code: str) -> str | None:
    """Check a TOTP code or a recovery code under the sign-in throttle (R2.3).

    Returns the method that matched ("totp" or "recovery"), or None; a replayed or expired
    code does not match. Throttled when too many failed lately. Audits both outcomes.
    """
    _throttle(member)
    normalised = _normalise_code(code)
    method = None
    with transaction.atomic():
        if _check_totp(member, normalised):
            method = "totp"
        elif _check_recovery(member, normalised):
            method = "recovery"
        if method is not None:
            _succeeded(member, method)
    if method is None:
        _failed(member, "code")
    return method


def verify_second_factor(member: Member, code: str) -> bool:
    """Whether ``code`` is a valid TOTP code or unused recovery code of ``member``.

    Throttled (raises renkei.errors.Throttled) and audited; a used code never works again.
    """
    return check_second_factor(member, code) is not None


# --- Passkeys (WebAuthn) -----------------------------------------------------------------------


def relying_party() -> tuple[str, str]:
    """The relying party id (host of BASE_URL) and the expected origin."""
    parts = urlsplit(settings.BASE_URL)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def passkey_registration_options(member: Member) -> tuple[str, bytes]:
    """Options for navigator.credentials.create() as JSON, and the challenge to keep."""
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=ISSUER,
        user_id=member.public_id.bytes,
        user_name=member.login_id or member.email,
        user_display_name=member.name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=_b64decode(p.credential_id))
            for p in Passkey.objects.filter(member=member)
        ],
    )
    return options_to_json(options), options.challenge


def passkey_authentication_options(member: Member) -> tuple[str, bytes]:
    """Options for navigator.credentials.get() with the member's passkeys, and the challenge."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=_b64decode(p.credential_id))
            for p in Passkey.objects.filter(member=member)
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def _b64decode(value: str) -> bytes:
    from webauthn import base64url_to_bytes

    return base64url_to_bytes(value)


def _credential(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed({"credential": [_("The passkey answer was not readable.")]}) from exc
    if not isinstance(value, dict):
        raise ValidationFailed({"credential": [_("The passkey answer was not readable.")]})
    return value


def register_passkey(
    member: Member, *, name: str, credential: str, challenge: bytes | None
) -> list[str] | None:
    """Register a passkey from the browser's answer to the options with ``challenge``.

    Returns new recovery codes when the member had none left. Audits SECOND_FACTOR_ENROLLED.
    """
    name = name.strip()[:60] or _("Passkey")
    if challenge is None:
        raise ValidationFailed({"credential": [_("Start adding the passkey again.")]})
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=_credential(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (InvalidRegistrationResponse, KeyError, ValueError, TypeError) as exc:
        raise ValidationFailed(
            {"credential": [_("The passkey could not be registered. Try again.")]}
        ) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise ValidationFailed({"credential": [_("This passkey is already registered.")]})
    with transaction.atomic():
        passkey = Passkey.objects.create(
            member=member,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            name=name,
        )
        record(
            AuditAction.SECOND_FACTOR_ENROLLED,
            actor=member,
            object_type="passkey",
            object_id=passkey.pk,
            detail={"method": "passkey"},
        )
        return _codes_if_none_left(member)


def check_passkey(member: Member, *, credential: str, challenge: bytes | None) -> bool:
    """Check the browser's passkey answer to the options with ``challenge`` (R2.3).

    Throttled like codes; audits both outcomes.
    """
    _throttle(member)
    ok = challenge is not None and _verify_passkey(member, credential, challenge)
    if not ok:
        _failed(member, "passkey")
        return False
    _succeeded(member, "passkey")
    return True


def _verify_passkey(member: Member, raw: str, challenge: bytes) -> bool:
    try:
        credential = _credential(raw)
    except ValidationFailed:
        return False
    passkey = Passkey.objects.filter(member=member, credential_id=str(credential.get("id"))).first()
    if passkey is None:
        return False
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (InvalidAuthenticationResponse, KeyError, ValueError, TypeError):
        return False
    Passkey.objects.filter(pk=passkey.pk).update(
        sign_count=verified.new_sign_count, last_used_at=timezone.now()
    )
    return True


# --- Removing and resetting ------------------------------------------------------------------


def _confirm_password(member: Member, password: str) -> None:
    if not member.check_password(password):
        raise ValidationFailed({"password": [_("The password is incorrect.")]})


def _forget_codes_if_no_factor(member: Member) -> None:
    if not has_second_factor(member):
        RecoveryCode.objects.filter(member=member).delete()


def remove_totp(member: Member, *, password: str) -> None:
    """Remove one's authenticator app; needs the password again. Audits SECOND_FACTOR_REMOVED."""
    _confirm_password(member, password)
    with transaction.atomic():
        if not TotpAuthenticator.objects.filter(member=member).delete()[0]:
            raise NotFound()
        _forget_codes_if_no_factor(member)
        record(
            AuditAction.SECOND_FACTOR_REMOVED,
            actor=member,
            object_type="member",
            object_id=member.pk,
            detail={"method": "totp"},
        )


def remove_passkey(member: Member, *, passkey_id: int, password: str) -> None:
    """Remove one of one's passkeys; needs the password again. Audits SECOND_FACTOR_REMOVED."""
    _confirm_password(member, password)
    with transaction.atomic():
        if not Passkey.objects.filter(member=member, pk=passkey_id).delete()[0]:
            raise NotFound()
        _forget_codes_if_no_factor(member)
        record(
            AuditAction.SECOND_FACTOR_REMOVED,
            actor=member,
            object_type="passkey",
            object_id=passkey_id,
            detail={"method": "passkey"},
        )


def reset_second_factor(actor: Member, *, member: Member) -> int:
    """Remove every second factor of ``member`` for them, e.g. after a lost phone (R2.10).

    Allowed: a facility admin of one of the member's facilities, or the secretariat; anyone
    else gets NotFound. Every session of the member ends and they are told by mail. Returns
    how many sessions ended. Audits SECOND_FACTOR_RESET.
    """
    from renkei.accounts.actions import end_all_sessions

    if not authz.may_reset_second_factor(actor, member):
        raise NotFound()
    if actor.pk == member.pk:
        raise DomainError(_("Remove your own factors on your two-factor page."))
    with transaction.atomic():
        removed = {
            "totp": TotpAuthenticator.objects.filter(member=member).delete()[0],
            "passkeys": Passkey.objects.filter(member=member).delete()[0],
        }
        RecoveryCode.objects.filter(member=member).delete()
        SecondFactorFailure.objects.filter(member=member).delete()
        ended = end_all_sessions(member, reason=EndReason.FACTOR_RESET)
        record(
            AuditAction.SECOND_FACTOR_RESET,
            actor=actor,
            object_type="member",
            object_id=member.pk,
            object_label=member.name,
            detail={**removed, "sessions": ended},
        )
        send_templated_on_commit(
            to=member.email,
            template="second_factor_reset",
            context={"member": member, "url": f"{settings.BASE_URL}/signin/"},
        )
    return ended


# --- The demo region -------------------------------------------------------------------------


def enrol_demo_totp(member: Member) -> None:
    """Give a demo account a confirmed authenticator app that lives on the server, not a phone.

    For ``seed_demo`` only: nobody scans the demo's QR codes, so ``manage.py totp_code`` shows
    the current code instead. Audits SECOND_FACTOR_ENROLLED marked as the demo's.
    """
    secret = pyotp.random_base32()
    with transaction.atomic():
        TotpAuthenticator.objects.filter(member=member).delete()
        TotpAuthenticator.objects.create(
            member=member,
            sealed_secret=seal(secret, member_public_id=member.public_id.bytes),
            confirmed_at=timezone.now(),
        )
        record(
            AuditAction.SECOND_FACTOR_ENROLLED,
            actor=member,
            object_type="member",
            object_id=member.pk,
            detail={"method": "totp", "demo": True},
        )


def current_code(member: Member) -> str:
    """The code ``member``'s authenticator app shows now (``manage.py totp_code``, never in
    production). NotFound when the member has no confirmed app."""
    authenticator = TotpAuthenticator.objects.filter(
        member=member, confirmed_at__isnull=False
    ).first()
    if authenticator is None:
        raise NotFound()
    return pyotp.TOTP(_secret_of(authenticator, member), interval=TOTP_STEP).now()
