"""The space list, groups and patient groups through the API (R2.6, R3.1, R3.4, R3.5)."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.spaces.models import Membership, MembershipState, PatientRecord, Space, SpaceKind
from tests.api.spaces_cast import (
    JSON,
    PATIENT,
    group,
    patient_group,
    post,
    spaces_of_each_kind,
)
from tests.support.approval import approve_pending


def ids(rows: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [row["id"] for row in rows]


@pytest.mark.rule("R2.6")
def test_the_three_kinds_are_listed_apart(region, client_for):
    spaces = spaces_of_each_kind(region)
    client = client_for(region.nurse)
    every = client.get("/api/v1/spaces").json()
    assert set(ids(every)) == {str(s.public_id) for s in spaces.values()}
    for kind, space in spaces.items():
        listed = client.get("/api/v1/spaces", {"kind": kind}).json()
        assert ids(listed) == [str(space.public_id)]
        assert listed[0]["kind"] == kind
    assert client.get("/api/v1/spaces", {"kind": "forum"}).status_code == 422


@pytest.mark.rule("R2.6")
def test_a_patient_group_carries_its_patient_header(region, client_for):
    space = patient_group(region, region.pharmacist)
    (row,) = client_for(region.pharmacist).get("/api/v1/spaces").json()
    assert row["id"] == str(space.public_id)
    assert row["lead_facility"]["public_id"] == str(region.clinic.public_id)
    patient = {k: v for k, v in row["patient"].items() if k != "updated_at"}
    assert patient == PATIENT
    assert row["partner"] is None


def test_a_connection_names_the_other_member(region, client_for):
    space = spaces_of_each_kind(region)["connection"]
    for me, other in ((region.nurse, region.pharmacist), (region.pharmacist, region.nurse)):
        row = client_for(me).get(f"/api/v1/spaces/{space.public_id}").json()
        assert row["partner"]["id"] == str(other.public_id)
        assert row["patient"] is None


def test_unread_counts_follow_the_posts_of_others(region, client_for):
    spaces = spaces_of_each_kind(region)
    for _ in range(3):
        post(region.doctor, spaces["patient_group"])
    post(region.pharmacist, spaces["group"])
    post(region.nurse, spaces["group"])  # one's own posts are not unread
    rows = {r["kind"]: r for r in client_for(region.nurse).get("/api/v1/spaces").json()}
    assert rows["patient_group"]["unread"] == 3
    assert rows["group"]["unread"] == 0  # posting marks everything before as read
    assert rows["connection"]["unread"] == 0
    # Newest activity first.
    assert list(rows) == ["group", "patient_group", "connection"]


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("creator", ["helper", "pharmacist", "care_manager", "visiting_nurse"])
def test_any_member_creates_a_group_with_any_profession(region, client_for, creator):
    member = region.cast[creator]
    others = [m for m in (region.doctor, region.pharmacist, region.visiting_nurse) if m != member]
    response = client_for(member).post(
        "/api/v1/groups",
        {"name": "退院前カンファレンス", "members": [str(m.public_id) for m in others]},
        content_type=JSON,
    )
    if creator == "helper":  # belongs to no facility: not in the network (R1.2)
        assert response.status_code == 404
        assert not Space.objects.filter(kind=SpaceKind.GROUP).exists()
        return
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "group"
    assert body["name"] == "退院前カンファレンス"
    assert body["is_admin"] is True
    space = Space.objects.get(public_id=body["id"])
    approve_pending(space)  # members of other facilities join once their facility approves
    active = Membership.objects.filter(space=space, state=MembershipState.ACTIVE)
    assert set(active.values_list("member_id", flat=True)) == {member.pk, *(m.pk for m in others)}
    assert AuditEvent.objects.filter(action=AuditAction.SPACE_CREATED, actor_id=member.pk).exists()
    added = AuditEvent.objects.filter(action=AuditAction.SPACE_MEMBER_ADDED).count()
    waited = AuditEvent.objects.filter(action=AuditAction.INVITATION_PENDING).count()
    assert added + waited == len(others)


def test_a_group_with_an_unknown_member_is_refused_and_not_made(region, client_for):
    response = client_for(region.nurse).post(
        "/api/v1/groups",
        {"name": "勉強会", "members": ["00000000-0000-4000-8000-000000000000"]},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["errors"]["members"]
    assert not Space.objects.exists()


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_a_group_needs_a_name_that_fits(region, client_for, name):
    response = client_for(region.nurse).post(
        "/api/v1/groups", {"name": name, "members": []}, content_type=JSON
    )
    assert response.status_code == 422
    assert response.json()["errors"]["name"]
    assert not Space.objects.exists()


@pytest.mark.rule("R2.6")
def test_any_group_member_renames_adds_and_removes(region, client_for):
    space = group(region.nurse, region.pharmacist)
    pharmacist = client_for(region.pharmacist)
    renamed = pharmacist.patch(
        f"/api/v1/groups/{space.public_id}", {"name": "服薬の相談"}, content_type=JSON
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "服薬の相談"
    added = pharmacist.post(
        f"/api/v1/spaces/{space.public_id}/members",
        {"members": [str(region.visiting_nurse.public_id), str(region.care_manager.public_id)]},
        content_type=JSON,
    )
    assert added.status_code == 200
    # Both are of other facilities than the pharmacist's: listed once their facility approves.
    assert set(ids(added.json())) == {str(m.public_id) for m in (region.nurse, region.pharmacist)}
    approve_pending(space)
    listed = pharmacist.get(f"/api/v1/spaces/{space.public_id}/members").json()
    assert set(ids(listed)) == {
        str(m.public_id)
        for m in (region.nurse, region.pharmacist, region.visiting_nurse, region.care_manager)
    }
    removed = pharmacist.delete(
        f"/api/v1/spaces/{space.public_id}/members/{region.care_manager.public_id}"
    )
    assert removed.status_code == 200
    assert str(region.care_manager.public_id) not in ids(removed.json())
    listed = client_for(region.visiting_nurse).get(f"/api/v1/spaces/{space.public_id}/members")
    assert ids(listed.json()) == ids(removed.json())
    assert listed.json()[0]["id"] == str(region.nurse.public_id)  # the admin first
    assert AuditEvent.objects.filter(action=AuditAction.SPACE_RENAMED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SPACE_MEMBER_REMOVED).count() == 1
    # The removed member no longer reaches the group.
    gone = client_for(region.care_manager).get(f"/api/v1/spaces/{space.public_id}")
    assert gone.status_code == 404


def test_a_patient_group_is_not_renamed_as_a_group(region, client_for):
    space = patient_group(region, region.nurse)
    response = client_for(region.doctor).patch(
        f"/api/v1/groups/{space.public_id}", {"name": "名前"}, content_type=JSON
    )
    assert response.status_code == 404
    assert Space.objects.get(pk=space.pk).name == ""


def test_leaving_a_group(region, client_for):
    space = group(region.nurse, region.pharmacist)
    response = client_for(region.pharmacist).post(f"/api/v1/spaces/{space.public_id}/leave")
    assert response.status_code == 200
    assert response.json() == {"space": str(space.public_id), "state": "left"}
    assert Membership.objects.get(space=space, member=region.pharmacist).state == "left"
    assert client_for(region.pharmacist).get("/api/v1/spaces").json() == []
    assert AuditEvent.objects.filter(action=AuditAction.SPACE_LEFT).count() == 1


def test_a_connection_cannot_be_left_or_added_to(region, client_for):
    space = spaces_of_each_kind(region)["connection"]
    nurse = client_for(region.nurse)
    left = nurse.post(f"/api/v1/spaces/{space.public_id}/leave")
    assert left.status_code == 400
    assert left.json()["detail"]
    added = nurse.post(
        f"/api/v1/spaces/{space.public_id}/members",
        {"members": [str(region.doctor.public_id)]},
        content_type=JSON,
    )
    assert added.status_code == 400
    assert "つながり" in added.json()["detail"]
    assert Membership.objects.filter(space=space, state=MembershipState.ACTIVE).count() == 2


@pytest.mark.rule("R3.1")
@pytest.mark.parametrize("creator", ["doctor", "nurse", "care_manager", "shared_nurse"])
def test_a_member_of_the_lead_facility_creates_a_patient_group(region, client_for, creator):
    member = region.cast[creator]
    response = client_for(member).post(
        "/api/v1/patient-groups",
        {"lead_facility": str(region.clinic.public_id), "patient": PATIENT},
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "patient_group"
    assert body["is_admin"] is True  # R3.4: the creator is its first patient group admin
    assert body["patient"]["name"] == "朝霞 花子"
    event = AuditEvent.objects.get(action=AuditAction.SPACE_CREATED)
    assert event.actor_id == member.pk
    assert "朝霞" not in str(event.detail)
    assert "朝霞" not in event.object_label


@pytest.mark.rule("R3.1")
@pytest.mark.parametrize("outsider", ["pharmacist", "visiting_nurse", "helper", "secretariat"])
def test_only_the_lead_facility_creates_its_patient_groups(region, client_for, outsider):
    response = client_for(region.cast[outsider]).post(
        "/api/v1/patient-groups",
        {"lead_facility": str(region.clinic.public_id), "patient": PATIENT},
        content_type=JSON,
    )
    assert response.status_code == 404
    assert not PatientRecord.objects.exists()


def test_a_patient_group_needs_a_real_patient(region, client_for):
    response = client_for(region.doctor).post(
        "/api/v1/patient-groups",
        {
            "lead_facility": str(region.clinic.public_id),
            "patient": {**PATIENT, "furigana": "Asaka", "birth_date": "2999-01-01"},
        },
        content_type=JSON,
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"furigana", "birth_date"}
    assert not Space.objects.exists()
    missing = client_for(region.doctor).post(
        "/api/v1/patient-groups",
        {"lead_facility": str(region.clinic.public_id), "patient": {"name": "朝霞 花子"}},
        content_type=JSON,
    )
    assert missing.status_code == 422
    assert missing.json()["errors"]["patient_furigana"] == ["この項目は必須です。"]


@pytest.mark.rule("R3.1")
def test_the_lead_facility_invites_and_removes_members(region, client_for):
    space = patient_group(region)
    doctor = client_for(region.doctor)
    invited = doctor.post(
        f"/api/v1/spaces/{space.public_id}/members",
        {"members": [str(region.pharmacist.public_id), str(region.visiting_nurse.public_id)]},
        content_type=JSON,
    )
    assert invited.status_code == 200
    approve_pending(space)  # both are of other facilities, which approve (R2.10)
    listed = doctor.get(f"/api/v1/spaces/{space.public_id}/members")
    rows = {r["id"]: r for r in listed.json()}
    assert rows[str(region.pharmacist.public_id)]["facility"]["name"] == region.pharmacy.name
    removed = doctor.delete(
        f"/api/v1/spaces/{space.public_id}/members/{region.visiting_nurse.public_id}"
    )
    assert removed.status_code == 200
    assert str(region.visiting_nurse.public_id) not in ids(removed.json())


@pytest.mark.rule("R3.1")
def test_a_member_from_another_facility_cannot_invite_or_remove(region, client_for):
    space = patient_group(region, region.pharmacist, region.nurse)
    pharmacist = client_for(region.pharmacist)
    invited = pharmacist.post(
        f"/api/v1/spaces/{space.public_id}/members",
        {"members": [str(region.visiting_nurse.public_id)]},
        content_type=JSON,
    )
    assert invited.status_code == 403
    assert invited.json()["rule"] == "R3.1"
    assert invited.json()["detail"] == "患者グループのメンバーは連携元事業所が招待します。"
    removed = pharmacist.delete(
        f"/api/v1/spaces/{space.public_id}/members/{region.nurse.public_id}"
    )
    assert removed.status_code == 403
    assert Membership.objects.filter(space=space, state=MembershipState.ACTIVE).count() == 3


@pytest.mark.rule("R3.4")
def test_the_last_patient_group_admin_cannot_leave(region, client_for):
    space = patient_group(region, region.nurse)
    response = client_for(region.doctor).post(f"/api/v1/spaces/{space.public_id}/leave")
    assert response.status_code == 400
    assert response.json()["rule"] == "R3.4"
    assert Membership.objects.get(space=space, member=region.doctor).state == "active"


@pytest.mark.rule("R3.5")
def test_the_patient_group_admin_updates_the_patient(region, client_for):
    space = patient_group(region, region.nurse)
    path = f"/api/v1/patient-groups/{space.public_id}/patient"
    changed = {**PATIENT, "care_level": "要介護4"}
    response = client_for(region.doctor).put(path, changed, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["care_level"] == "要介護4"
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_RECORD_UPDATED)
    assert event.detail["fields"] == ["care_level"]
    refused = client_for(region.nurse).put(
        path, {**PATIENT, "care_level": "要支援1"}, content_type=JSON
    )
    assert refused.status_code == 403
    assert PatientRecord.objects.get(space=space).care_level == "要介護4"


def test_finding_members_to_add(region, client_for):
    client = client_for(region.nurse)
    found = client.get("/api/v1/members", {"q": "いとう"}).json()
    assert found == [
        {
            "id": str(region.pharmacist.public_id),
            "name": "伊藤 健",
            "furigana": "いとう けん",
            "profession": "pharmacist",
            "profession_label": "薬剤師",
        }
    ]
    # The helper is in no facility, hence not in the network; an empty query finds nobody.
    assert client.get("/api/v1/members", {"q": "こばやし"}).json() == []
    assert client.get("/api/v1/members").json() == []
