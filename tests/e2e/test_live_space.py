"""A care space live in two browsers: a nurse posts a photo in a patient group from its page;
the pharmacist, who has the same page open, sees the post and its thumbnail appear without
reloading and presses 了解; the nurse sees the acknowledgement count rise, again without
reloading. A member's notification badge follows over the same live connection.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from renkei.accounts.models import Member
from renkei.attachments.models import Attachment
from renkei.notifications.queries import unread_count
from renkei.spaces.models import Space
from renkei.timeline.actions import post_message
from renkei.timeline.models import Acknowledgement, Post
from tests.e2e.conftest import off_loop
from tests.spaces.helpers import patient_group
from tests.support.region import PASSWORD, Region, build_region
from tests.support.twofactor import pass_second_step

pytestmark = pytest.mark.e2e

# A page that reloads loses this; one that only changed in place keeps it.
MARKER = "window.__renkeiStillOpen"


@pytest.fixture
def region(transactional_db: None) -> Region:
    """The suite's cast, committed so that the server thread sees it."""
    return build_region()


@pytest.fixture
def space(region: Region, settings, tmp_path: Path) -> Space:
    """A patient group of the lead clinic with the nurse and a pharmacist of another facility;
    its files are stored under a temporary folder."""
    settings.DATA_DIR = tmp_path
    return patient_group(region, region.nurse, region.pharmacist)


def small_jpeg() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 120, 40))
    image.paste((20, 40, 220), (0, 0, 160, 120))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def sign_in(page: Page, base: str, member: Member) -> None:
    page.goto(f"{base}/signin/")
    page.locator("#id_login_id").fill(member.login_id or "")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    pass_second_step(page, base, member.login_id or "")
    page.wait_for_url(f"{base}/")


def open_space(page: Page, base: str, space: Space) -> None:
    page.goto(f"{base}/spaces/{space.public_id}/")
    expect(page.locator("#post-form")).to_be_visible()
    page.evaluate(f"{MARKER} = true")


def newest_post(space_id: int) -> Post:
    return Post.objects.filter(space_id=space_id).order_by("-id").first()  # type: ignore[return-value]


@pytest.mark.rule("R3.3②")
@pytest.mark.rule("R3.3④")
def test_a_photo_post_appears_live_and_its_acknowledgement_comes_back(
    region, space, asgi_server, new_page
):
    base = asgi_server
    nurse, pharmacist = new_page(), new_page()
    sign_in(nurse, base, region.nurse)
    sign_in(pharmacist, base, region.pharmacist)
    open_space(nurse, base, space)
    open_space(pharmacist, base, space)

    body = "仙骨部の発赤、昨日より縮小しています。写真を共有します。"
    form = nurse.locator("#post-form")
    form.locator("textarea[name=body]").fill(body)
    form.locator("#post-form-files").set_input_files(
        files=[{"name": "仙骨部.jpg", "mimeType": "image/jpeg", "buffer": small_jpeg()}]
    )
    # Choosing a photo makes the consent box required (R3.3④): the browser keeps the form.
    expect(form.locator("#post-form-photo-consent")).to_have_js_property("required", True)
    form.locator("#post-form-photo-consent").check()
    form.locator("button[type=submit]").click()

    # The nurse's own post comes back from the send with its thumbnail.
    mine = nurse.locator("#timeline article.post").first
    expect(mine.locator(".post-body")).to_have_text(body)
    expect(mine.locator(".post-files img")).to_be_visible()
    post = off_loop(newest_post, space.pk)
    assert post.body == body
    attachment = off_loop(Attachment.objects.get, post_id=post.pk)
    assert attachment.patient_consent_confirmed
    post_id = str(post.public_id)

    # The pharmacist's open page shows it without reloading, photo and all.
    theirs = pharmacist.locator(f"#post-{post_id}")
    expect(theirs.locator(".post-body")).to_have_text(body)
    thumbnail = theirs.locator(".post-files img")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_attribute("src", f"/files/{attachment.public_id}/thumbnail/")
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") > 0  # the image really loaded
    expect(theirs.locator(".ack-count")).to_have_text("了解 0人")

    # 了解 (R3.3②) from the pharmacist's page ...
    theirs.locator("button.ack").click()
    expect(theirs.locator("button.ack")).to_have_text("了解済み")
    expect(theirs.locator("button.ack")).to_be_disabled()
    # ... reaches the nurse's open page.
    expect(nurse.locator(f"#post-{post_id} .ack-count")).to_have_text("了解 1人")
    assert (
        off_loop(Acknowledgement.objects.filter(post_id=post.pk, member=region.pharmacist).count)
        == 1
    )

    # Neither page was reloaded: everything above changed in place.
    assert pharmacist.evaluate(MARKER) is True
    assert nurse.evaluate(MARKER) is True
    assert pharmacist.url == f"{base}/spaces/{space.public_id}/"


# Notes each message the page's live connection receives, so that the test can wait until
# the connection is up (its "hello") before anything is published to it.
HEARD = """
(() => {
  const Native = window.WebSocket;
  window.__liveHeard = [];
  window.WebSocket = function (url, protocols) {
    const socket = new Native(url, protocols);
    socket.addEventListener("message", (event) => window.__liveHeard.push(event.data));
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  window.WebSocket.OPEN = Native.OPEN;
})();
"""


def test_the_notification_badge_follows_live(region, space, asgi_server, page):
    base = asgi_server
    page.add_init_script(HEARD)
    sign_in(page, base, region.pharmacist)
    page.evaluate(f"{MARKER} = true")
    badge = page.locator("[data-unread-notifications]")
    expect(badge).to_have_text("1")  # added to the patient group
    page.wait_for_function("() => window.__liveHeard.some((m) => m.includes('hello'))")

    off_loop(
        post_message,
        region.doctor,
        space_id=space.pk,
        body="@ph.ito 残薬の確認をお願いします。",
    )
    expected = off_loop(unread_count, region.pharmacist)
    assert expected == 2
    expect(badge).to_have_text("2")
    expect(badge).to_be_visible()
    assert page.evaluate(MARKER) is True


def test_a_refused_file_is_shown_next_to_the_field_and_the_text_stays(
    region, space, asgi_server, page
):
    base = asgi_server
    sign_in(page, base, region.nurse)
    open_space(page, base, space)
    form = page.locator("#post-form")
    body = "紹介状を添付します。"
    form.locator("textarea[name=body]").fill(body)
    client_id = form.locator("input[name=client_id]").input_value()
    form.locator("#post-form-files").set_input_files(
        files=[{"name": "紹介状.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" * 64}]
    )
    form.locator("button[type=submit]").click()

    error = form.locator("[data-error-for=attachments]")
    expect(error).to_contain_text("「紹介状.pdf」：")
    expect(form.locator("#post-form-files")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("textarea[name=body]")).to_have_value(body)
    expect(form.locator("input[name=client_id]")).to_have_value(client_id)
    assert off_loop(Post.objects.filter(space_id=space.pk).count) == 0
    assert page.evaluate(MARKER) is True
