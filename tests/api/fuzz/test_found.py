"""Regression tests for what schema fuzzing found in the API."""

from __future__ import annotations

from django.test import Client

from renkei.accounts.models import UserSession
from tests.support.region import sign_in


def test_signing_out_everywhere_answers_json_when_the_request_changed_its_session(region):
    # A session signed in before the second-factor marker existed gets one on its next
    # request; when that request ends every session, the answer must still be the JSON one.
    client = Client()
    sign_in(client, region.nurse)
    session = client.session
    session.pop("renkei_2fa", None)  # renkei.twofactor.guard.SESSION_KEY
    session.save()
    response = client.post("/api/v1/me/sign-out-everywhere", content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"ended": 1}
    assert not UserSession.objects.filter(member=region.nurse, ended_at__isnull=True).exists()
    assert client.get("/api/v1/me").status_code == 401
