"""The device cookie that tells one browser from another, and what a user agent says it is."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from renkei.devices.models import DeviceKind

COOKIE_NAME = "renkei_device"
_SALT = "renkei.devices.browser"
# Long-lived: the cookie names the browser, it grants nothing by itself.
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600


def new_browser_key() -> str:
    return secrets.token_urlsafe(32)


def read_browser_key(request: HttpRequest) -> str | None:
    """The browser key of the request's device cookie, or None when missing or tampered with."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def remember_browser(response: HttpResponse, browser_key: str) -> None:
    """Set the signed, HttpOnly device cookie on ``response``."""
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps(browser_key, salt=_SALT),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("iPad", r"iPad"),
    ("iPhone", r"iPhone"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("ChromeOS", r"CrOS"),
    ("Mac", r"Macintosh|Mac OS X"),
    ("Linux", r"Linux|X11"),
)


def browser_and_system(user_agent: str) -> tuple[str, str]:
    """The browser family and the system a User-Agent header names ("" where it names none):
    no versions or build numbers, only what a member recognises."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    return browser, system


def describe(user_agent: str) -> tuple[str, DeviceKind]:
    """A readable name and the kind of device a user agent string announces."""
    browser, system = browser_and_system(user_agent)
    if system == "iPad" or (system == "Android" and "Mobile" not in user_agent):
        kind = DeviceKind.TABLET
    elif system in ("iPhone", "Android") or "Mobile" in user_agent:
        kind = DeviceKind.SMARTPHONE
    elif system in ("Windows", "ChromeOS", "Mac", "Linux"):
        kind = DeviceKind.PC
    else:
        kind = DeviceKind.OTHER
    name = f"{browser} / {system}" if browser and system else browser or system or "Browser"
    return name[:60], kind
