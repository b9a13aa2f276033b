"""Activating an account from its e-mailed link: one person, one personal login ID (R2.1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from renkei.accounts.models import Member, OneTimeToken, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.actions import PersonInput, register_staff
from tests.support.region import PASSWORD

EMAIL = "new.nurse@example.jp"
CHOSEN = "Shinjin2026"


@pytest.fixture
def link(region, smtp, django_capture_on_commit_callbacks) -> str:  # type: ignore[no-untyped-def]
    """The path of the activation link mailed to a nurse just registered at the clinic."""
    person = PersonInput("新人 看子", "しんじん かんこ", "nurse", EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        register_staff(region.clinic_admin, facility_id=region.clinic.pk, person=person)
    (message,) = smtp.to(EMAIL)
    match = re.search(re.escape(settings.BASE_URL) + r"(/activate/[\w-]+/)", smtp.body(message))
    assert match
    return match.group(1)


def _newcomer() -> Member:
    return Member.objects.get(email=EMAIL)


def _unchanged(member: Member) -> bool:
    member.refresh_from_db()
    return not member.is_active and member.login_id is None and not member.has_usable_password()


def test_the_activation_mail_is_japanese_with_an_absolute_link(region, smtp, link):
    (message,) = smtp.to(EMAIL)
    assert message["Subject"] == "[連携] アカウントの有効化"
    body = smtp.body(message)
    assert "新人 看子 様" in body
    assert f"{settings.BASE_URL}{link}" in body
    assert "リンクは72時間以内に1回だけ使えます。" in body
    assert "パスワード:" not in body


def test_activation_chooses_id_and_password_then_lands_on_the_japanese_home(link, browser):
    page = browser.get(link).content.decode()
    assert "新人 看子 さん、ようこそ。" in page
    assert 'autocomplete="username"' in page
    assert page.count('autocomplete="new-password"') == 2
    response = browser.post(
        link, {"login_id": "ns.shinjin", "password": CHOSEN, "confirm": CHOSEN}, follow=True
    )
    assert response.redirect_chain[-1] == ("/", 302)
    home = response.content.decode()
    assert "こんにちは、新人 看子さん" in home
    assert "アカウントが有効になりました。連携へようこそ。" in home
    member = _newcomer()
    assert member.is_active
    assert member.login_id == "ns.shinjin"
    assert member.check_password(CHOSEN)
    assert UserSession.objects.get(session_key=browser.session.session_key).member == member
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_ACTIVATED, actor_id=member.pk)
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN, actor_id=member.pk)
    # The link worked once.
    assert Client().get(link).status_code == 404


@pytest.mark.rule("R2.1")
@pytest.mark.parametrize("taken", ["ns.sato", "NS.SATO", " Ns.Sato "])
def test_a_login_id_in_use_is_refused_and_nothing_changes(link, taken):
    response = Client().post(link, {"login_id": taken, "password": CHOSEN, "confirm": CHOSEN})
    assert response.status_code == 422
    page = response.content.decode()
    assert "このログインIDはすでに使われています。別のログインIDを選んでください。" in page
    assert 'aria-invalid="true" aria-describedby="id_login_id_helptext id_login_id_error"' in page
    assert f'value="{taken}"' in page  # what was typed stays
    assert CHOSEN not in page
    assert _unchanged(_newcomer())
    assert Client().get(link).status_code == 200  # the link still works


@pytest.mark.rule("R2.2")
def test_password_rules_are_told_part_by_part(link):
    page = (
        Client()
        .post(link, {"login_id": "ns.shinjin", "password": "abcdefgh", "confirm": "abcdefgh"})
        .content.decode()
    )
    assert "数字（0～9）を1文字以上含めてください。" in page
    page = (
        Client()
        .post(
            link,
            {"login_id": "ns.shinjin", "password": "ns.shinjin1", "confirm": "ns.shinjin1"},
        )
        .content.decode()
    )
    assert "パスワードにログインIDを含めないでください。" in page
    assert _unchanged(_newcomer())


@pytest.mark.parametrize(
    ("login_id", "message"),
    [
        ("", "ログインIDを入力してください。"),
        ("abc", "半角の英小文字・数字"),
        ("x" * 500, "32文字以内で入力してください"),
        ("<script>alert(1)</script>", "半角の英小文字・数字"),
        ("やまだ", "半角の英小文字・数字"),
    ],
)
def test_bad_login_ids_are_refused_with_a_clear_message(link, login_id, message):
    response = Client().post(link, {"login_id": login_id, "password": CHOSEN, "confirm": CHOSEN})
    assert response.status_code in (400, 422)
    page = response.content.decode()
    assert message in page
    assert "<script>alert(1)</script>" not in page
    assert "Traceback" not in page
    assert _unchanged(_newcomer())


def test_an_expired_or_unknown_link_is_refused(link):
    OneTimeToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for path in (link, "/activate/made-up-token/"):
        response = Client().post(
            path, {"login_id": "ns.shinjin", "password": CHOSEN, "confirm": CHOSEN}
        )
        assert response.status_code == 404
        page = response.content.decode()
        assert (
            "このリンクはもう使えません。事業所のシステム管理者に新しいリンクを依頼してください。"
            in page
        )
    assert _unchanged(_newcomer())


@pytest.mark.rule("R2.1")
def test_one_account_per_e_mail_address(region, smtp, django_capture_on_commit_callbacks):
    """A person registered at a second facility keeps their one account and is told so."""
    before = Member.objects.count()
    person = PersonInput("佐藤 花子", "さとう はなこ", "nurse", "NS.Sato@Example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        register_staff(region.pharmacist, facility_id=region.pharmacy.pk, person=person)
    assert Member.objects.count() == before
    (message,) = smtp.to("ns.sato@example.jp")
    # Python folds a long encoded subject after "Subject:", which reads back with a space.
    assert message["Subject"].strip() == f"[連携] {region.pharmacy.name} に登録されました"
    body = smtp.body(message)
    assert f"{region.pharmacy.name} の職員として登録されました。" in body
    assert f"{settings.BASE_URL}/signin/" in body
    assert PASSWORD not in body
    # The same login ID and password now reach both facilities.
    client = Client()
    client.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    home = client.get("/").content.decode()
    assert region.clinic.name in home
    assert region.pharmacy.name in home
