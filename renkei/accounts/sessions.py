"""Django's database sessions, with the read every signed-in request makes prepared once
(renkei.prepared). The table, the stored data and the expiry rules are Django's own."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from renkei.prepared import prepared


@prepared
def _unexpired(session_key: str, now: datetime) -> QuerySet[Session]:
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


class SessionStore(db.SessionStore):
    """SESSION_ENGINE = "renkei.accounts.sessions"."""

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        session = _unexpired.first(key, timezone.now()) if key is not None else None
        if session is None:
            # As Django's store: an unknown or expired key is dropped, a new one made on save.
            self._session_key = None
        return session
