"""Each member sees their open sessions and ends any of them; sessions have a longest lifetime
as well as the idle timeout (R2.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from renkei.accounts.models import EndReason, UserSession
from renkei.accounts.queries import coarse_place, summarise_user_agent
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.actions import change_policy
from renkei.realtime.payloads import open_viewer
from tests.support.region import sign_in

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
)


def _browser(member, *, user_agent: str, ip: str) -> tuple[Client, UserSession]:  # type: ignore[no-untyped-def]
    """A signed-in client whose session row carries the given user agent and address."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    key = sign_in(client, member)
    UserSession.objects.filter(session_key=key).update(user_agent=user_agent, ip=ip)
    return client, UserSession.objects.get(session_key=key)


@pytest.mark.rule("R2.3")
def test_the_sessions_page_lists_own_sessions_with_device_address_and_this_device(region):
    phone, _phone_row = _browser(region.nurse, user_agent=IPHONE, ip="192.168.10.5")
    _pc, pc_row = _browser(region.nurse, user_agent=WINDOWS_EDGE, ip="203.0.113.9")
    _other, other_row = _browser(region.doctor, user_agent=WINDOWS_EDGE, ip="198.51.100.7")
    page = phone.get("/account/sessions/").content.decode()
    assert "ログイン中の端末" in page
    assert "iPhone · Safari" in page
    assert "Windows · Edge" in page
    assert "192.168.10.5" in page
    assert "プライベートネットワーク" in page
    assert "203.0.113.9" in page
    assert page.count("この端末") >= 1
    assert str(pc_row.public_id) in page
    assert str(other_row.public_id) not in page  # only one's own
    assert "198.51.100.7" not in page


@pytest.mark.rule("R2.3")
def test_ending_another_session_signs_that_browser_out_everywhere_and_is_audited(region):
    phone, _ = _browser(region.nurse, user_agent=IPHONE, ip="192.168.10.5")
    pc, pc_row = _browser(region.nurse, user_agent=WINDOWS_EDGE, ip="203.0.113.9")
    assert open_viewer(pc_row.session_key, region.nurse.pk) is not None
    response = phone.post(f"/account/sessions/{pc_row.public_id}/end/", follow=True)
    assert "ログインを終了しました" in response.content.decode()
    pc_row.refresh_from_db()
    assert pc_row.ended_at is not None
    assert pc_row.end_reason == EndReason.ENDED_BY_MEMBER
    assert pc.get("/").status_code == 302  # pages
    assert pc.get("/api/v1/me").status_code == 401  # API
    assert open_viewer(pc_row.session_key, region.nurse.pk) is None  # live connections
    assert phone.get("/").status_code == 200  # the browser that ended it stays signed in
    assert AuditEvent.objects.filter(
        action=AuditAction.SESSION_ENDED_BY_MEMBER, actor_id=region.nurse.pk, object_id=pc_row.pk
    ).exists()


@pytest.mark.rule("R2.3")
def test_ending_this_session_signs_this_browser_out(region):
    phone, row = _browser(region.nurse, user_agent=IPHONE, ip="192.168.10.5")
    response = phone.post(f"/account/sessions/{row.public_id}/end/")
    assert response.status_code == 302
    assert response["Location"] == "/signin/"
    assert phone.get("/").status_code == 302


