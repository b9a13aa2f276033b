"""Signing out of this browser, and of every device in one step."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.test import Client

from renkei.accounts.models import EndReason, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from tests.accounts.conftest import USER_AGENT
from tests.support.region import PASSWORD


def test_sign_out_ends_this_session_and_is_audited(region, browser):
    browser.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    key = browser.session.session_key
    response = browser.post("/signout/", follow=True)
    assert response.redirect_chain[-1][0] == "/signin/"
    assert "ログアウトしました。" in response.content.decode()
    session = UserSession.objects.get(session_key=key)
    assert session.end_reason == EndReason.SIGN_OUT
    assert not Session.objects.filter(session_key=key).exists()
    event = AuditEvent.objects.get(action=AuditAction.SIGN_OUT)
    assert event.actor_id == region.nurse.pk
    assert event.ip == "127.0.0.1"
    assert event.user_agent == USER_AGENT
    assert browser.get("/").status_code == 302


def test_sign_out_leaves_the_members_other_devices_signed_in(region, client_for):
    phone = client_for(region.nurse)
    office = client_for(region.nurse)
    phone.post("/signout/")
    assert phone.get("/").status_code == 302
    assert office.get("/").status_code == 200


def test_sign_out_everywhere_ends_every_session_of_the_member_and_only_theirs(region, client_for):
    phone, office, tablet = (client_for(region.nurse) for _ in range(3))
    doctor = client_for(region.doctor)
    response = phone.post("/signout/everywhere/", follow=True)
    assert "すべての端末からログアウトしました。" in response.content.decode()
    for client in (phone, office, tablet):
        assert client.get("/").status_code == 302
        assert client.get("/api/v1/me").status_code == 401
    assert not UserSession.objects.filter(member=region.nurse, ended_at__isnull=True).exists()
    assert set(
        UserSession.objects.filter(member=region.nurse).values_list("end_reason", flat=True)
    ) == {EndReason.SIGN_OUT_EVERYWHERE}
    assert doctor.get("/").status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.SIGN_OUT_EVERYWHERE)
    assert event.actor_id == region.nurse.pk
    assert event.detail == {"sessions": 3}


def test_the_home_page_offers_sign_out_everywhere_as_one_button(region, client_for):
    page = client_for(region.nurse).get("/").content.decode()
    assert 'action="/signout/everywhere/"' in page
    assert "すべての端末からログアウト" in page


def test_anonymous_sign_out_changes_nothing(region):
    response = Client().post("/signout/")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_OUT).exists()
