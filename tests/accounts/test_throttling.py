"""Failed sign-ins pause sign-in per account and per source address (R2.3); see also
tests/throttle/test_sign_in.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from renkei.accounts.models import SignInAttempt, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.actions import change_policy
from tests.support.region import PASSWORD

PAUSED = "ログインの失敗が続いたため、ログインを一時停止しています。15分待って"


def _sign_in(login_id: str, password: str, ip: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return Client(REMOTE_ADDR=ip).post("/signin/", {"login_id": login_id, "password": password})


@pytest.mark.rule("R2.3")
def test_failures_on_one_account_pause_it_even_with_the_right_password(region):
    for i in range(5):
        assert _sign_in("ns.sato", f"Wrong-{i}-pass", ip=f"10.0.0.{i + 1}").status_code == 401
    response = _sign_in("ns.sato", PASSWORD, ip="10.0.1.1")
    assert response.status_code == 429
    assert PAUSED in response.content.decode()
    assert not UserSession.objects.filter(member=region.nurse).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGN_IN_THROTTLED, actor_id=region.nurse.pk
    ).exists()
    # Another account is not paused by them.
    assert _sign_in("dr.yamada", PASSWORD, ip="10.0.0.1").status_code == 302


@pytest.mark.rule("R2.3")
def test_the_pause_ends_after_the_policy_period(region):
    for i in range(5):
        _sign_in("ns.sato", f"Wrong-{i}-pass", ip=f"10.0.0.{i + 1}")
    assert _sign_in("ns.sato", PASSWORD).status_code == 429
    SignInAttempt.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert _sign_in("ns.sato", PASSWORD).status_code == 302


@pytest.mark.rule("R2.3")
def test_failures_from_one_address_alone_never_pause_the_account(region):
    for i in range(19):
        assert _sign_in("ns.sato", f"Wrong-{i}-pass", ip="192.0.2.7").status_code == 401
    assert _sign_in("ns.sato", PASSWORD, ip="192.0.2.8").status_code == 302
    # A success forgives only its own address's failures.
    assert SignInAttempt.objects.filter(login_id="ns.sato", ip="192.0.2.7").count() == 19


@pytest.mark.rule("R2.3")
def test_failures_from_one_address_pause_every_account_from_it(region):
    change_policy(region.secretariat, changes={"signin_failures_per_address": 5})
    for i in range(5):
        assert _sign_in(f"guess{i}", "Guess-123-pass", ip="192.0.2.7").status_code == 401
    response = _sign_in("dr.yamada", PASSWORD, ip="192.0.2.7")
    assert response.status_code == 429
    assert "ログインの失敗が続いたため" in response.content.decode()
    assert _sign_in("dr.yamada", PASSWORD, ip="192.0.2.8").status_code == 302


@pytest.mark.rule("R2.3")
def test_the_account_limit_follows_the_policy(region):
    change_policy(region.secretariat, changes={"signin_failures_per_account": 3})
    for i in range(3):
        _sign_in("ns.sato", f"Wrong-{i}-pass", ip=f"10.0.0.{i + 1}")
    assert _sign_in("ns.sato", PASSWORD, ip="10.0.1.1").status_code == 429
