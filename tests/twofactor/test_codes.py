"""Authenticator-app codes and recovery codes (R2.3): enrolment, checks, replay, expiry, throttle.

Codes are computed by pyotp from the enrolled secret, as an authenticator app does.
"""

from __future__ import annotations

import time

import pyotp
import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.errors import DomainError, Throttled, ValidationFailed
from renkei.twofactor import actions
from renkei.twofactor.models import RecoveryCode, TotpAuthenticator
from renkei.twofactor.queries import has_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R2.3")]


def _code_at(secret: str, steps_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + steps_from_now * actions.TOTP_STEP)


def enrol(member) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """Enrol ``member`` with an authenticator app; returns its secret and recovery codes."""
    secret = actions.begin_totp(member)
    codes = actions.confirm_totp(member, _code_at(secret, -1))
    assert codes is not None
    return secret, codes


def test_an_authenticator_counts_only_once_a_first_code_confirms_it(region):
    nurse = region.nurse
    secret = actions.begin_totp(nurse)
    assert not has_second_factor(nurse)
    stored = bytes(TotpAuthenticator.objects.get(member=nurse).sealed_secret)
    assert secret.encode() not in stored  # sealed, not stored as typed
    with pytest.raises(ValidationFailed):
        actions.confirm_totp(nurse, "000000" if _code_at(secret) != "000000" else "111111")
    assert not has_second_factor(nurse)
    codes = actions.confirm_totp(nurse, _code_at(secret))
    assert has_second_factor(nurse)
    assert codes is not None
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_ENROLLED, actor_id=nurse.pk
    ).exists()


def test_a_second_authenticator_needs_the_first_removed(region):
    enrol(region.nurse)
    with pytest.raises(DomainError):
        actions.begin_totp(region.nurse)


def test_a_current_code_passes_once_and_its_replay_is_refused(region):
    secret, _codes = enrol(region.nurse)
    code = _code_at(secret, +1)  # the next step: allowed drift, later than the enrolment code
    assert actions.verify_second_factor(region.nurse, code) is True
    assert actions.verify_second_factor(region.nurse, code) is False
    # An earlier step than the last accepted one is refused as well.
    assert actions.verify_second_factor(region.nurse, _code_at(secret, 0)) is False
    failed = AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_FAILED, actor_id=region.nurse.pk
    )
    assert failed.count() == 2
    assert AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_VERIFIED, actor_id=region.nurse.pk
    ).exists()


def test_wrong_and_expired_codes_are_refused(region):
    secret, _codes = enrol(region.care_manager)
    assert actions.verify_second_factor(region.care_manager, _code_at(secret, -3)) is False
    assert actions.verify_second_factor(region.care_manager, "12345") is False
    assert actions.verify_second_factor(region.care_manager, "abcdef") is False
    assert actions.verify_second_factor(region.care_manager, "") is False
    # A code of another member's authenticator is not this member's.
    other, _ = enrol(region.shared_nurse)
    assert actions.verify_second_factor(region.care_manager, _code_at(other, 1)) is False


def test_recovery_codes_are_stored_hashed_and_work_once(region):
    _secret, codes = enrol(region.nurse)
    digests = list(
        RecoveryCode.objects.filter(member=region.nurse).values_list("digest", flat=True)
    )
    assert len(digests) == 10
    assert not any(code.replace("-", "") in d for code in codes for d in digests)
    assert actions.check_second_factor(region.nurse, codes[3].upper()) == "recovery"
    assert actions.check_second_factor(region.nurse, codes[3]) is None
    assert actions.check_second_factor(region.nurse, codes[4].replace("-", " ")) == "recovery"
    # Another member cannot use them.
    enrol(region.care_manager)
    assert actions.check_second_factor(region.care_manager, codes[5]) is None


def test_regenerating_recovery_codes_needs_the_password_and_retires_the_old_ones(region):
    _secret, old = enrol(region.nurse)
    with pytest.raises(ValidationFailed):
        actions.regenerate_recovery_codes(region.nurse, password="wrong")
    from tests.support.region import PASSWORD

    new = actions.regenerate_recovery_codes(region.nurse, password=PASSWORD)
    assert len(new) == 10
    assert not set(new) & set(old)
    assert actions.check_second_factor(region.nurse, old[0]) is None
    assert actions.check_second_factor(region.nurse, new[0]) == "recovery"


def test_too_many_wrong_codes_pause_the_account(region, settings):
    from renkei.policy.queries import current_policy

    secret, _codes = enrol(region.nurse)
    limit = current_policy().signin_failures_per_account
    for _ in range(limit):
        assert actions.verify_second_factor(region.nurse, "000000x") is False
    with pytest.raises(Throttled) as refused:
        actions.verify_second_factor(region.nurse, _code_at(secret, 1))
    assert "分" in str(refused.value) or "minutes" in str(refused.value)
    # The answer carries Retry-After like every other pause: the policy's pause in seconds.
    assert refused.value.retry_after == current_policy().signin_pause_minutes * 60
    assert AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_THROTTLED, actor_id=region.nurse.pk
    ).exists()


def test_removing_the_authenticator_needs_the_password_and_forgets_the_codes(region):
    from tests.support.region import PASSWORD

    enrol(region.nurse)
    with pytest.raises(ValidationFailed):
        actions.remove_totp(region.nurse, password="wrong")
    assert has_second_factor(region.nurse)
    actions.remove_totp(region.nurse, password=PASSWORD)
    assert not has_second_factor(region.nurse)
    assert not RecoveryCode.objects.filter(member=region.nurse).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.SECOND_FACTOR_REMOVED, actor_id=region.nurse.pk
    ).exists()


def test_no_code_or_secret_reaches_the_audit_trail(region):
    secret, codes = enrol(region.nurse)
    actions.verify_second_factor(region.nurse, _code_at(secret, 1))
    actions.verify_second_factor(region.nurse, codes[0])
    actions.verify_second_factor(region.nurse, "999999")
    trail = " ".join(str(e.detail) + e.object_label for e in AuditEvent.objects.all())
    assert secret not in trail
    assert not any(code in trail or code.replace("-", "") in trail for code in codes)
