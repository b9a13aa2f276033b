"""The facility console: the facility and its form-3 user list, for its staff and the
secretariat only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from renkei.facilities.actions import PersonInput, deregister_staff, register_staff


def _url(facility) -> str:  # type: ignore[no-untyped-def]
    return f"/facilities/{facility.public_id}/"


@pytest.mark.rule("R1.2")
def test_the_list_shows_form_3_columns_roles_and_account_state(region, client_for):
    register_staff(
        region.clinic_admin,
        facility_id=region.clinic.pk,
        person=PersonInput("森 新人", "もり しんじん", "nurse", "mori@example.jp"),
    )
    deregister_staff(region.clinic_admin, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    response = client_for(region.care_manager).get(_url(region.clinic))
    assert response.status_code == 200
    page = response.content.decode()
    for heading in ("No.", "登録日", "氏名", "職種", "メールアドレス", "資格喪失日", "役割"):
        assert heading in page
    assert "あさか在宅クリニック" in page
    assert "診療所" in page
    assert "やまだ いちろう" in page  # furigana beside the name
    assert "事業所管理者" in page
    assert "システム管理者" in page
    assert "有効化待ち" in page  # the newcomer
    assert "有効化済み" in page
    # The deregistered nurse stays on the list with her loss-of-eligibility date.
    assert region.nurse.name in page
    assert timezone.localdate().isoformat() in page
    assert "登録解除済み" in page
    assert 'class="table-wrap"' in page
    # A plain member of staff sees no management forms.
    assert "staff-email" not in page
    assert "/withdraw/" not in page


@pytest.mark.parametrize(
    "viewer", ["doctor", "nurse", "clinic_admin", "shared_nurse", "secretariat"]
)
def test_staff_and_the_secretariat_see_the_console(region, client_for, viewer):
    assert client_for(region.cast[viewer]).get(_url(region.clinic)).status_code == 200


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("viewer", ["pharmacist", "visiting_nurse", "helper"])
def test_others_get_404(region, client_for, viewer):
    response = client_for(region.cast[viewer]).get(_url(region.clinic))
    assert response.status_code == 404
    assert region.nurse.name not in response.content.decode()


def test_an_unknown_facility_is_404_and_anonymous_visitors_sign_in_first(region, client_for):
    assert (
        client_for(region.secretariat)
        .get("/facilities/00000000-0000-0000-0000-000000000000/")
        .status_code
        == 404
    )
    from django.test import Client

    response = Client().get(_url(region.clinic))
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/")


def test_the_console_offers_each_role_its_own_tools(region, client_for):
    admin = client_for(region.clinic_admin).get(_url(region.clinic)).content.decode()
    manager = client_for(region.doctor).get(_url(region.clinic)).content.decode()
    assert 'name="staff-email"' in admin
    assert "/withdraw/" not in admin
    assert "/withdraw/" in manager
    assert "/audit/" in admin
    assert "/audit/" not in client_for(region.nurse).get(_url(region.clinic)).content.decode()


def test_a_deregistered_member_no_longer_sees_the_console(region, client_for):
    deregister_staff(region.clinic_admin, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    # Deregistration ended her sessions; even a fresh session finds nothing.
    assert client_for(region.nurse).get(_url(region.clinic)).status_code == 404
