"""R3.5 through the pages: the block on the patient group page, recording and withdrawing a
request, the operator's queue (404 for everyone else), execution with a confirm step, and the
tombstone with its certificate."""

from __future__ import annotations

import pytest

from renkei.erasure.models import DeletionRequest, RequestState, Tombstone
from renkei.spaces.models import SpaceState
from tests.erasure.helpers import asked_on, record_request
from tests.spaces.helpers import patient_group

pytestmark = pytest.mark.rule("R3.5")


@pytest.fixture
def space(region):
    return patient_group(region, region.nurse)


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "requester": "family",
        "relationship": "妻",
        "asked_on": asked_on().isoformat(),
        "channel": "letter",
        "channel_note": "",
    }
    data.update(overrides)
    return data


def test_the_block_shows_to_admins_only(region, space, client_for):
    url = f"/spaces/{space.public_id}/"
    admin_page = client_for(region.doctor).get(url).content.decode()
    assert f"/erasure/patient-groups/{space.public_id}/" in admin_page
    member_page = client_for(region.nurse).get(url).content.decode()
    assert "/erasure/" not in member_page


def test_admin_records_and_withdraws_a_request(region, space, client_for):
    client = client_for(region.doctor)
    url = f"/erasure/patient-groups/{space.public_id}/"
    assert client.get(url).status_code == 200
    bad = client.post(url, _form(relationship=""))
    assert bad.status_code == 422
    assert not DeletionRequest.objects.exists()
    assert client.post(url, _form()).status_code == 302
    request = DeletionRequest.objects.get()
    assert request.channel == "letter"
    assert request.relationship == "妻"
    page = client.get(url).content.decode()
    assert "妻" in page
    assert client.post(url + "withdraw/").status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN


@pytest.mark.parametrize("who", ["nurse", "pharmacist", "helper", "operator"])
def test_others_cannot_reach_the_request_page(region, space, client_for, who):
    client = client_for(getattr(region, who))
    url = f"/erasure/patient-groups/{space.public_id}/"
    assert client.get(url).status_code == 404
    assert client.post(url, _form()).status_code == 404
    assert not DeletionRequest.objects.exists()


@pytest.mark.parametrize("who", ["doctor", "nurse", "clinic_admin", "secretariat", "helper"])
def test_queue_and_execution_are_404_for_non_operators(region, space, client_for, who):
    request = record_request(region.doctor, space)
    client = client_for(getattr(region, who))
    assert client.get("/erasure/queue/").status_code == 404
    assert client.get(f"/erasure/requests/{request.public_id}/").status_code == 404
    response = client.post(f"/erasure/requests/{request.public_id}/", {"confirm": "on"})
    assert response.status_code == 404
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE


def test_operator_confirms_and_executes(
    region, space, client_for, django_capture_on_commit_callbacks
):
    request = record_request(region.doctor, space)
    operator = client_for(region.operator)
    queue = operator.get("/erasure/queue/").content.decode()
    assert str(request.public_id) in queue
    assert region.clinic.name in queue
    assert "朝霞 花子" not in queue
    url = f"/erasure/requests/{request.public_id}/"
    assert operator.get(url).status_code == 200
    assert operator.post(url, {}).status_code == 422  # not confirmed
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"/erasure/tombstones/{space.public_id}/"
    space.refresh_from_db()
    assert space.state == SpaceState.DELETED
    tombstone_page = operator.get(response["Location"]).content.decode()
    assert region.operator.name in tombstone_page
    assert region.doctor.name in tombstone_page
    assert "朝霞 花子" not in tombstone_page
    # Executing again answers the refusal on the page and changes nothing.
    assert operator.post(url, {"confirm": "on"}).status_code == 409
    assert Tombstone.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("operator", 200),
        ("doctor", 200),
        ("clinic_admin", 200),
        ("nurse", 404),
        ("pharmacist", 404),
        ("secretariat", 404),
    ],
)
def test_tombstone_and_certificate_readers(region, space, client_for, who, status):
    request = record_request(region.doctor, space)
    from renkei.erasure.actions import execute_deletion

    execute_deletion(region.operator, request_id=request.pk)
    client = client_for(getattr(region, who))
    base = f"/erasure/tombstones/{space.public_id}/"
    assert client.get(base).status_code == status
    certificate = client.get(base + "certificate.pdf")
    assert certificate.status_code == status
    if status == 200:
        assert certificate.content.startswith(b"%PDF")
        listed = client.get("/erasure/tombstones/").content.decode()
        assert str(space.public_id) in listed
