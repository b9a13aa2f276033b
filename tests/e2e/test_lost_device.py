"""A facility admin at work in the facility console, in the browser (R2.10, R2.5).

The pharmacy's admin approves a staff member's pending invitation into another facility's
patient group, then reports that member's phone lost from the device registry; the member's
browser, open on the home page with its live connection, is sent to sign-in at once.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from renkei.accounts.models import Member
from renkei.devices.models import Device, DeviceState
from renkei.spaces import actions
from renkei.spaces.models import Membership, Space
from tests.e2e.conftest import off_loop
from tests.spaces.helpers import patient_group
from tests.support.region import PASSWORD, Region, _affiliate, build_region
from tests.support.twofactor import pass_second_step

pytestmark = pytest.mark.e2e

# Set in the page when its live connection has said hello, so the test knows it is listening.
HELLO_WATCH = """
(() => {
  const Native = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const socket = protocols ? new Native(url, protocols) : new Native(url);
    socket.addEventListener("message", (event) => {
      try { if (JSON.parse(event.data).type === "hello") { window.__renkeiHello = true; } }
      catch (error) { /* not JSON: not ours */ }
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
})();
"""


@pytest.fixture
def region(transactional_db: None) -> Region:
    """The suite's cast, committed so that the server thread sees it."""
    return build_region()


@pytest.fixture
def invited(region: Region) -> Space:
    """The helper, now pharmacy staff, invited into the clinic's patient group; waiting for
    the pharmacy's approval."""
    _affiliate(region.helper, region.pharmacy)
    space = patient_group(region, region.nurse)
    actions.invite_to_patient_group(region.doctor, space_id=space.pk, member_ids=[region.helper.pk])
    return space


def sign_in(page: Page, base: str, member: Member) -> None:
    page.goto(f"{base}/signin/")
    page.locator("#id_login_id").fill(member.login_id or "")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    pass_second_step(page, base, member.login_id or "")
    page.wait_for_url(f"{base}/")


@pytest.mark.rule("R2.5")
@pytest.mark.rule("R2.10")
def test_an_admin_approves_an_invitation_and_reports_a_device_lost(
    region, invited, asgi_server, new_page
):
    base = asgi_server
    helper = new_page()
    helper.add_init_script(HELLO_WATCH)
    sign_in(helper, base, region.helper)
    helper.wait_for_function("() => window.__renkeiHello === true")
    device = off_loop(Device.objects.get, member=region.helper)

    admin = new_page()
    sign_in(admin, base, region.pharmacist)
    admin.goto(f"{base}/facilities/{region.pharmacy.public_id}/")
    admin.get_by_role("link", name="職員の参加スペースと承認待ちの招待").click()
    row = admin.locator(f'[data-invitation="{invited.public_id}:{region.helper.public_id}"]')
    expect(row).to_contain_text("小林 優")
    row.get_by_role("button", name="承認する").click()
    expect(admin.locator(".messages")).to_contain_text("小林 優")
    expect(row).to_have_count(0)
    assert off_loop(Membership.objects.get, space=invited, member=region.helper).is_active

    admin.goto(f"{base}/facilities/{region.pharmacy.public_id}/")
    admin.get_by_role("link", name="職員の端末").click()
    line = admin.locator(f'tr[data-device="{device.public_id}"]')
    expect(line).to_contain_text("小林 優")
    expect(line).to_contain_text("利用中")
    line.get_by_role("button", name="紛失を届け出る").click()
    expect(admin.locator(".messages")).to_contain_text("端末の紛失を届け出ました")
    expect(admin.locator(f'tr[data-device="{device.public_id}"]')).to_contain_text("紛失届出済み")

    # The helper's open page leaves for sign-in without anyone touching it ...
    helper.wait_for_url(re.compile(r"/signin/"))
    assert off_loop(Device.objects.get, pk=device.pk).state == DeviceState.LOST
    # ... and that browser cannot sign in again.
    helper.locator("#id_login_id").fill(region.helper.login_id or "")
    helper.locator("#id_password").fill(PASSWORD)
    helper.locator("main form button[type=submit]").click()
    expect(helper.locator("main")).to_contain_text(
        "この端末は紛失または利用停止として届け出られている"
    )
    # The admin's own browser goes on working.
    admin.goto(f"{base}/")
    expect(admin.locator("main")).to_contain_text("伊藤 健")
