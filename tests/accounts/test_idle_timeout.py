"""Idle sessions end after the policy's timeout (R2.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from renkei.accounts.models import EndReason, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.actions import change_policy


def _idle(client, minutes: int) -> UserSession:  # type: ignore[no-untyped-def]
    session = UserSession.objects.get(session_key=client.session.session_key)
    UserSession.objects.filter(pk=session.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=minutes)
    )
    return session


@pytest.mark.rule("R2.3")
def test_a_session_idle_past_the_timeout_ends_with_a_message(region, client_for):
    client = client_for(region.nurse)
    session = _idle(client, 31)
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == ("/signin/?next=%2F", 302)
    assert "一定時間操作がなかったため、ログアウトしました。" in response.content.decode()
    session.refresh_from_db()
    assert session.end_reason == EndReason.IDLE
    assert AuditEvent.objects.filter(
        action=AuditAction.SESSION_EXPIRED, actor_id=region.nurse.pk
    ).exists()
    assert client.get("/").status_code == 302


@pytest.mark.rule("R2.3")
def test_an_idle_api_session_answers_401(region, client_for):
    client = client_for(region.nurse)
    _idle(client, 31)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "signed_out"


@pytest.mark.rule("R2.3")
def test_activity_within_the_timeout_keeps_the_session(region, client_for):
    client = client_for(region.nurse)
    session = _idle(client, 29)
    assert client.get("/").status_code == 200
    session.refresh_from_db()
    assert session.ended_at is None
    assert timezone.now() - session.last_seen_at < timedelta(minutes=1)


@pytest.mark.rule("R2.3")
def test_the_timeout_follows_the_policy(region, client_for):
    change_policy(region.secretariat, changes={"session_idle_minutes": 60})
    client = client_for(region.nurse)
    _idle(client, 45)
    assert client.get("/").status_code == 200
    change_policy(region.secretariat, changes={"session_idle_minutes": 10})
    _idle(client, 11)
    assert client.get("/").status_code == 302
