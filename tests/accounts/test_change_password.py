"""Changing one's own password under the regional policy (R2.2)."""

from __future__ import annotations

import itertools

import pytest

from renkei.accounts.models import EndReason, Member, UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.policy.actions import change_policy
from tests.support.region import PASSWORD


def _change(client, new: str, *, current: str = PASSWORD, confirm: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        "/password/change/",
        {"current": current, "new": new, "confirm": new if confirm is None else confirm},
    )


def _password_unchanged(member: Member) -> bool:
    member.refresh_from_db()
    return member.check_password(PASSWORD)


def test_the_page_has_the_three_fields_with_autocomplete(region, client_for):
    page = client_for(region.nurse).get("/password/change/").content.decode()
    assert '<label for="id_current">現在のパスワード</label>' in page
    assert '<label for="id_new">新しいパスワード</label>' in page
    assert page.count('autocomplete="new-password"') == 2
    assert 'autocomplete="current-password"' in page
    assert "8文字以上で、英字と数字を両方含めてください。" in page
    assert "パスワードの設定から" not in page  # not forced: no explanation


@pytest.mark.rule("R2.2")
@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Ab1cd2", "パスワードは8文字以上にしてください（現在6文字）。"),
        ("12345678901", "英字（A～Z または a～z）を1文字以上含めてください。"),
        ("abcdefghijk", "数字（0～9）を1文字以上含めてください。"),
    ],
)
def test_each_password_problem_has_its_own_japanese_message(region, client_for, new, message):
    response = _change(client_for(region.nurse), new)
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert 'id="id_new_error"' in page
    assert 'aria-invalid="true" aria-describedby="id_new_helptext id_new_error"' in page
    assert _password_unchanged(region.nurse)


@pytest.mark.rule("R2.2")
def test_a_short_password_without_digits_gets_both_messages(region, client_for):
    page = _change(client_for(region.nurse), "abc").content.decode()
    assert "8文字以上にしてください" in page
    assert "数字（0～9）を1文字以上含めてください。" in page
    assert "英字（A～Z" not in page


def test_wrong_current_password_is_refused(region, client_for):
    response = _change(client_for(region.nurse), "Newpass2026x", current="Not-it-123")
    assert response.status_code == 422
    assert "現在のパスワードが正しくありません。" in response.content.decode()
    assert _password_unchanged(region.nurse)


def test_the_two_new_passwords_must_match(region, client_for):
    response = _change(client_for(region.nurse), "Newpass2026x", confirm="Newpass2026y")
    assert response.status_code == 400
    assert "確認用に入力したパスワードが一致しません。" in response.content.decode()
    assert _password_unchanged(region.nurse)


def test_empty_and_overlong_passwords_are_refused(region, client_for):
    client = client_for(region.nurse)
    empty = client.post("/password/change/", {"current": "", "new": "", "confirm": ""})
    assert empty.status_code == 400
    assert empty.content.decode().count("パスワードを入力してください。") == 3
    long = _change(client, "a1" * 1000)
    assert long.status_code == 400
    assert "128文字以内で入力してください（現在2000文字）。" in long.content.decode()
    assert _password_unchanged(region.nurse)


def test_typed_passwords_are_never_shown_again(region, client_for):
    page = _change(client_for(region.nurse), "short1").content.decode()
    assert "short1" not in page
    assert PASSWORD not in page


@pytest.mark.rule("R2.2")
def test_a_change_keeps_this_session_and_ends_the_others(region, client_for):
    this, other = client_for(region.nurse), client_for(region.nurse)
    other_key = other.session.session_key
    response = _change(this, "Newpass2026x")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "パスワードを変更しました。" in this.get("/").content.decode()
    assert other.get("/").status_code == 302
    ended = UserSession.objects.get(session_key=other_key)
    assert ended.end_reason == EndReason.PASSWORD_CHANGED
    region.nurse.refresh_from_db()
    assert region.nurse.check_password("Newpass2026x")
    assert AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_CHANGED, actor_id=region.nurse.pk
    ).exists()


@pytest.mark.rule("R2.2")
def test_the_last_five_earlier_passwords_cannot_be_reused(region, client_for):
    client = client_for(region.nurse)
    # The region's password first, then six more: the current one and five earlier ones
    # are remembered, the sixth earlier one (the region's) is not.
    passwords = [PASSWORD] + [f"Rotation{n}pass" for n in range(1, 7)]
    for previous, new in itertools.pairwise(passwords):
        assert _change(client, new, current=previous).status_code == 302
    current = passwords[-1]
    for earlier in passwords[1:]:
        response = _change(client, earlier, current=current)
        assert response.status_code == 422, earlier
        assert "このパスワードは最近使われています。過去5回分" in response.content.decode()
    assert _change(client, PASSWORD, current=current).status_code == 302


@pytest.mark.rule("R2.2")
def test_policy_changes_change_the_rules(region, client_for):
    client = client_for(region.nurse)
    change_policy(region.secretariat, changes={"password_min_length": 12})
    page = client.get("/password/change/").content.decode()
    assert "12文字以上で、英字と数字を両方含めてください。" in page
    response = _change(client, "Abcdefg1234")
    assert "パスワードは12文字以上にしてください（現在11文字）。" in response.content.decode()

    change_policy(
        region.secretariat,
        changes={"password_min_length": 8, "password_require_letters_and_digits": False},
    )
    assert _change(client, "onlyletterspass").status_code == 302

    change_policy(region.secretariat, changes={"password_history": 0})
    assert _change(client, PASSWORD, current="onlyletterspass").status_code == 302
