"""Search through the API: every word, short Japanese words too, only in the member's spaces."""

from __future__ import annotations

import pytest

from renkei.timeline.actions import delete_post
from tests.api.spaces_cast import group, post, spaces_of_each_kind

SEARCH = "/api/v1/search"


def found(client, **params) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return [hit["post"] for hit in response.json()["hits"]]


def test_a_member_finds_posts_of_each_of_their_spaces(region, client_for):
    spaces = spaces_of_each_kind(region)
    made = {
        kind: post(region.nurse, space, f"{kind}で血圧を測定しました")
        for kind, space in spaces.items()
    }
    client = client_for(region.pharmacist)
    assert found(client, q="血圧") == [str(p.public_id) for p in reversed(made.values())]
    body = client.get(SEARCH, {"q": "血圧 測定"}).json()
    assert body["terms"] == ["血圧", "測定"]
    hits = {hit["space"]["kind"]: hit for hit in body["hits"]}
    assert hits["patient_group"]["space"]["patient_name"] == "朝霞 花子"
    assert hits["connection"]["space"]["partner"]["id"] == str(region.nurse.public_id)
    assert "<mark>血圧</mark>" in hits["group"]["snippet_html"]
    assert hits["group"]["author"]["id"] == str(region.nurse.public_id)
    within = found(client, q="血圧", space=str(spaces["group"].public_id))
    assert within == [str(made["group"].public_id)]


def test_short_words_replies_and_paging(region, client_for):
    space = group(region.nurse, region.pharmacist)
    top = post(region.nurse, space, "夜間に熱が出ました")
    reply = post(region.pharmacist, space, "熱は何度でしたか", parent_id=top.pk)
    client = client_for(region.nurse)
    first = client.get(SEARCH, {"q": "熱", "limit": 1}).json()
    assert [h["post"] for h in first["hits"]] == [str(reply.public_id)]
    assert first["hits"][0]["parent"] == str(top.public_id)
    rest = client.get(SEARCH, {"q": "熱", "limit": 1, "offset": first["next_offset"]}).json()
    assert [h["post"] for h in rest["hits"]] == [str(top.public_id)]
    assert rest["next_offset"] is None
    assert found(client, q="") == []


def test_a_deleted_post_is_not_found(region, client_for):
    space = group(region.nurse, region.pharmacist)
    made = post(region.nurse, space, "褥瘡の写真を共有します")
    delete_post(region.nurse, post_id=made.pk)
    assert found(client_for(region.pharmacist), q="褥瘡") == []


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize(
    "outsider",
    ["clinic_admin", "secretariat", "operator", "care_manager", "helper", "shared_nurse"],
)
def test_nobody_finds_the_posts_of_a_space_they_are_not_in(region, client_for, outsider):
    spaces = spaces_of_each_kind(region)
    for space in spaces.values():
        post(region.nurse, space, "在宅酸素の流量を変更")
    client = client_for(region.cast[outsider])
    assert found(client, q="酸素") == []
    assert found(client, q="在宅酸素の流量") == []
    for space in spaces.values():
        response = client.get(SEARCH, {"q": "酸素", "space": str(space.public_id)})
        assert response.status_code == 404


def test_a_former_member_no_longer_finds_the_posts(region, client_for):
    from renkei.spaces.actions import leave_space

    space = group(region.nurse, region.pharmacist)
    post(region.nurse, space, "在宅酸素の流量を変更")
    client = client_for(region.pharmacist)
    assert len(found(client, q="酸素")) == 1
    leave_space(region.pharmacist, space_id=space.pk)
    assert found(client, q="酸素") == []
