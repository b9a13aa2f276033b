"""Applying to join (form 3) and the secretariat's decision, through the API (R1.1)."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import Facility, FacilityState

JSON = "application/json"

APPLICATION = {
    "kind": "home_help",
    "name": "にいざヘルパーステーション",
    "postal_code": "352-0001",
    "address": "埼玉県新座市東北1-2-3",
    "tel": "048-222-0001",
    "fax": "048-222-0002",
    "pledge_date": "2026-04-01",
    "manager": {
        "name": "森 和子",
        "furigana": "もり かずこ",
        "profession": "care_worker",
        "email": "mori@niiza-help.example.jp",
    },
    "users": [
        {
            "name": "清水 翔",
            "furigana": "しみず しょう",
            "profession": "helper",
            "email": "shimizu@niiza-help.example.jp",
        }
    ],
    "agreed_to_policy": True,
}


def apply(data: dict | None = None):  # type: ignore[no-untyped-def]
    return Client().post("/api/v1/applications", data or APPLICATION, content_type=JSON)


@pytest.mark.rule("R1.1")
def test_apply_then_the_secretariat_accepts_and_the_facility_is_active(region, client_for):
    response = apply()
    assert response.status_code == 201
    public_id = response.json()["public_id"]
    assert response.json()["state"] == "applied"
    facility = Facility.objects.get(public_id=public_id)
    assert facility.state == FacilityState.APPLIED

    secretariat = client_for(region.secretariat)
    pending = secretariat.get("/api/v1/applications").json()
    assert [a["public_id"] for a in pending] == [public_id]
    detail = secretariat.get(f"/api/v1/applications/{public_id}").json()
    assert [u["email"] for u in detail["users"]] == [
        "mori@niiza-help.example.jp",
        "shimizu@niiza-help.example.jp",
    ]
    assert detail["users"][0]["is_manager"] is True

    accepted = secretariat.post(f"/api/v1/applications/{public_id}/accept", content_type=JSON)
    assert accepted.status_code == 200
    assert accepted.json()["state"] == "active"
    facility.refresh_from_db()
    assert facility.state == FacilityState.ACTIVE
    manager = Member.objects.get(email="mori@niiza-help.example.jp")
    assert manager.affiliations.get().is_admin  # the first facility admin (R2.8)
    assert secretariat.get("/api/v1/applications").json() == []
    assert AuditEvent.objects.filter(action=AuditAction.FACILITY_ACCEPTED).count() == 1


@pytest.mark.rule("R1.1")
def test_the_facility_cannot_use_the_network_before_acceptance(region, client_for):
    public_id = apply().json()["public_id"]
    # Not listed for members, and nobody is registered with it yet.
    names = [f["name"] for f in client_for(region.nurse).get("/api/v1/facilities").json()]
    assert APPLICATION["name"] not in names
    assert not Member.objects.filter(email="mori@niiza-help.example.jp").exists()
    response = client_for(region.nurse).get(f"/api/v1/facilities/{public_id}")
    assert response.status_code == 404


@pytest.mark.rule("R1.1")
@pytest.mark.parametrize("who", ["doctor", "clinic_admin", "pharmacist", "helper"])
def test_only_the_secretariat_reads_and_decides_applications(region, client_for, who):
    public_id = apply().json()["public_id"]
    client = client_for(region.cast[who])
    assert client.get("/api/v1/applications").json() == []
    assert client.get(f"/api/v1/applications/{public_id}").status_code == 404
    accept = client.post(f"/api/v1/applications/{public_id}/accept", content_type=JSON)
    assert accept.status_code == 404
    reject = client.post(
        f"/api/v1/applications/{public_id}/reject", {"reason": "x"}, content_type=JSON
    )
    assert reject.status_code == 404
    assert Facility.objects.get(public_id=public_id).state == FacilityState.APPLIED


@pytest.mark.rule("R1.1")
def test_the_secretariat_rejects_with_a_reason(region, client_for):
    public_id = apply().json()["public_id"]
    secretariat = client_for(region.secretariat)
    empty = secretariat.post(
        f"/api/v1/applications/{public_id}/reject", {"reason": "  "}, content_type=JSON
    )
    assert empty.status_code == 422
    assert list(empty.json()["errors"]) == ["reason"]
    response = secretariat.post(
        f"/api/v1/applications/{public_id}/reject",
        {"reason": "利用者一覧の記載が不足しています。"},
        content_type=JSON,
    )
    assert response.status_code == 200
    assert response.json()["state"] == "rejected"
    assert response.json()["rejection_reason"] == "利用者一覧の記載が不足しています。"
    again = secretariat.post(f"/api/v1/applications/{public_id}/accept", content_type=JSON)
    assert again.status_code == 400
    assert again.json()["code"] == "invalid"


def _bad(**changes: object) -> dict:
    data = copy.deepcopy(APPLICATION)
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[leaf] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "あ" * 101}, "name"),
        ({"manager__name": "森" * 61}, "manager_name"),
        ({"manager__furigana": "モリ カズコ"}, "manager_furigana"),
        ({"users__0__furigana": "シミズ"}, "users-0-furigana"),
        ({"tel": "０４８-２２２-０００１"}, "tel"),
        ({"postal_code": "３５２-０００１"}, "postal_code"),
        ({"agreed_to_policy": False}, "agreed_to_policy"),
        ({"pledge_date": "2026/04/01"}, "pledge_date"),
        ({"users__0__email": 12}, "users-0-email"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_nothing_is_stored(db, changes, field):
    response = apply(_bad(**changes))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert field in body["errors"], body
    for message in body["errors"][field]:
        assert _is_japanese(message), message
    assert body["detail"] in [m for msgs in body["errors"].values() for m in msgs]
    assert not Facility.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_katakana_message_names_the_fix(db):
    body = apply(_bad(manager__furigana="モリ カズコ")).json()
    assert "ひらがな" in body["errors"]["manager_furigana"][0]


def test_a_missing_field_and_an_unknown_field_are_named(db):
    data = copy.deepcopy(APPLICATION)
    del data["tel"]
    data["website"] = "https://example.jp"
    body = apply(data).json()
    assert set(body["errors"]) == {"tel", "website"}
    assert all(_is_japanese(m) for msgs in body["errors"].values() for m in msgs)
    assert not Facility.objects.exists()


def test_messages_follow_accept_language(db):
    response = Client().post(
        "/api/v1/applications",
        _bad(manager__furigana="モリ"),
        content_type=JSON,
        headers={"Accept-Language": "en"},
    )
    assert response.json()["errors"]["manager_furigana"] == [
        "Write the furigana in hiragana, not katakana (e.g. やまだ はなこ)."
    ]


def test_applying_needs_a_json_body(db):
    form = Client().post("/api/v1/applications", {"name": "x"})
    assert form.status_code == 400
    plain = Client().post(
        "/api/v1/applications", __import__("json").dumps(APPLICATION), content_type="text/plain"
    )
    assert plain.status_code == 415
    assert plain.json()["code"] == "unsupported_media_type"
    assert not Facility.objects.exists()


def _is_japanese(text: str) -> bool:
    """True when the message is written in Japanese, not English with a Japanese example."""
    english_words = [w for w in text.split() if w.isascii() and w.isalpha() and len(w) > 2]
    return not english_words and any("\u3040" <= ch <= "\u9fff" for ch in text)
