"""Connections through the API (R2.6): asked for, accepted or declined, then one-to-one."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.spaces.models import Membership, MembershipState, Space
from tests.api.spaces_cast import JSON, send


def ask(client, member):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/connections", {"member": str(member.public_id)}, content_type=JSON)


@pytest.mark.rule("R2.6")
def test_a_member_asks_and_the_other_accepts(region, client_for):
    nurse, pharmacist = client_for(region.nurse), client_for(region.pharmacist)
    asked = ask(nurse, region.pharmacist)
    assert asked.status_code == 201
    body = asked.json()
    assert body["kind"] == "connection"
    assert body["membership"] == "active"
    assert body["partner"]["id"] == str(region.pharmacist.public_id)
    space_id = body["id"]
    # The request waits in the other's list; its timeline is closed until they accept.
    (waiting,) = pharmacist.get("/api/v1/spaces", {"kind": "connection"}).json()
    assert waiting["id"] == space_id
    assert waiting["membership"] == "invited"
    assert waiting["invited_by"]["id"] == str(region.nurse.public_id)
    assert pharmacist.get(f"/api/v1/spaces/{space_id}/posts").status_code == 404
    accepted = pharmacist.post(f"/api/v1/connections/{space_id}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["membership"] == "active"
    assert accepted.json()["partner"]["id"] == str(region.nurse.public_id)
    space = Space.objects.get(public_id=space_id)
    assert send(pharmacist, space, "よろしくお願いします。").status_code == 201
    assert len(nurse.get(f"/api/v1/spaces/{space_id}/posts").json()["posts"]) == 1
    assert AuditEvent.objects.filter(action=AuditAction.CONNECTION_REQUESTED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CONNECTION_ACCEPTED).count() == 1


@pytest.mark.rule("R2.6")
def test_the_other_declines(region, client_for):
    space_id = ask(client_for(region.nurse), region.pharmacist).json()["id"]
    pharmacist = client_for(region.pharmacist)
    declined = pharmacist.post(f"/api/v1/connections/{space_id}/decline")
    assert declined.status_code == 200
    assert declined.json() == {"space": space_id, "state": "declined"}
    assert pharmacist.get("/api/v1/spaces").json() == []
    assert pharmacist.post(f"/api/v1/connections/{space_id}/accept").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.CONNECTION_DECLINED).count() == 1


def test_the_one_who_asked_cannot_accept_for_the_other(region, client_for):
    nurse = client_for(region.nurse)
    space_id = ask(nurse, region.pharmacist).json()["id"]
    response = nurse.post(f"/api/v1/connections/{space_id}/accept")
    assert response.status_code == 400
    assert response.json()["detail"]
    member = Membership.objects.get(space__public_id=space_id, member=region.pharmacist)
    assert member.state == MembershipState.INVITED


@pytest.mark.parametrize("outsider", ["doctor", "clinic_admin", "secretariat", "helper"])
def test_nobody_else_answers_a_request(region, client_for, outsider):
    space_id = ask(client_for(region.nurse), region.pharmacist).json()["id"]
    client = client_for(region.cast[outsider])
    assert client.post(f"/api/v1/connections/{space_id}/accept").status_code == 404
    assert client.post(f"/api/v1/connections/{space_id}/decline").status_code == 404
    assert client.get(f"/api/v1/spaces/{space_id}").status_code == 404
    member = Membership.objects.get(space__public_id=space_id, member=region.pharmacist)
    assert member.state == MembershipState.INVITED


def test_asking_back_accepts(region, client_for):
    space_id = ask(client_for(region.nurse), region.pharmacist).json()["id"]
    back = ask(client_for(region.pharmacist), region.nurse)
    assert back.status_code == 201
    assert back.json()["id"] == space_id
    assert back.json()["membership"] == "active"


def test_bad_requests_make_no_connection(region, client_for):
    nurse = client_for(region.nurse)
    myself = ask(nurse, region.nurse)
    assert myself.status_code == 422
    assert myself.json()["errors"]["member"]
    nobody = nurse.post(
        "/api/v1/connections",
        {"member": "00000000-0000-4000-8000-000000000000"},
        content_type=JSON,
    )
    assert nobody.status_code == 422
    assert nobody.json()["errors"]["member"]
    helper = ask(nurse, region.helper)  # in no facility: not in the network
    assert helper.status_code == 422
    assert ask(nurse, region.pharmacist).status_code == 201
    again = ask(nurse, region.pharmacist)
    assert again.status_code == 400
    assert Space.objects.count() == 1
