"""The one error shape of the API and its language."""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.api.errors import field_name, request_errors


@pytest.mark.parametrize(
    ("loc", "name"),
    [
        (("name",), "name"),
        (("manager", "furigana"), "manager_furigana"),
        (("users", 0, "email"), "users-0-email"),
        ((), "body"),
    ],
)
def test_field_names_follow_the_domains_keys(loc, name):
    assert field_name(loc) == name


def test_request_errors_drop_the_source_and_parameter():
    errors = request_errors(
        [
            {"type": "missing", "loc": ("body", "payload", "manager", "email")},
            {"type": "int_parsing", "loc": ("query", "limit")},
        ]
    )
    assert set(errors) == {"manager_email", "limit"}


def test_english_when_asked(region, client_for):
    client = client_for(region.nurse)
    response = client.get(
        "/api/v1/facilities/00000000-0000-4000-8000-000000000000",
        headers={"Accept-Language": "en"},
    )
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    anonymous = Client().get("/api/v1/applications", headers={"Accept-Language": "en"})
    assert anonymous.json()["detail"] == "Sign in first."


def test_a_body_that_is_not_json_is_a_bad_request(region, client_for):
    response = client_for(region.clinic_admin).post(
        f"/api/v1/facilities/{region.clinic.public_id}/staff",
        "{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "リクエストの本文が正しいJSONではありません。",
        "code": "bad_request",
    }
