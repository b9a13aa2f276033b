"""The audit trail through the API: filtered by what the reader may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.facilities.actions import PersonInput, register_staff


def _person(login: str) -> PersonInput:
    return PersonInput("新人 太郎", "しんじん たろう", "nurse", f"{login}@example.jp")


@pytest.fixture
def trail(region):  # type: ignore[no-untyped-def]
    register_staff(region.clinic_admin, facility_id=region.clinic.pk, person=_person("c1"))
    register_staff(region.pharmacist, facility_id=region.pharmacy.pk, person=_person("p1"))
    return region


def _events(client, query: str = "") -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/audit-events{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_secretariat_reads_the_whole_trail(trail, client_for):
    body = _events(client_for(trail.secretariat), f"?action={AuditAction.STAFF_REGISTERED}")
    assert body["count"] == 2
    facilities = {e["facility_public_id"] for e in body["items"]}
    assert facilities == {str(trail.clinic.public_id), str(trail.pharmacy.public_id)}


@pytest.mark.rule("R2.4")
def test_a_facility_admin_reads_only_its_facilitys_events(trail, client_for):
    body = _events(client_for(trail.clinic_admin))
    facilities = {e["facility_public_id"] for e in body["items"]} - {None}
    assert facilities == {str(trail.clinic.public_id)}
    registered = [e for e in body["items"] if e["action"] == AuditAction.STAFF_REGISTERED]
    assert len(registered) == 1
    assert registered[0]["actor_public_id"] == str(trail.clinic_admin.public_id)
    assert registered[0]["object_type"] == "member"
    newcomer = Member.objects.get(email="c1@example.jp")
    assert registered[0]["object_ref"] == str(newcomer.public_id)
    # Another facility's filter shows nothing of it.
    other = _events(client_for(trail.clinic_admin), f"?facility={trail.pharmacy.public_id}")
    assert other == {"count": 0, "items": []}


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("who", ["nurse", "care_manager", "helper"])
def test_members_who_are_not_admins_read_nothing(trail, client_for, who):
    assert _events(client_for(trail.cast[who])) == {"count": 0, "items": []}


def test_filters_and_paging(trail, client_for):
    client = client_for(trail.secretariat)
    everything = _events(client)
    assert everything["count"] >= 5
    sequences = [e["sequence"] for e in everything["items"]]
    assert sequences == sorted(sequences, reverse=True)  # newest first
    page = _events(client, "?limit=2&offset=1")
    assert [e["sequence"] for e in page["items"]] == sequences[1:3]
    assert page["count"] == everything["count"]
    clinic = _events(client, f"?facility={trail.clinic.public_id}")
    assert {e["facility_public_id"] for e in clinic["items"]} == {str(trail.clinic.public_id)}
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert _events(client, f"?since={future.replace('+', '%2B')}")["count"] == 0
    assert _events(client, f"?until={future.replace('+', '%2B')}")["count"] == everything["count"]


def test_bad_filters_are_named(trail, client_for):
    response = client_for(trail.secretariat).get("/api/v1/audit-events?limit=500&since=yesterday")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"limit", "since"}
