"""The page policy in a real browser: the main pages load, post and update live with no
Content-Security-Policy violation, while script or style injected into a page is refused and
reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from renkei.spaces.models import Space
from renkei.timeline.actions import post_message
from tests.e2e.conftest import off_loop
from tests.e2e.test_live_space import newest_post, sign_in, small_jpeg
from tests.spaces.helpers import patient_group
from tests.support.region import Region, build_region

pytestmark = pytest.mark.e2e

# Installed before any page script: every violation the browser reports, and every live
# message, is kept on the window.
WATCH = """
(() => {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
      `${event.effectiveDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
    );
  });
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


@pytest.fixture
def region(transactional_db: None) -> Region:
    return build_region()


@pytest.fixture
def space(region: Region, settings, tmp_path: Path) -> Space:
    settings.DATA_DIR = tmp_path
    return patient_group(region, region.nurse, region.pharmacist)


class Watched:
    """A page whose violations (events and console reports) are collected."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        # A violation, or a header the browser does not understand.
        if any(
            word in message.text
            for word in ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")
        ):
            self.console.append(message.text)

    def violations(self) -> list[str]:
        return [*self.page.evaluate("window.__cspViolations || []"), *self.console]

    def visit(self, url: str, ready: str = "main") -> None:
        response = self.page.goto(url)
        assert response is not None
        assert response.status == 200, url
        assert "nonce-" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("load")
        expect(self.page.locator(ready).first).to_be_visible(timeout=30_000)
        assert self.violations() == [], url


def test_main_pages_and_live_updates_run_without_a_violation(region, space, asgi_server, new_page):
    base = asgi_server
    nurse = Watched(new_page())
    pharmacist = Watched(new_page())

    # Public pages, then signing in through the form.
    for path in ("/signin/", "/help/", "/password/reset/"):
        nurse.visit(f"{base}{path}")
    # The API's own reference page (Swagger UI, served from this site) renders too.
    nurse.visit(f"{base}/api/v1/docs", ready=".swagger-ui .info .title")
    sign_in(nurse.page, base, region.nurse)
    assert nurse.violations() == []
    sign_in(pharmacist.page, base, region.pharmacist)

    for path in ("/", "/spaces/?tab=patients", "/spaces/?tab=groups", "/notifications/"):
        nurse.visit(f"{base}{path}")

    # The space page with its live timeline in both browsers.
    space_url = f"{base}/spaces/{space.public_id}/"
    nurse.visit(space_url)
    pharmacist.visit(space_url)
    for watched in (nurse, pharmacist):
        watched.page.wait_for_function("() => window.__liveHeard.some((m) => m.includes('hello'))")
        watched.page.evaluate("window.__stillOpen = true")

    # The nurse posts a photo from the page (the script sends it); the pharmacist's page shows
    # it without reloading, thumbnail and all.
    form = nurse.page.locator("#post-form")
    body = "血圧 132/78。内服継続、変化なし。"
    form.locator("textarea[name=body]").fill(body)
    form.locator("#post-form-files").set_input_files(
        files=[{"name": "創部.jpg", "mimeType": "image/jpeg", "buffer": small_jpeg()}]
    )
    form.locator("#post-form-photo-consent").check()
    form.locator("button[type=submit]").click()
    # The nurse's own post comes back from the send (re-encoding may take a while on a busy
    # machine: the expectation waits).
    expect(nurse.page.locator("#timeline article.post .post-body").first).to_have_text(body)
    post = off_loop(newest_post, space.pk)
    assert post is not None
    assert post.body == body
    theirs = pharmacist.page.locator(f"#post-{post.public_id}")
    expect(theirs.locator(".post-body")).to_have_text(body)
    thumbnail = theirs.locator(".post-files img")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") > 0

    # A post made elsewhere reaches both open pages over the live connection.
    off_loop(post_message, region.doctor, space_id=space.pk, body="往診予定を木曜に変更します。")
    for watched in (nurse, pharmacist):
        expect(watched.page.locator("#timeline")).to_contain_text("往診予定を木曜に変更します。")
        assert watched.page.evaluate("window.__stillOpen") is True
    theirs.locator("button.ack").click()
    expect(nurse.page.locator(f"#post-{post.public_id} .ack-count")).to_have_text("了解 1人")

    assert nurse.violations() == []
    assert pharmacist.violations() == []


def test_injected_script_and_style_are_refused_and_reported(region, asgi_server, page):
    """What an attacker's markup would do, were it ever let into a page: it does not run."""
    watched = Watched(page)
    sign_in(page, asgi_server, region.nurse)
    page.evaluate(
        """() => {
          document.body.insertAdjacentHTML(
            "beforeend",
            '<div id="styled" style="color: rgb(255, 0, 0)">x</div>' +
            '<img id="handler" src="data:," onerror="window.__handlerRan = true">'
          );
          const script = document.createElement("script");
          script.textContent = "window.__injectedRan = true";
          document.body.appendChild(script);
        }"""
    )
    page.wait_for_function("() => window.__cspViolations.length >= 3")
    assert page.evaluate("window.__injectedRan") is None
    assert page.evaluate("window.__handlerRan") is None
    assert (
        page.evaluate("getComputedStyle(document.getElementById('styled')).color")
        != "rgb(255, 0, 0)"
    )
    kinds = {v.split()[0] for v in watched.violations() if not v.startswith("Refused")}
    assert {"script-src-elem", "script-src-attr", "style-src-attr"} <= kinds
