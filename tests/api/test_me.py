"""GET /me: the member, roles and current registrations."""

from __future__ import annotations

from django.utils import timezone

from renkei.facilities.actions import deregister_staff


def test_me_shows_the_member_and_current_affiliations(region, client_for):
    body = client_for(region.shared_nurse).get("/api/v1/me").json()
    assert body["public_id"] == str(region.shared_nurse.public_id)
    assert body["login_id"] == "ns.kimura"
    assert body["furigana"] == "きむら めぐみ"
    assert body["profession"] == "nurse"
    assert body["roles"] == {"secretariat": False, "operator": False}
    facilities = {a["facility"]["public_id"]: a for a in body["affiliations"]}
    assert set(facilities) == {str(region.clinic.public_id), str(region.station.public_id)}
    assert facilities[str(region.station.public_id)]["facility"]["kind"] == "visiting_nurse"
    assert "id" not in body


def test_me_leaves_out_ended_registrations_and_shows_admin_roles(region, client_for):
    deregister_staff(
        region.visiting_nurse,
        facility_id=region.station.pk,
        member_id=region.shared_nurse.pk,
        lost_on=timezone.localdate(),
    )
    body = client_for(region.shared_nurse).get("/api/v1/me").json()
    assert [a["facility"]["name"] for a in body["affiliations"]] == [region.clinic.name]
    doctor = client_for(region.doctor).get("/api/v1/me").json()
    assert doctor["affiliations"][0]["is_admin"] is True
    assert doctor["affiliations"][0]["is_manager"] is True


def test_me_shows_the_secretariat_roles(region, client_for):
    body = client_for(region.operator).get("/api/v1/me").json()
    assert body["roles"] == {"secretariat": True, "operator": True}
    assert body["affiliations"] == []
