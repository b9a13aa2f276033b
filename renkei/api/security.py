"""Session-cookie authentication for the API, with Django's CSRF check on unsafe methods."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

from renkei.accounts.models import Member
from renkei.api.errors import CsrfFailed


class MemberSession(APIKeyCookie):
    """A signed-in member's session cookie, as the pages use it.

    Whether the session is still open (not ended by deregistration, sign-out elsewhere or the
    idle timeout) is decided once for pages and API alike by the session guard middleware;
    here the request must carry a signed-in member, and unsafe methods the CSRF token
    (cookie ``csrftoken`` echoed in the ``X-CSRFToken`` header).
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in member the answer is 401 whatever the token; CSRF guards sessions.
        if self.csrf and request.user.is_authenticated and check_csrf(request) is not None:
            raise CsrfFailed(_("The CSRF token is missing or wrong."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if isinstance(user, Member) and user.is_authenticated:
            # The member itself, not Django's lazy wrapper of it: each attribute read through
            # the wrapper is a call of its own, and a page reads the viewer once per post.
            return getattr(user, "_wrapped", user)
        return None


def member_of(request: HttpRequest) -> Member:
    """The signed-in member of an authenticated API request."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, Member)
    return user
