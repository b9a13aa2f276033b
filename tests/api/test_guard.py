"""R2.6 through the API: a group refuses patients' personal information with what matched and
where to write it instead; a connection answers 409 until the post is sent with ``confirm``;
patient groups are not checked; file names are checked too."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.timeline.models import Post
from tests.attachments import samples
from tests.spaces.helpers import connection, group, patient_group

TEXT = "朝霞花子さんのご自宅は朝霞市本町1-2-3、電話048-123-4567です。"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def spaces(region):
    return {
        "patient_group": patient_group(region, region.nurse),
        "group": group(region, region.doctor, region.nurse),
        "connection": connection(region.nurse, region.doctor),
    }


def _post(client, space, **payload):
    return client.post(
        f"/api/v1/spaces/{space.public_id}/posts",
        {"client_id": "api-guard-0001", **payload},
        content_type="application/json",
    )


@pytest.mark.rule("R2.6")
def test_a_group_refuses_with_the_matches_and_the_patient_group(region, spaces, client_for):
    response = _post(client_for(region.nurse), spaces["group"], body=TEXT)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "personal_information"
    assert body["rule"] == "R2.6"
    assert body["detail"].startswith("グループには患者さんの個人情報を書けません")
    assert [(m["kind"], m["text"]) for m in body["matches"]] == [
        ("name", "朝霞花子"),
        ("address", "朝霞市本町1-2-3"),
        ("phone", "048-123-4567"),
    ]
    assert body["matches"][0]["label"] == "患者さんの氏名"
    assert TEXT[body["matches"][2]["start"] : body["matches"][2]["end"]] == "048-123-4567"
    assert body["patient_link"] == f"/spaces/{spaces['patient_group'].public_id}/"
    # confirm changes nothing in a group.
    again = _post(client_for(region.nurse), spaces["group"], body=TEXT, confirm=True)
    assert again.status_code == 409
    assert not Post.objects.filter(space=spaces["group"]).exists()


@pytest.mark.rule("R2.6")
def test_an_outsider_of_the_patient_group_is_sent_to_the_patient_list(region, client_for):
    patient_group(region)
    space = group(region, region.nurse, region.care_manager)
    response = _post(client_for(region.care_manager), space, body="朝霞花子様の件")
    assert response.json()["patient_link"] == "/spaces/?tab=patients"


@pytest.mark.rule("R2.6")
def test_a_connection_asks_for_confirmation(region, spaces, client_for):
    client = client_for(region.nurse)
    first = _post(client, spaces["connection"], body=TEXT)
    assert first.status_code == 409
    assert first.json()["code"] == "confirm_personal_information"
    assert {m["kind"] for m in first.json()["matches"]} == {"name", "address", "phone"}
    assert not Post.objects.filter(space=spaces["connection"]).exists()
    second = _post(client, spaces["connection"], body=TEXT, confirm=True)
    assert second.status_code == 201
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_INFORMATION_CONFIRMED)
    assert event.detail["kinds"] == ["address", "name", "phone"]
    assert "朝霞" not in str(event.detail)


@pytest.mark.rule("R2.6")
def test_a_patient_group_takes_the_same_text(region, spaces, client_for):
    response = _post(client_for(region.nurse), spaces["patient_group"], body=TEXT)
    assert response.status_code == 201


@pytest.mark.rule("R2.6")
def test_file_names_are_checked(region, spaces, client_for):
    with_name = samples.upload("朝霞花子様_紹介状.pdf", samples.pdf())
    response = client_for(region.nurse).post(
        f"/api/v1/spaces/{spaces['group'].public_id}/posts",
        {"client_id": "api-guard-0002", "body": "紹介状です", "files": [with_name]},
    )
    assert response.status_code == 409
    (match,) = response.json()["matches"]
    assert (match["kind"], match["field"]) == ("name", "attachments")
    assert not Post.objects.filter(space=spaces["group"]).exists()


@pytest.mark.rule("R2.6")
def test_edits_are_checked(region, spaces, client_for):
    client = client_for(region.nurse)
    created = _post(client, spaces["group"], body="勉強会の資料です")
    assert created.status_code == 201
    url = f"/api/v1/posts/{created.json()['id']}"
    refused = client.patch(url, {"body": TEXT}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "personal_information"
    assert Post.objects.get(space=spaces["group"]).body == "勉強会の資料です"
