"""Sensitive actions ask for the password again (and the second factor when the member has
one) unless the session signed in or confirmed within the policy's reauth_minutes (R2.3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from renkei.accounts.models import SignInAttempt, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.erasure.models import DeletionRequest
from renkei.facilities.models import Affiliation
from renkei.policy.actions import change_policy
from renkei.policy.queries import current_policy
from renkei.twofactor.queries import has_second_factor
from tests.erasure.helpers import asked_on, record_request
from tests.spaces.helpers import patient_group
from tests.support.region import PASSWORD
from tests.support.twofactor import next_code

pytestmark = pytest.mark.rule("R2.3")

API = "/api/v1"


def _stale(client: Client, minutes: int = 11) -> UserSession:
    """Make the client's last sign-in or confirmation ``minutes`` old (the default window is 10)."""
    row = UserSession.objects.get(session_key=client.session.session_key)
    UserSession.objects.filter(pk=row.pk).update(
        confirmed_at=timezone.now() - timedelta(minutes=minutes)
    )
    return row


def _reauth_refusal(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "reauth_required"
    assert "もう一度パスワードを確認してください" in body["detail"]


def test_a_stale_session_is_sent_to_confirm_before_changing_the_policy(region, client_for):
    client = client_for(region.secretariat)
    _stale(client)
    response = client.post("/console/policy/", {"session_idle_minutes": "45"})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/confirm/?next=")
    assert current_policy().session_idle_minutes == 30  # nothing changed
    assert not AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).exists()
    page = client.get(response["Location"]).content.decode()
    assert "本人確認" in page
    assert "まだ何も変更されていません" in page


