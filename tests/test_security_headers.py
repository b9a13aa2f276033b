"""Hardened pages: every response carries a Content-Security-Policy whose scripts run only with
the request's fresh nonce, and the headers that stop framing, sniffing, referrer leaks and
unneeded browser features. Templates hold no inline script, handler or style attribute."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from renkei.attachments.views import CSP_PDF, CSP_SANDBOX
from tests.attachments import samples
from tests.attachments.helpers import post_files
from tests.spaces.helpers import patient_group

ROOT = Path(settings.BASE_DIR) / "renkei"
TEMPLATES = sorted(ROOT.glob("**/templates/**/*.html"))


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in parsed, f"{words[0]} given twice"
            parsed[words[0]] = words[1:]
    return parsed


def nonce_of(header: str) -> str:
    [source] = [s for s in directives(header)["script-src"] if s.startswith("'nonce-")]
    return source.removeprefix("'nonce-").removesuffix("'")


def test_the_sign_in_page_policy_allows_only_this_site_and_the_nonce(db):
    response = Client().get(reverse("accounts:sign_in"))
    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert len(csp["script-src"]) == 2
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["connect-src"] == ["'self'", "ws://testserver"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    for values in csp.values():
        assert "'unsafe-inline'" not in values
        assert "'unsafe-eval'" not in values
        assert "*" not in values


def test_the_live_connection_origin_follows_https(db):
    response = Client().get(reverse("accounts:sign_in"), secure=True)
    assert directives(response["Content-Security-Policy"])["connect-src"] == [
        "'self'",
        "wss://testserver",
    ]


def test_each_request_has_its_own_nonce_and_the_page_scripts_carry_it(region, client_for):
    client = client_for(region.nurse)
    space = patient_group(region, region.nurse)
    seen = set()
    for _ in range(3):
        response = client.get(reverse("spaces:space", args=[space.public_id]))
        assert response.status_code == 200
        nonce = nonce_of(response["Content-Security-Policy"])
        assert len(nonce) >= 22  # 128 bits
        seen.add(nonce)
        html = response.content.decode()
        # json_script's data blocks are not run; every other script is a file with the nonce.
        scripts = [
            tag for tag in re.findall(r"<script\b[^>]*>", html) if "application/json" not in tag
        ]
        # live.js from the base page and timeline.js of the space page
        assert len(scripts) == 2
        for tag in scripts:
            assert f'nonce="{nonce}"' in tag
            assert "src=" in tag
    assert len(seen) == 3


def test_the_nonce_is_in_the_template_context_and_on_the_request(region, client_for):
    response = client_for(region.nurse).get("/")
    assert response.status_code == 200
    nonce = nonce_of(response["Content-Security-Policy"])
    assert response.context["csp_nonce"] == nonce
    assert response.wsgi_request.csp_nonce == nonce  # type: ignore[attr-defined]


def test_signed_in_pages_and_api_answers_are_not_cached(region, client_for):
    client = client_for(region.nurse)
    for path in ("/", reverse("spaces:list"), "/api/v1/me"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-store", path


def test_public_pages_and_static_files_may_be_cached(db):
    page = Client().get("/help/")
    assert "no-store" not in page.get("Cache-Control", "")
    stylesheet = Client().get("/static/renkei/app.css")
    assert stylesheet.status_code == 200
    assert "no-store" not in stylesheet.get("Cache-Control", "")


def test_redirects_errors_api_and_static_files_carry_the_policy_too(db, client):
    redirected = client.get("/")  # signed out: to the sign-in page
    assert redirected.status_code == 302
    missing = client.get("/no-such-page/")
    api = client.get("/api/v1/me")
    health = client.get("/healthz")
    for response in (redirected, missing, api, health):
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/signin/", "/help/"])
def test_browser_hardening_headers(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    permissions = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in ("geolocation", "microphone", "payment", "usb", "display-capture"):
        assert permissions[feature] == "()"
    # The photo form may open the camera of the device, for this site only.
    assert permissions["camera"] == "(self)"


def test_served_files_keep_their_stricter_sandbox_policy(
    region, client_for, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    space = patient_group(region, region.nurse)
    post = post_files(
        region.nurse,
        space,
        samples.upload("褥瘡.jpg", samples.jpeg()),
        samples.upload("紹介状.pdf", samples.pdf()),
        capture=django_capture_on_commit_callbacks,
    )
    photo, pdf = post.attachments.order_by("id")
    client = client_for(region.nurse)
    photo_response = client.get(reverse("attachments:download", args=[photo.public_id]))
    assert photo_response.status_code == 200
    assert photo_response["Content-Security-Policy"] == CSP_SANDBOX
    pdf_response = client.get(reverse("attachments:download", args=[pdf.public_id]))
    assert pdf_response["Content-Security-Policy"] == CSP_PDF
    for response in (photo_response, pdf_response):
        assert "nonce-" not in response["Content-Security-Policy"]
        assert "'self'" not in directives(response["Content-Security-Policy"])["default-src"]


def test_the_templates_were_found():
    assert len(TEMPLATES) > 50
    assert ROOT / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_hold_no_inline_script_handler_or_style(template: Path):
    """A script is a static file loaded with the request's nonce; behaviour is bound from it,
    and presentation is a class of the stylesheet: the policy refuses anything inline."""
    text = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
        assert 'nonce="{{ csp_nonce }}"' in tag, f"{template}: {tag} has no nonce"
        # A data block (type="application/json") is not run; any other script is a file.
        assert "src=" in tag or "application/json" in tag, f"{template}: inline {tag}"
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", text, flags=re.IGNORECASE), (
        f"{template}: an inline event handler"
    )
    assert not re.search(r"<[^>]*\sstyle\s*=", text, flags=re.IGNORECASE), (
        f"{template}: a style attribute"
    )
    assert not re.search(r"<style\b", text, flags=re.IGNORECASE), f"{template}: a <style> element"
    assert "javascript:" not in text.lower(), f"{template}: a javascript: URL"
