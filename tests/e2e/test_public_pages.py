"""Pages anyone can open, as a browser shows them: Japanese, styled, with the secretariat."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.rule("R1.3")
def test_help_page_shows_the_secretariat_in_japanese_with_its_stylesheet(asgi_server, page):
    response = page.goto(f"{asgi_server}/help/")

    assert response is not None
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "ja"
    contact = page.locator("footer")
    assert "朝霞地区医師会" in contact.inner_text()
    assert "048-465-6575" in contact.inner_text()
    hrefs = page.evaluate("() => [...document.styleSheets].map(s => s.href)")
    assert hrefs
    for href in hrefs:
        stylesheet = page.request.get(href)
        assert stylesheet.status == 200, href
        assert stylesheet.headers["content-type"].startswith("text/css"), href
