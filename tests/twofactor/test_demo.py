"""The demo region with two-factor sign-in (R2.3): its admins have an authenticator app, and
``manage.py totp_code`` shows the code a phone would, except in production."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from renkei.accounts.models import Member, UserSession
from renkei.twofactor.models import TotpAuthenticator
from renkei.twofactor.queries import factor_state, has_second_factor, is_required


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _code(login_id: str) -> str:
    out = StringIO()
    call_command("totp_code", login_id, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


@pytest.mark.rule("R2.3")
def test_the_demo_admins_sign_in_with_the_code_the_command_shows(db):
    output = _seed()
    assert "manage.py totp_code" in output
    required = [
        m for m in Member.objects.filter(is_active=True) if is_required("admins", factor_state(m))
    ]
    assert {m.login_id for m in required} >= {"jimukyoku", "operator"}
    for member in Member.objects.filter(is_active=True):
        assert has_second_factor(member) == (member in required), member.login_id
        marked = re.search(rf"^\s+{re.escape(member.login_id)}\s.*\[2FA\]$", output, re.M)
        assert bool(marked) == (member in required), member.login_id

    client = Client()
    password = re.search(r"Password \(everyone\):\s+(\S+)", output).group(1)
    answer = client.post("/signin/", {"login_id": "jimukyoku", "password": password})
    assert answer["Location"] == "/signin/verify/"
    code = _code("jimukyoku")
    assert re.fullmatch(r"\d{6}", code)
    assert client.post("/signin/verify/", {"code": code}).status_code == 302
    assert UserSession.objects.filter(member__login_id="jimukyoku", ended_at=None).count() == 1
    assert client.get("/console/").status_code == 200


def test_a_second_run_keeps_the_apps_and_a_member_without_one_gets_no_code(db):
    _seed()
    apps = list(TotpAuthenticator.objects.order_by("pk").values_list("pk", "member_id"))
    _seed()
    assert list(TotpAuthenticator.objects.order_by("pk").values_list("pk", "member_id")) == apps
    with pytest.raises(CommandError):
        _code("hp.okada")
    with pytest.raises(CommandError):
        _code("nobody")


def test_the_code_command_refuses_in_production(db, settings):
    _seed()
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        _code("jimukyoku")
