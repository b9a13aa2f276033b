"""Reset links are limited per typed address and per source address (R2.3), and the limit says
nothing about whether an account has the address: a known and an unknown address are counted
and refused alike."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from renkei.accounts.models import OneTimeToken, TokenPurpose
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.actions import change_policy

PER_ADDRESS = "このメールアドレスへの再設定リンクの依頼が多すぎます（1時間に3回まで）。"
PER_NETWORK = "この接続元からの再設定リンクの依頼が多すぎます（1時間に2回まで）。"


def _ask(email: str, ip: str):  # type: ignore[no-untyped-def]
    return Client(REMOTE_ADDR=ip).post("/password/reset/", {"email": email})


def _alert(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'<p role="alert">(.*?)</p>', response.content.decode(), re.S)
    assert match, response.content.decode()
    return match.group(1).strip()


def _page(response) -> str:  # type: ignore[no-untyped-def]
    """The page without its per-response nonce and CSRF token."""
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def _tokens() -> int:
    return OneTimeToken.objects.filter(purpose=TokenPurpose.PASSWORD_RESET).count()


def _requests() -> int:
    return AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_REQUESTED).count()


@pytest.mark.rule("R2.3")
def test_a_known_and_an_unknown_address_are_limited_alike(region, clock):
    for i in range(3):
        assert _ask("ns.sato@example.jp", f"10.2.0.{i}").status_code == 302
        assert _ask("nobody@example.jp", f"10.3.0.{i}").status_code == 302
    assert _tokens() == 3
    assert _requests() == 6
    # The same address typed differently is the same address.
    known = _ask(" NS.Sato@example.jp", "10.2.1.1")
    unknown = _ask("nobody@example.jp", "10.3.1.1")
    for refused in (known, unknown):
        assert refused.status_code == 429
        assert refused["Retry-After"] == "3595"
        assert _alert(refused) == PER_ADDRESS + "60分後にもう一度お試しください。"
    assert _page(known) == _page(unknown)
    assert _tokens() == 3
    assert _requests() == 6  # nothing written for the refused requests


@pytest.mark.rule("R2.3")
def test_the_address_limit_lifts_after_the_hour(region, clock):
    for i in range(3):
        _ask("ns.sato@example.jp", f"10.2.0.{i}")
    clock.shift(3000)
    assert _ask("ns.sato@example.jp", "10.2.0.9").status_code == 429
    clock.shift(600)
    assert _ask("ns.sato@example.jp", "10.2.0.9").status_code == 302
    assert _tokens() == 4


@pytest.mark.rule("R2.3")
def test_one_network_asking_for_many_addresses_is_limited(region, clock):
    change_policy(region.secretariat, changes={"reset_requests_per_address_hour": 2})
    assert _ask("someone@example.jp", "203.0.113.9").status_code == 302
    assert _ask("ns.sato@example.jp", "203.0.113.9").status_code == 302
    refused = _ask("dr.yamada@example.jp", "203.0.113.9")
    assert refused.status_code == 429
    assert _alert(refused) == PER_NETWORK + "60分後にもう一度お試しください。"
    assert _ask("dr.yamada@example.jp", "203.0.113.10").status_code == 302
    clock.shift(3600)
    assert _ask("another@example.jp", "203.0.113.9").status_code == 302
