"""R3.5 through the API: request, withdraw, the operator's queue and execution, the tombstone
and its certificate; every forbidden path answers 404 (or 409 naming the rule)."""

from __future__ import annotations

import pytest

from renkei.erasure.models import DeletionRequest, Tombstone
from renkei.spaces.models import SpaceState
from tests.erasure.helpers import asked_on, record_request
from tests.spaces.helpers import patient_group

pytestmark = pytest.mark.rule("R3.5")

API = "/api/v1"


@pytest.fixture
def space(region):
    return patient_group(region, region.nurse)


def _payload(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "requester": "patient",
        "asked_on": asked_on().isoformat(),
        "channel": "in_person",
    }
    data.update(overrides)
    return data


def test_request_and_withdraw(region, space, client_for):
    url = f"{API}/patient-groups/{space.public_id}/deletion-request"
    for who in ("nurse", "pharmacist", "operator"):
        client = client_for(getattr(region, who))
        assert client.post(url, _payload(), content_type="application/json").status_code == 404
    admin = client_for(region.clinic_admin)
    bad = admin.post(url, _payload(requester="family"), content_type="application/json")
    assert bad.status_code == 422
    assert "relationship" in bad.json()["errors"]
    made = admin.post(url, _payload(), content_type="application/json")
    assert made.status_code == 201
    body = made.json()
    assert body["state"] == "open"
    assert body["patient_group"] == str(space.public_id)
    assert body["recorded_by"]["name"] == region.clinic_admin.name
    again = admin.post(url, _payload(), content_type="application/json")
    assert again.status_code == 400
    assert client_for(region.nurse).delete(url).status_code == 404
    withdrawn = client_for(region.doctor).delete(url)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == "withdrawn"
    assert client_for(region.doctor).delete(url).status_code == 404


@pytest.mark.parametrize("who", ["doctor", "nurse", "clinic_admin", "secretariat", "helper"])
def test_queue_and_execute_are_404_for_non_operators(region, space, client_for, who):
    request = record_request(region.doctor, space)
    client = client_for(getattr(region, who))
    assert client.get(f"{API}/deletion-requests").status_code == 404
    assert client.post(f"{API}/deletion-requests/{request.public_id}/execute").status_code == 404
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE


def test_operator_executes_once_and_reads_the_tombstone(region, space, client_for):
    request = record_request(region.doctor, space)
    operator = client_for(region.operator)
    (row,) = operator.get(f"{API}/deletion-requests").json()
    assert row["id"] == str(request.public_id)
    assert row["lead_facility"] == region.clinic.name
    done = operator.post(f"{API}/deletion-requests/{request.public_id}/execute")
    assert done.status_code == 200
    tombstone = done.json()
    assert tombstone["patient_group"] == str(space.public_id)
    assert tombstone["executed_by"] == region.operator.name
    assert tombstone["requested_by"] == region.doctor.name
    assert {c["key"] for c in tombstone["counts"]} >= {"posts", "patient_records"}
    twice = operator.post(f"{API}/deletion-requests/{request.public_id}/execute")
    assert twice.status_code == 400
    assert operator.get(f"{API}/deletion-requests").json() == []
    for who, status in (("operator", 200), ("doctor", 200), ("nurse", 404), ("pharmacist", 404)):
        client = client_for(getattr(region, who))
        assert client.get(f"{API}/tombstones/{space.public_id}").status_code == status
        pdf = client.get(f"{API}/tombstones/{space.public_id}/certificate")
        assert pdf.status_code == status
        if status == 200:
            assert pdf["Content-Type"] == "application/pdf"


def test_the_recorder_cannot_execute(region, space, client_for):
    region.doctor.is_operator = True
    region.doctor.save(update_fields=["is_operator"])
    request = record_request(region.doctor, space)
    refused = client_for(region.doctor).post(f"{API}/deletion-requests/{request.public_id}/execute")
    assert refused.status_code == 409
    assert refused.json()["rule"] == "R3.5"
    assert not Tombstone.objects.exists()
    assert DeletionRequest.objects.get().state == "open"


def test_withdrawn_request_cannot_be_executed(region, space, client_for):
    request = record_request(region.doctor, space)
    client_for(region.doctor).delete(f"{API}/patient-groups/{space.public_id}/deletion-request")
    refused = client_for(region.operator).post(
        f"{API}/deletion-requests/{request.public_id}/execute"
    )
    assert refused.status_code == 400
    assert not Tombstone.objects.exists()
