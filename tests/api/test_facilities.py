"""Facilities, staff lists, staff registration and facility admins through the API."""

from __future__ import annotations

import pytest

from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import Affiliation

JSON = "application/json"


def staff_path(facility, member=None) -> str:  # type: ignore[no-untyped-def]
    base = f"/api/v1/facilities/{facility.public_id}/staff"
    return f"{base}/{member.public_id}/deregister" if member else base


def admin_path(facility, member) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/facilities/{facility.public_id}/admins/{member.public_id}"


NEW_PERSON = {
    "name": "高橋 直子",
    "furigana": "たかはし なおこ",
    "profession": "nurse",
    "email": "ns.takahashi@example.jp",
}


def test_members_see_active_facilities(region, client_for):
    body = client_for(region.helper).get("/api/v1/facilities").json()
    assert {f["name"] for f in body} == {
        region.clinic.name,
        region.pharmacy.name,
        region.station.name,
    }
    one = client_for(region.nurse).get(f"/api/v1/facilities/{region.pharmacy.public_id}").json()
    assert one["tel"] == "048-111-0002"
    assert one["state"] == "active"


def test_an_unknown_or_malformed_facility_is_not_found(region, client_for):
    client = client_for(region.nurse)
    missing = client.get("/api/v1/facilities/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "見つかりません。", "code": "not_found"}
    assert client.get("/api/v1/facilities/17").status_code == 422


def test_staff_list_is_form_3(region, client_for):
    rows = client_for(region.nurse).get(staff_path(region.clinic)).json()
    assert [r["number"] for r in rows] == [1, 2, 3, 4, 5]
    doctor = rows[0]
    assert doctor["member_public_id"] == str(region.doctor.public_id)
    assert doctor["name"] == "山田 一郎"
    assert doctor["furigana"] == "やまだ いちろう"
    assert doctor["profession"] == "doctor"
    assert doctor["email"] == "dr.yamada@example.jp"
    assert doctor["is_manager"] is True
    assert doctor["is_admin"] is True
    assert doctor["activated"] is True
    assert doctor["lost_on"] is None
    assert "registered_on" in doctor


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("outsider", ["pharmacist", "helper", "visiting_nurse"])
def test_another_facilitys_staff_list_is_not_found_never_forbidden(region, client_for, outsider):
    response = client_for(region.cast[outsider]).get(staff_path(region.clinic))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_secretariat_reads_every_staff_list(region, client_for):
    response = client_for(region.secretariat).get(staff_path(region.pharmacy))
    assert [r["name"] for r in response.json()] == [region.pharmacist.name]


@pytest.mark.rule("R2.10")
def test_a_facility_admin_registers_staff(region, client_for):
    response = client_for(region.clinic_admin).post(
        staff_path(region.clinic), NEW_PERSON, content_type=JSON
    )
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == 6
    assert body["activated"] is False
    member = Member.objects.get(email="ns.takahashi@example.jp")
    assert body["member_public_id"] == str(member.public_id)
    event = AuditEvent.objects.filter(action=AuditAction.STAFF_REGISTERED).get()
    assert event.actor_id == region.clinic_admin.pk


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize("who", ["nurse", "care_manager", "pharmacist", "helper", "secretariat"])
def test_others_cannot_register_staff(region, client_for, who):
    response = client_for(region.cast[who]).post(
        staff_path(region.clinic), NEW_PERSON, content_type=JSON
    )
    assert response.status_code == 404
    assert not Member.objects.filter(email="ns.takahashi@example.jp").exists()


@pytest.mark.rule("R2.10")
def test_a_facility_admin_deregisters_staff_and_the_row_stays(region, client_for):
    response = client_for(region.clinic_admin).post(
        staff_path(region.clinic, region.care_manager), {}, content_type=JSON
    )
    assert response.status_code == 200
    assert response.json()["lost_on"] is not None
    rows = client_for(region.doctor).get(staff_path(region.clinic)).json()
    row = next(r for r in rows if r["member_public_id"] == str(region.care_manager.public_id))
    assert row["lost_on"] == response.json()["lost_on"]


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize("who", ["nurse", "pharmacist", "visiting_nurse", "helper"])
def test_others_cannot_deregister_staff(region, client_for, who):
    response = client_for(region.cast[who]).post(
        staff_path(region.clinic, region.care_manager), {}, content_type=JSON
    )
    assert response.status_code == 404
    assert Affiliation.objects.get(member=region.care_manager).lost_on is None


def test_a_future_loss_date_is_refused_in_japanese(region, client_for):
    response = client_for(region.clinic_admin).post(
        staff_path(region.clinic, region.care_manager),
        {"lost_on": "2999-01-01"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"lost_on": ["未来の日付は指定できません。"]}
    assert Affiliation.objects.get(member=region.care_manager).lost_on is None


@pytest.mark.rule("R2.8")
def test_the_last_facility_admin_cannot_be_revoked(region, client_for):
    response = client_for(region.pharmacist).delete(admin_path(region.pharmacy, region.pharmacist))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "rule_violation"
    assert body["rule"] == "R2.8"
    assert body["detail"]
    assert Affiliation.objects.get(member=region.pharmacist).is_admin


@pytest.mark.rule("R2.8")
def test_the_last_facility_admin_cannot_be_deregistered(region, client_for):
    # The manager steps down as admin, leaving the clinic admin as the only one.
    doctor = client_for(region.doctor)
    assert doctor.delete(admin_path(region.clinic, region.doctor)).status_code == 200
    admin = client_for(region.clinic_admin)
    response = admin.post(staff_path(region.clinic, region.clinic_admin), {}, content_type=JSON)
    assert response.status_code == 409
    assert response.json()["rule"] == "R2.8"
    assert Affiliation.objects.get(member=region.clinic_admin).lost_on is None


@pytest.mark.rule("R2.8")
def test_the_manager_cannot_be_deregistered(region, client_for):
    admin = client_for(region.clinic_admin)
    response = admin.post(staff_path(region.clinic, region.doctor), {}, content_type=JSON)
    assert response.status_code == 409
    assert response.json()["rule"] == "R2.8"
    assert Affiliation.objects.get(member=region.doctor).lost_on is None


@pytest.mark.rule("R2.8")
def test_the_manager_appoints_and_revokes_admins(region, client_for):
    doctor = client_for(region.doctor)
    appointed = doctor.post(admin_path(region.clinic, region.nurse), content_type=JSON)
    assert appointed.status_code == 200
    assert appointed.json()["is_admin"] is True
    revoked = doctor.delete(admin_path(region.clinic, region.clinic_admin))
    assert revoked.status_code == 200
    assert revoked.json()["is_admin"] is False
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_APPOINTED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_REVOKED).count() == 1


@pytest.mark.rule("R2.8")
@pytest.mark.parametrize("who", ["clinic_admin", "nurse", "pharmacist"])
def test_only_the_manager_or_secretariat_appoints_admins(region, client_for, who):
    response = client_for(region.cast[who]).post(
        admin_path(region.clinic, region.nurse), content_type=JSON
    )
    assert response.status_code == 404
    assert not Affiliation.objects.get(member=region.nurse).is_admin