def test_confirming_the_password_allows_the_action_for_the_window(region, client_for):
    client = client_for(region.secretariat)
    row = _stale(client)
    wrong = client.post("/account/confirm/", {"password": "not-the-password1", "next": "/x/"})
    assert wrong.status_code == 422
    assert "パスワードが正しくありません。" in wrong.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.REAUTH_FAILED, actor_id=region.secretariat.pk
    ).exists()
    assert client.post("/console/policy/presets/guideline_long/").status_code == 302
    assert current_policy().password_min_length == 8
    ok = client.post(
        "/account/confirm/",
        {"password": PASSWORD, "code": _code(region.secretariat), "next": "/console/policy/"},
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/console/policy/"
    row.refresh_from_db()
    assert timezone.now() - row.confirmed_at < timedelta(minutes=1)
    assert AuditEvent.objects.filter(
        action=AuditAction.REAUTHENTICATED, actor_id=region.secretariat.pk
    ).exists()
    applied = client.post("/console/policy/presets/guideline_long/")
    assert applied.status_code == 302
    assert applied["Location"] == "/console/policy/"
    assert current_policy().password_min_length == 13


def test_the_confirm_page_never_redirects_off_site(region, client_for):
    client = client_for(region.secretariat)
    response = client.post(
        "/account/confirm/",
        {"password": PASSWORD, "code": _code(region.secretariat), "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_an_empty_password_is_refused_without_counting_a_failure(region, client_for):
    client = client_for(region.secretariat)
    response = client.post("/account/confirm/", {"password": ""})
    assert response.status_code == 400
    assert not SignInAttempt.objects.exists()


def test_failed_confirmations_count_as_failed_sign_ins_and_pause_both(region, client_for):
    client = client_for(region.secretariat)
    _stale(client)
    for _ in range(current_policy().signin_failures_per_account):
        assert client.post("/account/confirm/", {"password": "wrong-pass-123"}).status_code == 422
    paused = client.post("/account/confirm/", {"password": PASSWORD})
    assert paused.status_code == 429
    assert "ログインの失敗が続いたため、ログインを一時停止しています。15分待って" in (
        paused.content.decode()
    )
    # The sign-in page is paused for the same account too.
    signin = Client().post(
        "/signin/", {"login_id": region.secretariat.login_id, "password": PASSWORD}
    )
    assert signin.status_code == 429
    assert client.post("/console/policy/", {"session_idle_minutes": "45"}).status_code == 302
    assert current_policy().session_idle_minutes == 30


def test_a_confirmation_forgives_only_its_own_addresss_failures(region, client_for):
    """Failures from another address (an attacker's) stay counted after the member confirms."""
    client = client_for(region.secretariat)
    _stale(client)
    login = region.secretariat.login_id.lower()
    SignInAttempt.objects.create(login_id=login, ip="203.0.113.7")
    SignInAttempt.objects.create(login_id=login, ip="203.0.113.7")
    assert client.post("/account/confirm/", {"password": "wrong-pass-123"}).status_code == 422
    assert SignInAttempt.objects.filter(login_id=login, ip="127.0.0.1").count() == 1
    ok = client.post(
        "/account/confirm/",
        {"password": PASSWORD, "code": _code(region.secretariat), "next": "/console/policy/"},
    )
    assert ok.status_code == 302
    assert not SignInAttempt.objects.filter(login_id=login, ip="127.0.0.1").exists()
    assert SignInAttempt.objects.filter(login_id=login, ip="203.0.113.7").count() == 2


def test_another_browsers_confirmation_does_not_count_here(region, client_for):
    first = client_for(region.secretariat)
    second = client_for(region.secretariat)
    _stale(first)
    _stale(second)
    confirmed = first.post(
        "/account/confirm/", {"password": PASSWORD, "code": _code(region.secretariat)}
    )
    assert confirmed.status_code == 302
    response = second.post("/console/policy/", {"session_idle_minutes": "45"})
    assert response["Location"].startswith("/account/confirm/")


def test_the_window_follows_the_policy(region, client_for):
    change_policy(region.secretariat, changes={"reauth_minutes": 30})
    client = client_for(region.secretariat)
    _stale(client, minutes=20)
    data = {"kind": "region_users"}
    response = client.post("/console/exports/", data)
    assert not response["Location"].startswith("/account/confirm/")
    change_policy(region.secretariat, changes={"reauth_minutes": 5})
    _stale(client, minutes=6)
    response = client.post("/console/exports/", data)
    assert response["Location"].startswith("/account/confirm/")


def test_the_api_answers_403_reauth_required_until_confirmed(region, client_for):
    client = client_for(region.secretariat)
    _stale(client)
    refused = client.patch(
        f"{API}/policy", {"session_idle_minutes": 45}, content_type="application/json"
    )
    _reauth_refusal(refused)
    assert current_policy().session_idle_minutes == 30
    _reauth_refusal(client.post(f"{API}/policy/presets/nist_single_factor"))
    wrong = client.post(
        f"{API}/me/confirm", {"password": "wrong-pass-123"}, content_type="application/json"
    )
    assert wrong.status_code == 422
    assert "password" in wrong.json()["errors"]
    ok = client.post(
        f"{API}/me/confirm",
        {"password": PASSWORD, "code": _code(region.secretariat)},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["valid_minutes"] == 10
    changed = client.patch(
        f"{API}/policy", {"session_idle_minutes": 45}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert current_policy().session_idle_minutes == 45


def test_others_are_still_refused_as_before_not_asked_to_confirm(region, client_for):
    client = client_for(region.nurse)
    _stale(client)
    response = client.patch(
        f"{API}/policy", {"session_idle_minutes": 45}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert client.post("/console/policy/", {"session_idle_minutes": "45"}).status_code == 404


def test_complete_deletion_needs_a_recent_confirmation(region, client_for):
    space = patient_group(region, region.nurse)
    admin = client_for(region.clinic_admin)
    _stale(admin)
    payload = {"requester": "patient", "asked_on": asked_on().isoformat(), "channel": "in_person"}
    url = f"{API}/patient-groups/{space.public_id}/deletion-request"
    _reauth_refusal(admin.post(url, payload, content_type="application/json"))
    page = admin.post(f"/erasure/patient-groups/{space.public_id}/", payload)
    assert page["Location"].startswith("/account/confirm/")
    assert not DeletionRequest.objects.exists()
    request = record_request(region.doctor, space)
    operator = client_for(region.operator)
    _stale(operator)
    _reauth_refusal(operator.post(f"{API}/deletion-requests/{request.public_id}/execute"))
    page = operator.post(f"/erasure/requests/{request.public_id}/", {"confirm": "on"})
    assert page["Location"].startswith("/account/confirm/")
    request.refresh_from_db()
    assert request.state == "open"


def test_appointing_and_revoking_admins_needs_a_recent_confirmation(region, client_for):
    secretariat = client_for(region.secretariat)
    _stale(secretariat)
    clinic, nurse = region.clinic.public_id, region.nurse.public_id
    _reauth_refusal(secretariat.post(f"{API}/facilities/{clinic}/admins/{nurse}"))
    page = secretariat.post(
        f"/facilities/{clinic}/members/{nurse}/admin/appoint/",
        HTTP_REFERER=f"http://testserver/facilities/{clinic}/",
    )
    assert page["Location"] == "/account/confirm/?next=http%3A%2F%2Ftestserver%2Ffacilities%2F" + (
        f"{clinic}%2F"
    )
    assert not Affiliation.objects.get(facility=region.clinic, member=region.nurse).is_admin
    clinic_admin = client_for(region.clinic_admin)
    _stale(clinic_admin)
    _reauth_refusal(
        clinic_admin.delete(f"{API}/facilities/{clinic}/admins/{region.doctor.public_id}")
    )
    space = patient_group(region, region.nurse)
    doctor = client_for(region.doctor)
    _stale(doctor)
    _reauth_refusal(
        doctor.post(
            f"{API}/patient-groups/{space.public_id}/admins",
            {"member": str(nurse)},
            content_type="application/json",
        )
    )
    page = doctor.post(f"/spaces/{space.public_id}/members/{nurse}/admin/appoint/")
    assert page["Location"].startswith("/account/confirm/?next=%2F")


def test_exports_need_a_recent_confirmation(region, client_for):
    client = client_for(region.secretariat)
    _stale(client)
    response = client.post("/console/exports/", {"kind": "region_users"})
    assert response["Location"].startswith("/account/confirm/?next=")
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT_STARTED).exists()


def _code(member) -> str:  # type: ignore[no-untyped-def]
    """The next code of the member's authenticator app (the region's admins have one)."""
    return next_code(member.login_id)


def test_a_member_with_a_second_factor_gives_its_code_too(region, client_for):
    assert has_second_factor(region.secretariat)
    client = client_for(region.secretariat)
    _stale(client)
    page = client.get("/account/confirm/").content.decode()
    assert "認証アプリのコード" in page
    missing = client.post("/account/confirm/", {"password": PASSWORD})
    assert missing.status_code == 422
    wrong = client.post("/account/confirm/", {"password": PASSWORD, "code": "000000"})
    assert wrong.status_code == 422
    assert SignInAttempt.objects.filter(login_id=region.secretariat.login_id).count() == 1
    ok = client.post("/account/confirm/", {"password": PASSWORD, "code": _code(region.secretariat)})
    assert ok.status_code == 302
    assert client.post("/console/policy/presets/guideline_long/").status_code == 302
    assert current_policy().password_min_length == 13


def test_a_member_without_a_second_factor_confirms_with_the_password_alone(region, client_for):
    assert not has_second_factor(region.nurse)
    client = client_for(region.nurse)
    _stale(client)
    assert "認証アプリのコード" not in client.get("/account/confirm/").content.decode()
    ok = client.post("/account/confirm/", {"password": PASSWORD, "next": "/"})
    assert ok.status_code == 302
