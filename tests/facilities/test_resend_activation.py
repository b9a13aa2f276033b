"""A facility admin sends a new activation link to a member who has not activated yet."""

from __future__ import annotations

import pytest

from renkei.accounts.models import Member
from renkei.facilities.actions import PersonInput, register_staff
from tests.facilities.pages import activation_path


@pytest.fixture
def newcomer(region) -> Member:  # type: ignore[no-untyped-def]
    person = PersonInput("森 新人", "もり しんじん", "nurse", "mori@example.jp")
    return register_staff(region.clinic_admin, facility_id=region.clinic.pk, person=person).member


def _url(facility, member) -> str:  # type: ignore[no-untyped-def]
    return f"/facilities/{facility.public_id}/members/{member.public_id}/activation/"


@pytest.mark.rule("R2.10")
def test_an_admin_resends_the_link_and_the_old_one_stops_working(
    region, client_for, newcomer, smtp, django_capture_on_commit_callbacks
):
    client = client_for(region.clinic_admin)
    assert (
        _url(region.clinic, newcomer)
        in client.get(f"/facilities/{region.clinic.public_id}/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(region.clinic, newcomer))
    assert response.status_code == 302
    [message] = smtp.to("mori@example.jp")
    activation_path(smtp.body(message))
    page = client.get(response["Location"]).content.decode()
    assert "mori@example.jp に新しい有効化リンクを送信しました。" in page


def test_an_activated_account_gets_no_link(
    region, client_for, smtp, django_capture_on_commit_callbacks
):
    client = client_for(region.clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(region.clinic, region.nurse))
    assert response.status_code == 302
    assert (
        "このアカウントはすでに有効になっています。"
        in client.get(response["Location"]).content.decode()
    )
    assert smtp.messages == []


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize("actor", ["nurse", "pharmacist"])
def test_others_get_404(region, client_for, newcomer, actor):
    assert client_for(region.cast[actor]).post(_url(region.clinic, newcomer)).status_code == 404
