"""R3.2 through the pages and the API: the status block on the patient group's page, the links
only for those who manage consent, recording with the upload, withdrawing after confirming."""

from __future__ import annotations

import pytest
from django.utils import timezone

from renkei.consents.models import ConsentRecord
from renkei.spaces.models import SpaceState
from tests.attachments import samples
from tests.consents.helpers import unconsented_group
from tests.support.consent import record_consent, signed_form

pytestmark = pytest.mark.rule("R3.2")


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/api/v1/me").cookies["csrftoken"].value


def test_the_status_block_and_links_follow_who_views(region, client_for):
    space = unconsented_group(region)
    admin_page = client_for(region.doctor).get(f"/spaces/{space.public_id}/").content.decode()
    assert "同意書未登録" in admin_page
    assert f"/spaces/{space.public_id}/consent/record/" in admin_page
    assert f"/spaces/{space.public_id}/consent/form4.pdf" in admin_page
    member_page = client_for(region.nurse).get(f"/spaces/{space.public_id}/").content.decode()
    assert "同意書未登録" in member_page
    assert "患者グループ管理者または連携元事業所のシステム管理者が登録できます" in member_page
    assert "/consent/record/" not in member_page
    assert "form4.pdf" not in member_page
    record_consent(space, by=region.doctor)
    member_page = client_for(region.nurse).get(f"/spaces/{space.public_id}/").content.decode()
    assert "同意済み" in member_page
    assert "患者様" in member_page


def test_an_admin_records_consent_on_the_page_with_the_scan(region, client_for):
    space = unconsented_group(region)
    client = client_for(region.doctor)
    assert client.get(f"/spaces/{space.public_id}/consent/record/").status_code == 200
    response = client.post(
        f"/spaces/{space.public_id}/consent/record/",
        {
            "consented_on": timezone.localdate().isoformat(),
            "signer": "family",
            "signer_name": "朝霞 一郎",
            "signer_relationship": "長男",
            "document": signed_form(),
        },
        follow=True,
    )
    assert "同意書を登録しました" in response.content.decode()
    row = ConsentRecord.objects.get(space=space)
    assert (row.signer, row.signer_relationship) == ("family", "長男")


def test_the_page_shows_bad_input_next_to_its_field_and_saves_nothing(region, client_for):
    space = unconsented_group(region)
    response = client_for(region.doctor).post(
        f"/spaces/{space.public_id}/consent/record/",
        {
            "consented_on": timezone.localdate().isoformat(),
            "signer": "family",
            "signer_name": "朝霞 一郎",
            "document": samples.upload("form4.zip", samples.plain_zip()),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "ご家族様の続柄（例：長男）を入力してください。" in html
    assert "PDF または写真・スキャン画像" in html
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize("who", ["nurse", "pharmacist"])
def test_a_member_who_is_not_an_admin_cannot_record_on_the_page(region, client_for, who):
    space = unconsented_group(region)
    client = client_for(region.cast[who])
    response = client.post(
        f"/spaces/{space.public_id}/consent/record/",
        {
            "consented_on": timezone.localdate().isoformat(),
            "signer": "patient",
            "document": signed_form(),
        },
        follow=True,
    )
    assert "同意書の登録は、患者グループ管理者または連携元事業所のシステム管理者が行います。" in (
        response.content.decode()
    )
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize("who", ["helper", "secretariat", "care_manager"])
def test_outsiders_get_404_on_every_consent_page(region, client_for, who):
    space = unconsented_group(region)
    client = client_for(region.cast[who])
    for path in ("", "record/", "withdraw/", "form4.pdf"):
        assert client.get(f"/spaces/{space.public_id}/consent/{path}").status_code == 404
    assert client.get(f"/api/v1/patient-groups/{space.public_id}/consent").status_code == 404


def test_withdrawing_on_the_page_asks_first_then_freezes(region, client_for):
    space = unconsented_group(region)
    record_consent(space, by=region.doctor)
    client = client_for(region.doctor)
    confirm = client.get(f"/spaces/{space.public_id}/consent/withdraw/").content.decode()
    assert "閲覧のみになり" in confirm
    space.refresh_from_db()
    assert space.state == SpaceState.ACTIVE  # asking changes nothing
    response = client.post(
        f"/spaces/{space.public_id}/consent/withdraw/",
        {"withdrawn_on": timezone.localdate().isoformat(), "note": ""},
        follow=True,
    )
    assert "同意の撤回を記録しました" in response.content.decode()
    space.refresh_from_db()
    assert space.state == SpaceState.FROZEN


def test_the_api_records_reads_and_withdraws(region, client_for):
    space = unconsented_group(region)
    admin = client_for(region.clinic_admin)  # the lead facility's admin, not a member
    token = _csrf(admin)
    base = f"/api/v1/patient-groups/{space.public_id}/consent"
    assert admin.get(base).json()["state"] == "none"
    created = admin.post(
        base,
        {
            "consented_on": timezone.localdate().isoformat(),
            "signer": "proxy",
            "signer_name": "朝霞 恵子",
            "signer_relationship": "長女",
            "document": signed_form(),
        },
        HTTP_X_CSRFTOKEN=token,
    )
    assert created.status_code == 201, created.content
    assert created.json()["signer"] == "proxy"
    member = client_for(region.nurse).get(base).json()
    assert member["state"] == "consented"
    assert member["may_manage"] is False
    assert member["history"] == []
    withdrawn = admin.post(
        f"{base}/withdraw",
        {"withdrawn_on": timezone.localdate().isoformat(), "note": "本人より"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_on"]
    assert admin.get(base).json()["state"] == "withdrawn"


def test_the_api_refuses_bad_input_and_non_admins(region, client_for):
    space = unconsented_group(region)
    base = f"/api/v1/patient-groups/{space.public_id}/consent"
    admin = client_for(region.doctor)
    future = admin.post(
        base,
        {"consented_on": "2999-01-01", "signer": "patient", "document": signed_form()},
        HTTP_X_CSRFTOKEN=_csrf(admin),
    )
    assert future.status_code == 422
    assert future.json()["errors"]["consented_on"] == ["同意日に未来の日付は指定できません。"]
    nurse = client_for(region.nurse)
    refused = nurse.post(
        base,
        {
            "consented_on": timezone.localdate().isoformat(),
            "signer": "patient",
            "document": signed_form(),
        },
        HTTP_X_CSRFTOKEN=_csrf(nurse),
    )
    assert refused.status_code == 403
    assert refused.json()["rule"] == "R3.2"
    as_json = admin.post(
        base, {"signer": "patient"}, content_type="application/json", HTTP_X_CSRFTOKEN=_csrf(admin)
    )
    assert as_json.status_code == 415
    assert not ConsentRecord.objects.exists()


def test_the_prefilled_form_is_issued_to_admins_and_audited(region, client_for):
    from renkei.audit.events import AuditAction
    from renkei.audit.models import AuditEvent

    space = unconsented_group(region)
    for who in ("doctor", "clinic_admin"):
        client = client_for(region.cast[who])
        page = client.get(f"/spaces/{space.public_id}/consent/form4.pdf")
        api = client.get(f"/api/v1/patient-groups/{space.public_id}/consent/form")
        assert page.status_code == api.status_code == 200
        assert page.content.startswith(b"%PDF")
        assert page["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action=AuditAction.CONSENT_FORM_ISSUED).count() == 4
