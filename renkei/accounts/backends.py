"""The sign-in behind a request: Django's model backend with the member read prepared.

Every request reads its member by the id its session holds (``AuthenticationMiddleware``).
Django's ``ModelBackend`` builds that query anew each time; this backend runs it prepared
(renkei.prepared) and otherwise decides as ModelBackend does: an unknown id or a member who may
not sign in (``is_active`` false) is nobody.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet

from renkei.accounts.models import Member
from renkei.prepared import prepared

# Sessions begun before this backend recorded Django's ModelBackend; settings.py keeps that
# path listed after this one so that they stay signed in until they end.
MEMBER_BACKEND = "renkei.accounts.backends.MemberBackend"


@prepared
def _member(member_id: int) -> QuerySet[Member]:
    return Member.objects.filter(pk=member_id)


class MemberBackend(ModelBackend):
    """ModelBackend, with the member of each request read by a prepared query."""

    def get_user(self, user_id: Any) -> Member | None:
        if type(user_id) is not int:
            return super().get_user(user_id)
        member = _member.first(user_id)
        return member if member is not None and self.user_can_authenticate(member) else None
