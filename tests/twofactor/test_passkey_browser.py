"""A passkey registered and used to sign in, in Chromium with its virtual authenticator (R2.3).

Chrome's DevTools protocol gives the browser a platform authenticator (CTAP2, internal
transport, resident keys, user verification) so that navigator.credentials.create() and get()
run for real: the page's script, the server's WebAuthn checks and the sign-in all take part.
WebAuthn refuses an IP address as relying party id, so the browser visits ``localhost``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from renkei.accounts.models import UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.twofactor.models import Passkey
from tests.e2e.conftest import asgi_server, browser, new_page, off_loop, page, playwright
from tests.support.region import PASSWORD, Region, build_region

__all__ = ["asgi_server", "browser", "new_page", "page", "playwright"]  # fixtures used here

pytestmark = [pytest.mark.e2e, pytest.mark.rule("R2.3")]


@pytest.fixture
def region(transactional_db: None) -> Region:
    """The suite's cast, committed so that the server thread sees it."""
    return build_region()


@pytest.fixture
def base(asgi_server: str, settings) -> str:  # type: ignore[no-untyped-def]
    """The server's address under the name ``localhost``, the relying party id."""
    url = asgi_server.replace("127.0.0.1", "localhost")
    settings.BASE_URL = url
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.CSRF_TRUSTED_ORIGINS = [url]
    return url


def virtual_authenticator(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def password_step(page: Page, base: str, login_id: str) -> None:
    page.goto(f"{base}/signin/")
    page.locator("#id_login_id").fill(login_id)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_a_member_registers_a_passkey_and_signs_in_with_it(region, base, page):
    nurse = region.nurse
    virtual_authenticator(page)
    password_step(page, base, nurse.login_id or "")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/account/two-factor/")
    page.locator("#passkey-name").fill("訪問用スマートフォン")
    page.get_by_role("button", name="パスキーを追加").click()
    # The first factor of the nurse: the ten recovery codes are shown, once.
    page.wait_for_url(f"{base}/account/two-factor/codes/")
    expect(page.locator("[data-recovery-codes] li")).to_have_count(10)
    passkey = off_loop(Passkey.objects.get, member=nurse)
    assert passkey.name == "訪問用スマートフォン"
    page.goto(f"{base}/account/two-factor/")
    expect(page.locator("main")).to_contain_text("訪問用スマートフォン")

    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(f"{base}/signin/")
    password_step(page, base, nurse.login_id or "")
    page.wait_for_url(f"{base}/signin/verify/")
    # No session before the second step.
    assert off_loop(lambda: UserSession.objects.filter(member=nurse, ended_at=None).count()) == 0
    page.get_by_role("button", name="パスキーでログイン").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator("main")).to_contain_text(nurse.name)
    assert off_loop(lambda: UserSession.objects.filter(member=nurse, ended_at=None).count()) == 1
    verified = off_loop(
        lambda: list(
            AuditEvent.objects.filter(
                action=AuditAction.SECOND_FACTOR_VERIFIED, actor_id=nurse.pk
            ).values_list("detail", flat=True)
        )
    )
    assert verified == [{"method": "passkey"}]
    used = off_loop(Passkey.objects.get, pk=passkey.pk)
    assert used.last_used_at is not None


def test_a_passkey_of_another_browser_does_not_pass_the_second_step(region, base, new_page):
    """A browser without the nurse's passkey cannot answer for it; a code still can be typed."""
    nurse = region.nurse
    first = new_page()
    virtual_authenticator(first)
    password_step(first, base, nurse.login_id or "")
    first.wait_for_url(f"{base}/")
    first.goto(f"{base}/account/two-factor/")
    first.get_by_role("button", name="パスキーを追加").click()
    first.wait_for_url(f"{base}/account/two-factor/codes/")

    other = new_page()
    virtual_authenticator(other)  # an authenticator of its own, without the nurse's passkey
    password_step(other, base, nurse.login_id or "")
    other.wait_for_url(f"{base}/signin/verify/")
    other.get_by_role("button", name="パスキーでログイン").click()
    expect(other.locator("[data-passkey-error]")).to_be_visible()
    assert other.url == f"{base}/signin/verify/"
    assert off_loop(lambda: UserSession.objects.filter(member=nurse, ended_at=None).count()) == 1
