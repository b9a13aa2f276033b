"""Browsers that sign in through the sign-in page, so each one gets its device cookie."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from renkei.accounts.models import Member
from tests.support.region import PASSWORD
from tests.support.twofactor import next_code

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari/604.1"
PC = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"


def sign_in_page(client: Client, member: Member) -> int:
    """Sign in on the sign-in page as a browser does; returns the status of the answer."""
    assert member.login_id is not None
    response = client.post("/signin/", {"login_id": member.login_id, "password": PASSWORD})
    if response.status_code == 302 and response["Location"] == "/signin/verify/":
        # The second step of a member with an authenticator app (R2.3).
        response = client.post("/signin/verify/", {"code": next_code(member.login_id)})
    return int(response.status_code)


@pytest.fixture
def browser_of(db: None) -> Callable[..., Client]:
    """``browser_of(member, user_agent=PHONE)``: a new browser with ``member`` signed in."""

    def make(member: Member, user_agent: str = PHONE) -> Client:
        client = Client(HTTP_USER_AGENT=user_agent)
        assert sign_in_page(client, member) == 302
        return client

    return make
