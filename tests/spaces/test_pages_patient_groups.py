"""Patient group pages: created by a member of the lead facility only (R2.6, R3.1), its header
is the patient record, members invited and removed by the lead facility, the record changed
by the patient group admin (R3.5)."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.spaces.models import Membership, MembershipState, PatientRecord, Space, SpaceKind
from tests.spaces.helpers import patient_group
from tests.support.approval import approve_pending

PATIENT = {
    "name": "和光 太郎",
    "furigana": "わこう たろう",
    "birth_date": "1940-02-03",
    "sex": "male",
    "address": "埼玉県和光市中央1-1-1",
    "phone": "048-000-1111",
    "key_person": "妻 和光 花",
    "care_level": "要介護2",
    "primary_doctor": "山田 一郎",
}


def active_members(space: Space) -> set[int]:
    return set(
        Membership.objects.filter(space=space, state=MembershipState.ACTIVE).values_list(
            "member_id", flat=True
        )
    )


@pytest.mark.rule("R2.6")
@pytest.mark.parametrize("creator", ["nurse", "care_manager", "shared_nurse"])
def test_a_member_of_the_lead_facility_creates_a_patient_group(region, client_for, creator):
    member = region.cast[creator]
    client = client_for(member)
    form = client.get("/spaces/patients/new/").content.decode()
    assert "連携元事業所" in form
    assert "あさか在宅クリニック" in form
    if creator == "shared_nurse":  # both of her facilities are offered
        assert "しき訪問看護ステーション" in form
    response = client.post(
        "/spaces/patients/new/", {**PATIENT, "facility": str(region.clinic.public_id)}
    )
    space = Space.objects.get(kind=SpaceKind.PATIENT_GROUP)
    assert response.status_code == 302
    assert response["Location"] == f"/spaces/{space.public_id}/"
    assert space.lead_facility == region.clinic
    assert PatientRecord.objects.get(space=space).name == "和光 太郎"
    membership = Membership.objects.get(space=space, member=member)
    assert membership.is_admin
    event = AuditEvent.objects.get(action=AuditAction.SPACE_CREATED, actor_id=member.pk)
    assert "和光" not in str(event.detail)
    assert "和光" not in event.object_label

    page = client.get(f"/spaces/{space.public_id}/").content.decode()
    for shown in (
        "和光 太郎",
        "わこう たろう",
        "1940/02/03",
        "男性",
        "埼玉県和光市中央1-1-1",
        "048-000-1111",
        "妻 和光 花",
        "要介護2",
        "主治医",
        "患者グループ管理者",
    ):
        assert shown in page
    assert "患者情報を編集" in page


@pytest.mark.rule("R2.6")
def test_only_a_member_of_the_chosen_facility_can_lead(region, client_for):
    # The pharmacist may lead from the pharmacy, not from the clinic he does not work for.
    pharmacist = client_for(region.pharmacist)
    response = pharmacist.post(
        "/spaces/patients/new/", {**PATIENT, "facility": str(region.clinic.public_id)}
    )
    assert response.status_code == 422
    assert "ご自身の事業所から選んでください。" in response.content.decode()
    assert not Space.objects.exists()
    response = pharmacist.post(
        "/spaces/patients/new/", {**PATIENT, "facility": str(region.pharmacy.public_id)}
    )
    assert response.status_code == 302
    assert Space.objects.get().lead_facility == region.pharmacy


def test_the_secretariat_with_no_facility_is_told_why_and_cannot_create(region, client_for):
    client = client_for(region.secretariat)
    page = client.get("/spaces/patients/new/").content.decode()
    assert "どの事業所にも登録されていません" in page
    response = client.post(
        "/spaces/patients/new/", {**PATIENT, "facility": str(region.clinic.public_id)}
    )
    assert response.status_code == 200
    assert not Space.objects.exists()


def test_a_bad_patient_header_is_refused_in_japanese_and_nothing_is_made(region, client_for):
    client = client_for(region.nurse)
    response = client.post(
        "/spaces/patients/new/",
        {**PATIENT, "facility": str(region.clinic.public_id), "birth_date": "", "sex": "robot"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "生年月日を入力してください。" in html
    assert "正しく選択してください。" in html
    assert "和光 太郎" in html  # what was typed is kept
    assert not Space.objects.exists()


@pytest.mark.rule("R3.1")
def test_the_lead_facility_invites_and_removes_members(region, client_for):
    space = patient_group(region, region.nurse)
    nurse = client_for(region.nurse)  # clinic staff, neither admin: cannot invite (R3.1)
    assert "メンバーを招待" not in nurse.get(f"/spaces/{space.public_id}/members/").content.decode()
    doctor = client_for(region.doctor)  # the patient group admin
    page = doctor.get(f"/spaces/{space.public_id}/members/").content.decode()
    assert "メンバーを招待" in page
    assert "連携元事業所が招待します" in page
    response = doctor.post(
        f"/spaces/{space.public_id}/members/add/",
        {"members": [str(region.pharmacist.public_id), str(region.visiting_nurse.public_id)]},
    )
    assert response.status_code == 302
    approve_pending(space)  # both come from other facilities, which approve (R2.10)
    assert active_members(space) == {
        region.doctor.pk,
        region.nurse.pk,
        region.pharmacist.pk,
        region.visiting_nurse.pk,
    }
    roster = client_for(region.pharmacist).get(f"/spaces/{space.public_id}/").content.decode()
    assert "わこう中央薬局" in roster
    assert "薬剤師" in roster
    assert "@ph.ito" in roster

    # The pharmacist, invited from another facility, can neither invite nor remove.
    pharmacist = client_for(region.pharmacist)
    page = pharmacist.get(f"/spaces/{space.public_id}/members/").content.decode()
    assert "メンバーを招待" not in page
    assert "外す" not in page
    response = pharmacist.post(
        f"/spaces/{space.public_id}/members/add/",
        {"members": [str(region.shared_nurse.public_id)]},
        follow=True,
    )
    assert "患者グループのメンバーは連携元事業所が招待します。" in response.content.decode()
    response = pharmacist.post(
        f"/spaces/{space.public_id}/members/{region.visiting_nurse.public_id}/remove/",
        follow=True,
    )
    assert "このスペースからメンバーを外す権限がありません。" in response.content.decode()
    assert region.shared_nurse.pk not in active_members(space)
    assert region.visiting_nurse.pk in active_members(space)

    response = doctor.post(
        f"/spaces/{space.public_id}/members/{region.visiting_nurse.public_id}/remove/"
    )
    assert response.status_code == 302
    assert region.visiting_nurse.pk not in active_members(space)


@pytest.mark.rule("R3.5")
def test_only_the_patient_group_admin_edits_the_record(region, client_for):
    space = patient_group(region, region.nurse, region.pharmacist)
    for member in (region.nurse, region.pharmacist):
        client = client_for(member)
        assert "患者情報を編集" not in client.get(f"/spaces/{space.public_id}/").content.decode()
        response = client.post(
            f"/spaces/{space.public_id}/patient/", {**PATIENT, "name": "書き換え"}, follow=True
        )
        assert "患者情報を変更できるのは患者グループ管理者だけです。" in response.content.decode()
    assert PatientRecord.objects.get(space=space).name == "朝霞 花子"

    doctor = client_for(region.doctor)
    form = doctor.get(f"/spaces/{space.public_id}/patient/").content.decode()
    assert 'value="朝霞 花子"' in form
    assert 'value="1938-05-12"' in form
    response = doctor.post(f"/spaces/{space.public_id}/patient/", {**PATIENT, "furigana": "abc"})
    assert response.status_code == 422
    assert PatientRecord.objects.get(space=space).name == "朝霞 花子"
    response = doctor.post(f"/spaces/{space.public_id}/patient/", PATIENT)
    assert response.status_code == 302
    assert PatientRecord.objects.get(space=space).care_level == "要介護2"
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_RECORD_UPDATED)
    assert "和光" not in str(event.detail)


def test_non_members_get_404_on_every_patient_group_page(region, client_for):
    space = patient_group(region, region.nurse)
    for outsider in (region.pharmacist, region.care_manager, region.secretariat, region.operator):
        client = client_for(outsider)
        for url in ("", "members/", "patient/", "leave/"):
            assert client.get(f"/spaces/{space.public_id}/{url}").status_code == 404
        assert client.post(f"/spaces/{space.public_id}/patient/", PATIENT).status_code == 404
    assert PatientRecord.objects.get(space=space).name == "朝霞 花子"
