"""The home and help pages, and what every page shows."""

import pytest
from django.test import Client

from renkei.policy.actions import change_policy


@pytest.mark.rule("R1.3")
def test_secretariat_contact_is_on_every_page_signed_in_or_not(region, client_for):
    anonymous = Client().get("/help/")
    signed_in = client_for(region.nurse).get("/")
    for response in (anonymous, signed_in):
        assert response.status_code == 200
        page = response.content.decode()
        assert "朝霞地区医師会" in page
        assert "048-465-6575" in page
        assert "kyoten@asakamed.com" in page


@pytest.mark.rule("R1.3")
def test_contact_follows_the_policy(region, client_for):
    change_policy(region.secretariat, changes={"secretariat_tel": "048-000-1234"})
    page = client_for(region.pharmacist).get("/").content.decode()
    assert "048-000-1234" in page
    assert "048-465-6575" not in page


def test_anonymous_page_request_redirects_to_sign_in(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=%2F"


def test_anonymous_api_request_answers_401(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_home_lists_the_members_facilities_and_roles(region, client_for):
    page = client_for(region.shared_nurse).get("/").content.decode()
    assert region.clinic.name in page
    assert region.station.name in page


def test_unknown_page_answers_a_japanese_404_without_details(region, client_for):
    response = client_for(region.nurse).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "ページが見つかりません" in page
    assert "Traceback" not in page


def test_form_without_csrf_token_is_refused_in_japanese(region):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403
    assert "フォームの有効期限が切れました" in response.content.decode()


def test_server_error_page_shows_no_stack_trace(db, settings):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "エラーが発生しました" in page
    assert "Traceback" not in page
