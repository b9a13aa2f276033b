"""The answer to a new post: the post as its author sees it, built without reading the space
again, and a posting request whose statements do not grow with the space."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renkei.spaces.models import Membership
from tests.api.spaces_cast import group, new_client_id, patient_group, send
from tests.attachments import samples


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _same_as_read_back(client, answer) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 201, answer.content
    made = answer.json()
    read = client.get(f"/api/v1/posts/{made['id']}")
    assert read.status_code == 200
    assert made == read.json()


@pytest.mark.rule("R3.3②")
def test_the_answer_is_the_post_as_read_back_with_acks_asked(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    client = client_for(region.doctor)
    answer = send(
        client,
        space,
        "本日より降圧薬を変更。ご確認ください。",
        ack_from=[str(region.pharmacist.public_id), str(region.nurse.public_id)],
    )
    _same_as_read_back(client, answer)
    assert len(answer.json()["outstanding_acks"]) == 2
    assert answer.json()["client_id"]


def test_the_answer_is_the_post_as_read_back_with_files(
    region, client_for, django_capture_on_commit_callbacks
):
    space = group(region.nurse, region.doctor)
    client = client_for(region.nurse)
    data = {
        "client_id": new_client_id(),
        "body": "書類を共有します",
        "files": [samples.upload("訪問記録.pdf", samples.pdf())],
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/spaces/{space.public_id}/posts", data)
    _same_as_read_back(client, answer)
    assert [a["name"] for a in answer.json()["attachments"]] == ["訪問記録.pdf"]


def test_a_reply_answers_with_its_parent(region, client_for):
    space = group(region.nurse, region.doctor)
    client = client_for(region.doctor)
    first = send(client, space, "明日の訪問について").json()
    answer = send(client, space, "10時に伺います", parent=first["id"])
    _same_as_read_back(client, answer)
    assert answer.json()["parent"] == first["id"]


def test_a_retried_send_answers_200_with_the_post_as_it_is_now(region, client_for):
    space = group(region.nurse, region.doctor)
    nurse, doctor = client_for(region.nurse), client_for(region.doctor)
    client_id = new_client_id()
    made = send(nurse, space, "体温37.8度", client_id=client_id).json()
    assert doctor.post(f"/api/v1/posts/{made['id']}/ack").status_code == 200
    again = send(nurse, space, "体温37.8度", client_id=client_id)
    assert again.status_code == 200
    assert again.json()["id"] == made["id"]
    assert again.json()["ack_count"] == 1


def test_posting_costs_the_same_statements_in_a_small_or_a_large_space(region, client_for):
    small = group(region.nurse, region.doctor)
    large = group(
        region.nurse,
        region.doctor,
        region.pharmacist,
        region.care_manager,
        region.visiting_nurse,
        region.shared_nurse,
        region.clinic_admin,
    )
    client = client_for(region.nurse)
    counts = []
    for space in (small, large):
        send(client, space, "最初の投稿")  # later posts find the notification rows in place
        with CaptureQueriesContext(connection) as queries:
            assert send(client, space, "訪問しました").status_code == 201
        counts.append(len(queries))
    assert (
        Membership.objects.filter(space=large).count()
        > 2 * Membership.objects.filter(space=small).count()
    )
    assert counts[0] == counts[1]
    # Measured: the policy, the session and sign-in checks, the access check, the post's
    # transaction (space, membership, client id, guard version, insert, counters, audit,
    # notifications); the answer asks nothing more of a post without files or 了解 requests.
    # PostgreSQL adds the audit chain's advisory lock (renkei.audit.record).
    assert counts[0] == POST_STATEMENTS + (connection.vendor == "postgresql")


POST_STATEMENTS = 17
