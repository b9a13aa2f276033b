"""The session store (renkei/accounts/sessions.py) reads sessions as Django's database store
does: a live key gives its data, an expired or unknown key gives nothing and is dropped."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from renkei.accounts.sessions import SessionStore


def test_a_live_session_gives_back_what_was_stored(db: None) -> None:
    store = SessionStore()
    store["visit"] = "訪問看護"
    store.save()
    again = SessionStore(session_key=store.session_key)
    assert again["visit"] == "訪問看護"
    assert again.session_key == store.session_key


def test_an_expired_session_gives_nothing_and_its_key_is_dropped(db: None) -> None:
    store = SessionStore()
    store["visit"] = "訪問看護"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    again = SessionStore(session_key=store.session_key)
    assert again.get("visit") is None
    assert again.session_key is None


def test_an_unknown_key_gives_nothing(db: None) -> None:
    again = SessionStore(session_key="x" * 32)
    assert dict(again.items()) == {}
    assert again.session_key is None
