"""A deregistered member's access ends at once: sign-in, pages and the API (R1.2)."""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.accounts.models import EndReason, UserSession
from renkei.facilities.actions import deregister_staff
from tests.support.region import PASSWORD


def _deregister(region, member) -> None:  # type: ignore[no-untyped-def]
    deregister_staff(region.clinic_admin, facility_id=region.clinic.pk, member_id=member.pk)


@pytest.mark.rule("R1.2")
def test_a_deregistered_member_cannot_sign_in(region):
    _deregister(region, region.nurse)
    response = Client().post("/signin/", {"login_id": "ns.sato", "password": PASSWORD})
    assert response.status_code == 401
    assert "このアカウントではログインできなくなっています。" in response.content.decode()
    assert not UserSession.objects.filter(member=region.nurse).exists()


@pytest.mark.rule("R1.2")
def test_a_signed_in_member_is_refused_on_the_next_request(region, client_for):
    page_client, api_client = client_for(region.nurse), client_for(region.nurse)
    colleague = client_for(region.doctor)
    assert page_client.get("/").status_code == 200
    _deregister(region, region.nurse)
    response = page_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")
    api = api_client.get("/api/v1/me")
    assert api.status_code == 401
    assert set(
        UserSession.objects.filter(member=region.nurse).values_list("end_reason", flat=True)
    ) == {EndReason.DEREGISTERED}
    assert colleague.get("/").status_code == 200


@pytest.mark.rule("R1.2")
def test_a_member_still_registered_elsewhere_keeps_access(region, client_for):
    client = client_for(region.shared_nurse)
    _deregister(region, region.shared_nurse)
    # Sessions end at deregistration; the station's registration still lets them sign in.
    assert client.get("/").status_code == 302
    response = Client().post("/signin/", {"login_id": "ns.kimura", "password": PASSWORD})
    assert response.status_code == 302
