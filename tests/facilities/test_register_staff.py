"""A facility admin registers staff from the facility console (R2.10, R2.1)."""

from __future__ import annotations

import pytest

from renkei.accounts.models import Member
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import Affiliation
from tests.facilities.pages import JAPANESE, activation_path, field_errors, widget

NEW_PERSON = {
    "staff-name": "高橋 理学",
    "staff-furigana": "たかはし りがく",
    "staff-profession": "physical_therapist",
    "staff-email": "takahashi@example.jp",
}


def _url(facility) -> str:  # type: ignore[no-untyped-def]
    return f"/facilities/{facility.public_id}/staff/"


@pytest.mark.rule("R2.10")
def test_a_facility_admin_registers_a_new_person_who_gets_an_activation_link(
    region, client_for, smtp, django_capture_on_commit_callbacks
):
    client = client_for(region.clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(region.clinic), NEW_PERSON)
    assert response.status_code == 302
    assert response["Location"] == f"/facilities/{region.clinic.public_id}/"

    member = Member.objects.get(email="takahashi@example.jp")
    assert not member.is_active
    row = Affiliation.objects.get(facility=region.clinic, member=member)
    assert row.number == 6
    assert row.registered_by == region.clinic_admin
    [message] = smtp.to("takahashi@example.jp")
    activation_path(smtp.body(message))
    event = AuditEvent.objects.get(action=AuditAction.STAFF_REGISTERED, object_id=str(member.pk))
    assert event.facility_id == region.clinic.pk
    assert event.actor_id == region.clinic_admin.pk

    page = client.get(response["Location"]).content.decode()
    assert "高橋 理学さんを No.6 として登録しました。" in page
    assert "有効化待ち" in page


@pytest.mark.rule("R2.1")
@pytest.mark.rule("R2.10")
def test_a_person_may_work_for_several_facilities_with_one_account(region, client_for):
    # The visiting nurse station registers the clinic's nurse by the e-mail she already uses.
    client = client_for(region.visiting_nurse)
    response = client.post(
        _url(region.station),
        {
            "staff-name": "佐藤 花子",
            "staff-furigana": "さとう はなこ",
            "staff-profession": "nurse",
            "staff-email": "ns.sato@example.jp",
        },
    )
    assert response.status_code == 302
    assert Member.objects.filter(email__iexact="ns.sato@example.jp").count() == 1
    assert set(
        Affiliation.objects.filter(member=region.nurse, lost_on__isnull=True).values_list(
            "facility__name", flat=True
        )
    ) == {region.clinic.name, region.station.name}
    # The shared nurse of the cast is on both lists already.
    for facility in (region.clinic, region.station):
        page = client_for(region.shared_nurse).get(f"/facilities/{facility.public_id}/")
        assert page.status_code == 200
        assert region.shared_nurse.name in page.content.decode()


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize("actor", ["nurse", "care_manager", "shared_nurse"])
def test_staff_who_are_not_admins_cannot_register(region, client_for, actor):
    before = Member.objects.count(), Affiliation.objects.count()
    client = client_for(region.cast[actor])
    assert client.post(_url(region.clinic), NEW_PERSON).status_code == 404
    assert (Member.objects.count(), Affiliation.objects.count()) == before
    assert (
        "staff-email" not in client.get(f"/facilities/{region.clinic.public_id}/").content.decode()
    )


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize("actor", ["pharmacist", "visiting_nurse", "helper"])
def test_members_of_other_facilities_get_404(region, client_for, actor):
    before = Member.objects.count(), Affiliation.objects.count()
    client = client_for(region.cast[actor])
    assert client.post(_url(region.clinic), NEW_PERSON).status_code == 404
    assert client.get(f"/facilities/{region.clinic.public_id}/").status_code == 404
    assert (Member.objects.count(), Affiliation.objects.count()) == before


@pytest.mark.rule("R2.10")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"staff-name": ""}, "name"),
        ({"staff-name": "<script>alert(1)</script>"}, "name"),
        ({"staff-name": "長" * 61}, "name"),
        ({"staff-furigana": "タカハシ"}, "furigana"),
        ({"staff-profession": ""}, "profession"),
        ({"staff-email": "takahashi@"}, "email"),
        ({"staff-email": "ns.sato@example.jp"}, "email"),  # already on the clinic's list
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    region, client_for, change, field
):
    client = client_for(region.clinic_admin)
    before = Member.objects.count(), Affiliation.objects.count(), AuditEvent.objects.count()
    response = client.post(_url(region.clinic), {**NEW_PERSON, **change})
    assert response.status_code == 422
    page = response.content.decode()
    after = Member.objects.count(), Affiliation.objects.count(), AuditEvent.objects.count()
    assert after == before
    assert 'aria-invalid="true"' in widget(page, f"id_staff-{field}")
    assert JAPANESE.search(field_errors(page, f"id_staff-{field}"))
    assert "<script>alert" not in page
    assert "Traceback" not in page
    if field != "name":
        assert 'value="高橋 理学"' in widget(page, "id_staff-name")