@pytest.mark.rule("R2.3")
def test_another_members_session_cannot_be_ended(region):
    nurse, _ = _browser(region.nurse, user_agent=IPHONE, ip="192.168.10.5")
    doctor, doctor_row = _browser(region.doctor, user_agent=WINDOWS_EDGE, ip="203.0.113.9")
    response = nurse.post(f"/account/sessions/{doctor_row.public_id}/end/")
    assert response.status_code == 404
    doctor_row.refresh_from_db()
    assert doctor_row.ended_at is None
    assert doctor.get("/").status_code == 200
    assert nurse.post("/account/sessions/not-a-uuid/end/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_ENDED_BY_MEMBER).exists()


@pytest.mark.rule("R2.3")
def test_ending_a_session_needs_a_post(region):
    phone, row = _browser(region.nurse, user_agent=IPHONE, ip="192.168.10.5")
    assert phone.get(f"/account/sessions/{row.public_id}/end/").status_code == 405
    row.refresh_from_db()
    assert row.ended_at is None


@pytest.mark.rule("R2.3")
def test_the_api_lists_and_ends_own_sessions(region):
    phone, phone_row = _browser(region.nurse, user_agent=IPHONE, ip="192.168.10.5")
    pc, pc_row = _browser(region.nurse, user_agent=WINDOWS_EDGE, ip="203.0.113.9")
    _doctor, doctor_row = _browser(region.doctor, user_agent=WINDOWS_EDGE, ip="198.51.100.7")
    listed = phone.get("/api/v1/me/sessions").json()
    assert next(row["public_id"] for row in listed) == str(phone_row.public_id)
    assert {row["public_id"] for row in listed} == {str(phone_row.public_id), str(pc_row.public_id)}
    first = listed[0]
    assert first["is_current"] is True
    assert first["device"] == "iPhone · Safari"
    assert first["address"] == "192.168.10.5"
    phone.get("/api/v1/me")  # sets the CSRF cookie
    csrf = phone.cookies["csrftoken"].value
    gone = phone.delete(f"/api/v1/me/sessions/{doctor_row.public_id}", HTTP_X_CSRFTOKEN=csrf)
    assert gone.status_code == 404
    bad = phone.delete("/api/v1/me/sessions/not-a-uuid", HTTP_X_CSRFTOKEN=csrf)
    assert bad.status_code == 422
    ended = phone.delete(f"/api/v1/me/sessions/{pc_row.public_id}", HTTP_X_CSRFTOKEN=csrf)
    assert ended.status_code == 200
    assert ended.json() == {"ended": 1}
    assert pc.get("/api/v1/me").status_code == 401
    again = phone.delete(f"/api/v1/me/sessions/{pc_row.public_id}", HTTP_X_CSRFTOKEN=csrf)
    assert again.status_code == 404


def _age(client: Client, *, hours: float) -> UserSession:
    """Make the client's session look as if it began ``hours`` ago but was used just now."""
    row = UserSession.objects.get(session_key=client.session.session_key)
    now = timezone.now()
    UserSession.objects.filter(pk=row.pk).update(
        created_at=now - timedelta(hours=hours), last_seen_at=now
    )
    return row


@pytest.mark.rule("R2.3")
def test_a_session_ends_at_its_longest_lifetime_however_active(region, client_for):
    client = client_for(region.nurse)
    row = _age(client, hours=12.1)
    assert open_viewer(row.session_key, region.nurse.pk) is None  # no new live connection
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == ("/signin/?next=%2F", 302)
    assert (
        "ログインしてから12時間が経過したため、ログアウトしました。もう一度ログインしてください。"
        in response.content.decode()
    )
    row.refresh_from_db()
    assert row.end_reason == EndReason.LIFETIME
    assert AuditEvent.objects.filter(
        action=AuditAction.SESSION_LIFETIME_REACHED, actor_id=region.nurse.pk
    ).exists()
    assert client.get("/").status_code == 302


@pytest.mark.rule("R2.3")
def test_an_api_session_past_its_lifetime_answers_401(region, client_for):
    client = client_for(region.nurse)
    _age(client, hours=13)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "signed_out"


@pytest.mark.rule("R2.3")
def test_the_longest_lifetime_follows_the_policy(region, client_for):
    change_policy(region.secretariat, changes={"session_absolute_hours": 24})
    client = client_for(region.nurse)
    _age(client, hours=20)
    assert client.get("/").status_code == 200
    change_policy(region.secretariat, changes={"session_absolute_hours": 8})
    assert client.get("/").status_code == 302


@translation.override("ja")
def test_user_agents_are_summarised_as_system_and_browser():
    assert summarise_user_agent(IPHONE) == "iPhone · Safari"
    assert summarise_user_agent(WINDOWS_EDGE) == "Windows · Edge"
    android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/124.0 Mobile Safari/537.36"
    assert summarise_user_agent(android) == "Android · Chrome"
    assert summarise_user_agent("") == "不明な端末"


@translation.override("ja")
def test_addresses_are_described_without_outside_lookups():
    assert coarse_place("127.0.0.1") == "このサーバー自身"
    assert coarse_place("10.1.2.3").startswith("プライベートネットワーク")
    assert coarse_place("8.8.8.8") == ""
    assert coarse_place(None) == ""
    assert coarse_place("nonsense") == ""


def test_the_home_page_links_the_sessions_page(region, client_for):
    page = client_for(region.nurse).get("/").content.decode()
    assert 'href="/account/sessions/"' in page
    assert "ログイン中の端末" in page
