"""Who reaches the API: a signed-in member with an open session, CSRF on unsafe methods."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from renkei.accounts.models import UserSession
from renkei.api.openapi import openapi_text
from renkei.facilities.models import Affiliation
from tests.support.region import sign_in

PUBLIC = {("post", "/api/v1/applications")}
PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


def _operations() -> list[tuple[str, str]]:
    """Every operation the OpenAPI description lists, with placeholder ids in the path."""
    paths = json.loads(openapi_text())["paths"]
    concrete = {path: re.sub(r"\{[a-z_]+\}", PLACEHOLDER, path) for path in paths}
    return sorted((method, concrete[path]) for path, ops in paths.items() for method in ops)


def _call(client: Client, method: str, path: str):  # type: ignore[no-untyped-def]
    return getattr(client, method)(path, {}, content_type="application/json")


def test_the_description_lists_every_operation():
    # The committed description matches the code (test_openapi); here: every area is in it, so
    # the walk below reaches each of them.
    operations = _operations()
    for expected in (
        ("get", "/api/v1/me"),
        ("get", "/api/v1/facilities"),
        ("post", f"/api/v1/spaces/{PLACEHOLDER}/posts"),
        ("get", "/api/v1/search"),
        ("get", "/api/v1/notifications"),
        ("get", f"/api/v1/facilities/{PLACEHOLDER}/invitations"),
        ("post", f"/api/v1/patient-groups/{PLACEHOLDER}/consent"),
        ("post", f"/api/v1/deletion-requests/{PLACEHOLDER}/execute"),
    ):
        assert expected in operations


@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_operation_but_applying_needs_a_session(db, method, path):
    response = _call(Client(), method, path)
    if (method, path) in PUBLIC:
        assert response.status_code == 422  # reached the endpoint: the empty form is refused
        return
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "ログイン" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), [op for op in _operations() if op not in PUBLIC])
def test_the_api_refuses_anonymous_calls_by_itself(db, settings, method, path):
    # Without the site-wide sign-in guard the API's own authentication still answers 401.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("SignInRequiredMiddleware")
    ]
    response = _call(Client(), method, path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_openapi_description_is_public(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Renkei API"


@pytest.mark.rule("R1.2")
def test_a_deregistered_members_next_call_answers_401(region, client_for):
    nurse = client_for(region.nurse)
    assert nurse.get("/api/v1/me").status_code == 200
    admin = client_for(region.clinic_admin)
    response = admin.post(
        f"/api/v1/facilities/{region.clinic.public_id}/staff/{region.nurse.public_id}/deregister",
        {},
        content_type="application/json",
    )
    assert response.status_code == 200
    after = nurse.get("/api/v1/me")
    assert after.status_code == 401
    # The session row is gone, so the request arrives without a member.
    assert after.json()["code"] == "not_authenticated"
    ended = UserSession.objects.get(member=region.nurse)
    assert ended.end_reason == "deregistered"
    assert Affiliation.objects.get(member=region.nurse, facility=region.clinic).lost_on is not None


def test_unsafe_methods_need_the_csrf_token(region):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, region.nurse)
    me = client.get("/api/v1/me")
    token = me.cookies["csrftoken"].value
    path = "/api/v1/me/sign-out-everywhere"

    refused = client.post(path, {}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert UserSession.objects.filter(member=region.nurse, ended_at__isnull=True).count() == 1

    wrong = client.post(
        path, {}, content_type="application/json", headers={"X-CSRFToken": "x" * 32}
    )
    assert wrong.status_code == 403

    accepted = client.post(
        path, {}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200
    assert accepted.json() == {"ended": 1}
    assert not UserSession.objects.filter(member=region.nurse, ended_at__isnull=True).exists()
    assert client.get("/api/v1/me").status_code == 401


def test_sign_out_everywhere_ends_every_device(region, client_for):
    phone = client_for(region.pharmacist)
    laptop = client_for(region.pharmacist)
    response = phone.post("/api/v1/me/sign-out-everywhere", content_type="application/json")
    assert response.json() == {"ended": 2}
    assert laptop.get("/api/v1/me").status_code == 401
