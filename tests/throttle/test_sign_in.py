"""Failed sign-ins pause the address they come from, never the victim's own devices (R2.3), and
answer the same whether or not the account exists."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from renkei.accounts.models import SignInAttempt, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.actions import change_policy
from tests.support.hashers import FastArgon2PasswordHasher
from tests.support.region import PASSWORD

ATTACKER = "203.0.113.66"
NETWORK_PAUSED = "この接続元からのログインの失敗が続いたため、この接続元からのログインを一時停止"
ACCOUNT_PAUSED = "ログインの失敗が続いたため、ログインを一時停止しています。15分待って"
DEVICE_PAUSED = "この端末でのログインの失敗が続いたため"
REFUSED = "ログインIDまたはパスワードが正しくありません。"


def _sign_in(client: Client, login_id: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/signin/", {"login_id": login_id, "password": password})


def _own_device(login_id: str, ip: str) -> Client:
    """A browser the member has signed in from before (it holds the device cookie), signed out."""
    client = Client(REMOTE_ADDR=ip)
    assert _sign_in(client, login_id, PASSWORD).status_code == 302
    assert "renkei_device" in client.cookies
    client.post("/signout/")
    return client


def _alert(response) -> str:  # type: ignore[no-untyped-def]
    page = response.content.decode()
    match = re.search(r'role="alert"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else page


def _signed_in(member) -> int:  # type: ignore[no-untyped-def]
    return UserSession.objects.filter(member=member, ended_at__isnull=True).count()


@pytest.mark.rule("R2.3")
def test_a_flood_from_one_address_never_locks_the_victim_out(region, clock):
    laptop = _own_device("ns.sato", "10.20.0.5")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    answers = [_sign_in(attacker, "ns.sato", f"Guess-{i}-pass").status_code for i in range(1000)]
    assert answers[:20] == [401] * 20  # signin_failures_per_address
    assert set(answers[20:]) == {429}
    paused = _sign_in(attacker, "ns.sato", f"Guess-{1000}-pass")
    assert NETWORK_PAUSED in paused.content.decode()
    assert paused["Retry-After"] == str(15 * 60)
    assert SignInAttempt.objects.count() == 20  # refused attempts write nothing...
    throttled = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_THROTTLED)
    assert throttled.count() == 1  # ...and the pause is audited once, not 980 times
    # The victim signs in from their own device and from an address never used before.
    assert _sign_in(laptop, "ns.sato", PASSWORD).status_code == 302
    assert _sign_in(Client(REMOTE_ADDR="10.30.0.9"), "ns.sato", PASSWORD).status_code == 302
    assert _signed_in(region.nurse) == 2
    # The attacker's address stays paused, even with a right password.
    assert _sign_in(attacker, "dr.yamada", PASSWORD).status_code == 429
    assert not UserSession.objects.filter(member=region.doctor).exists()
    # After the pause it may try again.
    clock.shift(15 * 60)
    assert _sign_in(attacker, "ns.sato", "Guess-x-pass").status_code == 401


@pytest.mark.rule("R2.3")
def test_failures_spread_over_addresses_pause_new_browsers_but_not_the_victims_device(
    region, clock
):
    phone = _own_device("ns.sato", "10.20.0.5")
    for i in range(5):
        response = _sign_in(Client(REMOTE_ADDR=f"198.51.100.{i}"), "ns.sato", f"Guess-{i}-pass")
        assert response.status_code == 401
    # A browser that never signed in as the nurse is paused, at any address, password or not.
    stranger = _sign_in(Client(REMOTE_ADDR="10.30.0.9"), "ns.sato", PASSWORD)
    assert stranger.status_code == 429
    assert ACCOUNT_PAUSED in stranger.content.decode()
    assert "以前にログインしたことのある端末から" in stranger.content.decode()
    assert stranger["Retry-After"] == str(15 * 60)
    # A browser that signed in as someone else is a stranger to this account too.
    other = _own_device("cm.suzuki", "10.30.0.10")
    assert _sign_in(other, "ns.sato", PASSWORD).status_code == 429
    assert _signed_in(region.nurse) == 0
    # The nurse's own phone keeps working, from wherever it is.
    assert _sign_in(phone, "ns.sato", PASSWORD).status_code == 302
    assert _signed_in(region.nurse) == 1
    # The pause on new browsers ends with the policy's period.
    clock.shift(15 * 60)
    assert _sign_in(Client(REMOTE_ADDR="10.30.0.9"), "ns.sato", PASSWORD).status_code == 302


@pytest.mark.rule("R2.3")
def test_a_known_device_that_keeps_failing_pauses_itself_only(region, clock):
    change_policy(region.secretariat, changes={"signin_failures_per_account": 3})
    laptop = _own_device("ns.sato", "10.20.0.5")
    for i in range(3):
        assert _sign_in(laptop, "ns.sato", f"Wrong-{i}-pass").status_code == 401
    refused = _sign_in(laptop, "ns.sato", PASSWORD)
    assert refused.status_code == 429
    assert DEVICE_PAUSED in refused.content.decode()
    # The same address from another browser is not paused by the device's failures...
    assert _sign_in(Client(REMOTE_ADDR="10.20.0.5"), "ns.sato", PASSWORD).status_code == 302
    clock.shift(15 * 60)
    # ...and the device signs in again once its pause is over.
    assert _sign_in(laptop, "ns.sato", PASSWORD).status_code == 302


@pytest.mark.rule("R2.3")
def test_an_unknown_login_id_answers_like_a_wrong_password(region, clock):
    known = _sign_in(Client(REMOTE_ADDR="10.40.0.1"), "ns.sato", "Wrong-1-pass")
    unknown = _sign_in(Client(REMOTE_ADDR="10.40.0.2"), "nobody.here", "Wrong-1-pass")
    assert known.status_code == unknown.status_code == 401
    assert _alert(known) == _alert(unknown) == REFUSED


@pytest.mark.rule("R2.3")
def test_an_unknown_login_id_is_paused_like_a_real_account(region, clock):
    for i in range(5):
        _sign_in(Client(REMOTE_ADDR=f"198.51.100.{i}"), "ns.sato", f"Guess-{i}-pass")
        _sign_in(Client(REMOTE_ADDR=f"198.51.100.{i}"), "nobody.here", f"Guess-{i}-pass")
    known = _sign_in(Client(REMOTE_ADDR="10.30.0.9"), "ns.sato", "Guess-x-pass")
    unknown = _sign_in(Client(REMOTE_ADDR="10.30.0.9"), "nobody.here", "Guess-x-pass")
    assert known.status_code == unknown.status_code == 429
    assert _alert(known) == _alert(unknown)
    assert known["Retry-After"] == unknown["Retry-After"]


class CountingHasher(FastArgon2PasswordHasher):
    """The suite's Argon2, counting the passwords it verifies."""

    verified = 0

    def verify(self, password: str, encoded: str) -> bool:
        CountingHasher.verified += 1
        return super().verify(password, encoded)


@pytest.mark.rule("R2.3")
def test_an_unknown_login_id_costs_the_same_password_check(region, settings):
    settings.PASSWORD_HASHERS = ["tests.throttle.test_sign_in.CountingHasher"]
    region.nurse.set_password(PASSWORD)
    region.nurse.save()
    CountingHasher.verified = 0
    _sign_in(Client(REMOTE_ADDR="10.40.0.1"), "ns.sato", "Wrong-1-pass")
    assert CountingHasher.verified == 1
    _sign_in(Client(REMOTE_ADDR="10.40.0.2"), "nobody.here", "Wrong-1-pass")
    assert CountingHasher.verified == 2
