"""A password older than the rotation period must be changed before anything else (R2.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.policy.actions import change_policy
from tests.support.region import PASSWORD


def _age_password(member: Member, days: int) -> None:
    Member.objects.filter(pk=member.pk).update(
        password_changed_at=timezone.now() - timedelta(days=days)
    )


@pytest.mark.rule("R2.2")
def test_an_old_password_holds_the_member_at_the_change_page(region, client_for):
    _age_password(region.nurse, 61)
    client = client_for(region.nurse)
    clinic = region.clinic.public_id
    for path in ("/", f"/facilities/{clinic}/", "/console/", "/no-such-page/", "/signin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/password/change/", path
    for path in ("/api/v1/me", "/api/v1/facilities"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "password_expired"
    posted = client.post("/signout/everywhere/")
    assert posted.status_code == 302  # signing out stays possible


@pytest.mark.rule("R2.2")
def test_the_change_page_says_why_and_the_change_frees_the_member(region, client_for):
    _age_password(region.nurse, 61)
    client = client_for(region.nurse)
    page = client.get("/password/change/").content.decode()
    assert "パスワードの設定から60日が過ぎています。" in page
    assert "続けるにはパスワードを変更してください。" in page
    assert "60日ごとに変更" in page
    response = client.post(
        "/password/change/",
        {"current": PASSWORD, "new": "Fresh2026pass", "confirm": "Fresh2026pass"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/password/change/").status_code == 200


@pytest.mark.rule("R2.2")
def test_signing_in_with_an_old_password_leads_to_the_change_page(region, browser):
    _age_password(region.nurse, 61)
    response = browser.post("/signin/", {"login_id": "ns.sato", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1] == ("/password/change/", 302)
    assert "続けるにはパスワードを変更してください" in response.content.decode()


@pytest.mark.rule("R2.2")
def test_a_password_within_the_period_is_not_held(region, client_for):
    _age_password(region.nurse, 59)
    assert client_for(region.nurse).get("/").status_code == 200


@pytest.mark.rule("R2.2")
def test_the_rotation_period_follows_the_policy(region, client_for):
    _age_password(region.nurse, 31)
    client = client_for(region.nurse)
    assert client.get("/").status_code == 200
    change_policy(region.secretariat, changes={"password_rotation_days": 30})
    assert client.get("/")["Location"] == "/password/change/"
    assert "30日が過ぎています" in client.get("/password/change/").content.decode()
    change_policy(region.secretariat, changes={"password_rotation_days": 0})
    _age_password(region.nurse, 400)
    assert client.get("/").status_code == 200
