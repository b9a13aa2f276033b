"""Resetting a forgotten password by e-mail: no account enumeration, single-use expiring links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from renkei.accounts.models import EndReason, OneTimeToken, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.actions import deregister_staff
from tests.accounts.conftest import without_csrf
from tests.support.region import PASSWORD

NEW = "Remembered2026"


def _ask(email: str, capture) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    with capture(execute=True):
        response = client.post("/password/reset/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"
    return client


def _link(smtp, address: str) -> str:  # type: ignore[no-untyped-def]
    (message,) = smtp.to(address)
    body = smtp.body(message)
    match = re.search(re.escape(settings.BASE_URL) + r"(/password/reset/[\w-]+/)", body)
    assert match, body
    return match.group(1)


@pytest.fixture
def capture(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    return django_capture_on_commit_callbacks


def test_a_real_mail_carries_a_link_and_the_login_id_but_no_password(region, smtp, capture):
    _ask("NS.SATO@example.jp ", capture)
    (message,) = smtp.to("ns.sato@example.jp")
    assert message["Subject"] == "[連携] パスワードの再設定"
    body = smtp.body(message)
    assert "佐藤 花子 様" in body
    assert "ログインID: ns.sato" in body
    assert "リンクは60分以内に1回だけ使えます。" in body
    assert PASSWORD not in body
    assert _link(smtp, "ns.sato@example.jp").startswith("/password/reset/")


def test_the_answer_is_the_same_whether_or_not_the_address_exists(region, smtp, capture):
    known = _ask("ns.sato@example.jp", capture)
    unknown = _ask("nobody@example.jp", capture)
    pages = [c.get("/password/reset/sent/") for c in (known, unknown)]
    assert pages[0].status_code == pages[1].status_code == 200
    assert without_csrf(pages[0].content.decode()) == without_csrf(pages[1].content.decode())
    assert "メールをご確認ください" in pages[0].content.decode()
    assert len(smtp.messages) == 1
    unmatched = AuditEvent.objects.get(
        action=AuditAction.PASSWORD_RESET_REQUESTED, detail__matched=False
    )
    assert "nobody" not in str(unmatched.detail) + unmatched.actor_label


def test_a_deregistered_member_gets_no_link(region, smtp, capture):
    deregister_staff(region.clinic_admin, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    _ask("ns.sato@example.jp", capture)
    assert smtp.messages == []


def test_the_link_sets_a_new_password_once_and_ends_every_session(
    region, smtp, capture, client_for
):
    signed_in = client_for(region.nurse)
    _ask("ns.sato@example.jp", capture)
    path = _link(smtp, "ns.sato@example.jp")
    visitor = Client()
    page = visitor.get(path).content.decode()
    assert "ns.sato" in page
    assert page.count('autocomplete="new-password"') == 2
    response = visitor.post(path, {"new": NEW, "confirm": NEW}, follow=True)
    assert response.redirect_chain[-1][0] == "/signin/"
    assert "新しいパスワードを設定しました。" in response.content.decode()
    region.nurse.refresh_from_db()
    assert region.nurse.check_password(NEW)
    assert signed_in.get("/").status_code == 302
    assert set(UserSession.objects.values_list("end_reason", flat=True)) == {
        EndReason.PASSWORD_RESET
    }
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET).exists()
    # Used once: the link is dead for reading and for posting.
    again = Client().get(path)
    assert again.status_code == 404
    assert "このリンクはもう使えません。新しいリンクを依頼してください。" in again.content.decode()
    replay = Client().post(path, {"new": "Another2026x", "confirm": "Another2026x"})
    assert replay.status_code == 404
    region.nurse.refresh_from_db()
    assert region.nurse.check_password(NEW)
    assert Client().post("/signin/", {"login_id": "ns.sato", "password": NEW}).status_code == 302


def test_an_expired_link_is_refused(region, smtp, capture):
    _ask("ns.sato@example.jp", capture)
    path = _link(smtp, "ns.sato@example.jp")
    OneTimeToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(path).status_code == 404
    response = Client().post(path, {"new": NEW, "confirm": NEW})
    assert response.status_code == 404
    assert "新しいリンクを依頼する" in response.content.decode()
    region.nurse.refresh_from_db()
    assert region.nurse.check_password(PASSWORD)


def test_asking_again_makes_the_earlier_link_useless(region, smtp, capture):
    _ask("ns.sato@example.jp", capture)
    first = _link(smtp, "ns.sato@example.jp")
    smtp.messages.clear()
    _ask("ns.sato@example.jp", capture)
    assert Client().get(first).status_code == 404
    assert Client().get(_link(smtp, "ns.sato@example.jp")).status_code == 200


@pytest.mark.parametrize("token", ["x", "a" * 300, "<script>", "..%2F"])
def test_made_up_links_are_refused_without_details(db, token):
    response = Client().get(f"/password/reset/{token}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Traceback" not in page
    assert "<script>" not in page


@pytest.mark.rule("R2.2")
def test_the_new_password_must_follow_the_policy(region, smtp, capture):
    _ask("ns.sato@example.jp", capture)
    path = _link(smtp, "ns.sato@example.jp")
    response = Client().post(path, {"new": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 422
    assert "このパスワードは最近使われています" in response.content.decode()
    short = Client().post(path, {"new": "abc", "confirm": "abc"}).content.decode()
    assert "8文字以上にしてください" in short
    assert Client().get(path).status_code == 200  # still usable after refused attempts


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "メールアドレスを入力してください。"),
        ("not-an-address", "正しい形式のメールアドレスを入力してください"),
        ("a" * 300 + "@example.jp", "254文字以内で入力してください"),
        ("<script>@example.jp", "正しい形式のメールアドレスを入力してください"),
    ],
)
def test_bad_addresses_are_refused_on_the_form(db, smtp, capture, email, message):
    with capture(execute=True):
        response = Client().post("/password/reset/", {"email": email})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "<script>@" not in page
    assert smtp.messages == []
    assert not AuditEvent.objects.exists()
