"""Helpers for the account pages: clients with a browser's user agent, and page comparison."""

from __future__ import annotations

import re

import pytest
from django.test import Client

USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) RenkeiTest/1.0"

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf(page: str) -> str:
    """A page with its per-response CSRF tokens blanked, so two answers can be compared."""
    return _CSRF.sub('name="csrfmiddlewaretoken" value=""', page)


@pytest.fixture
def browser() -> Client:
    """An anonymous client that sends a phone's user agent, as the audit trail records it."""
    return Client(HTTP_USER_AGENT=USER_AGENT)
