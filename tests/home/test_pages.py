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
