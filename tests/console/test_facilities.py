"""Facilities in the console: lists by state, the form-3 user list, and the secretariat's
actions on a facility (new manager, admins, withdrawal)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from renkei.accounts.models import UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import Affiliation, FacilityState


def _url(facility, suffix: str = "") -> str:
    return f"/console/facilities/{facility.public_id}/{suffix}"


def _row(member, facility) -> Affiliation:
    return Affiliation.objects.get(member=member, facility=facility, lost_on__isnull=True)


def test_facility_lists_filter_by_state(region, client_for, apply):
    pending = apply("ひかり介護サービス")
    station = region.station
    station.state = FacilityState.LEFT
    station.save()
    client = client_for(region.secretariat)
    active = client.get("/console/facilities/?state=active")
    assert set(active.context["facilities"]) == {region.clinic, region.pharmacy}
    assert set(client.get("/console/facilities/?state=left").context["facilities"]) == {station}
    assert set(client.get("/console/facilities/?state=applied").context["facilities"]) == {pending}
    # An unknown state falls back to the active list rather than failing.
    fallback = client.get("/console/facilities/?state=<script>")
    assert fallback.status_code == 200
    assert fallback.context["state"] == "active"


@pytest.mark.rule("R1.2")
def test_facility_page_shows_the_form_3_user_list(region, client_for):
    nurse_row = _row(region.nurse, region.clinic)
    nurse_row.lost_on = timezone.localdate() - timedelta(days=1)
    nurse_row.save()
    html = client_for(region.secretariat).get(_url(region.clinic)).content.decode()
    for header in ("No.", "登録日", "（ふりがな）氏名", "職種", "メールアドレス", "資格喪失日"):
        assert header in html, header
    for member in (region.doctor, region.nurse, region.care_manager, region.clinic_admin):
        assert member.name in html
        assert member.furigana in html
        assert member.email in html
    assert nurse_row.lost_on.isoformat() in html
    assert nurse_row.registered_on.isoformat() in html
    assert region.pharmacist.name not in html
    assert f'href="/facilities/{region.clinic.public_id}/"' in html


@pytest.mark.rule("R2.8")
def test_secretariat_records_a_new_manager(region, client_for):
    client = client_for(region.secretariat)
    response = client.post(
        _url(region.clinic, "staff/manager/"), {"manager-member": str(region.nurse.public_id)}
    )
    assert response.status_code == 302
    new = _row(region.nurse, region.clinic)
    assert new.is_manager
    assert new.is_admin
    assert not _row(region.doctor, region.clinic).is_manager
    region.clinic.refresh_from_db()
    assert region.clinic.manager_name == region.nurse.name
    assert AuditEvent.objects.filter(
        action=AuditAction.ADMIN_APPOINTED, object_id=str(region.nurse.pk), detail__manager=True
    ).exists()


@pytest.mark.rule("R2.8")
def test_secretariat_appoints_and_revokes_admins(region, client_for):
    client = client_for(region.secretariat)
    client.post(
        _url(region.clinic, "staff/appoint/"), {"appoint-member": str(region.nurse.public_id)}
    )
    assert _row(region.nurse, region.clinic).is_admin
    client.post(
        _url(region.clinic, "staff/revoke/"), {"revoke-member": str(region.nurse.public_id)}
    )
    assert not _row(region.nurse, region.clinic).is_admin
    actions = list(
        AuditEvent.objects.filter(object_id=str(region.nurse.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.ADMIN_APPOINTED, AuditAction.ADMIN_REVOKED]


@pytest.mark.rule("R2.8")
def test_the_last_admin_cannot_be_revoked(region, client_for):
    client = client_for(region.secretariat)
    response = client.post(
        _url(region.pharmacy, "staff/revoke/"),
        {"revoke-member": str(region.pharmacist.public_id)},
        follow=True,
    )
    assert response.status_code == 200
    assert 'class="msg msg-error"' in response.content.decode()
    assert _row(region.pharmacist, region.pharmacy).is_admin


@pytest.mark.parametrize(
    ("which", "data"),
    [
        ("appoint", {}),
        ("appoint", {"appoint-member": "not-a-uuid"}),
        # Someone on another facility's list cannot be chosen here.
        ("appoint", {"appoint-member": "PHARMACIST"}),
        # Already an admin: not among the choices.
        ("appoint", {"appoint-member": "DOCTOR"}),
        ("manager", {"manager-member": "DOCTOR"}),
        ("revoke", {"revoke-member": "NURSE"}),
    ],
)
def test_bad_staff_choices_change_nothing(region, client_for, which, data):
    ids = {
        "PHARMACIST": region.pharmacist,
        "DOCTOR": region.doctor,
        "NURSE": region.nurse,
    }
    data = {k: str(ids[v].public_id) if v in ids else v for k, v in data.items()}
    client = client_for(region.secretariat)
    before = list(Affiliation.objects.order_by("id").values_list("is_admin", "is_manager"))
    events = AuditEvent.objects.count()
    response = client.post(_url(region.clinic, f"staff/{which}/"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="errorlist' in html
    assert "利用者を一覧から選んでください。" in html or "利用者を選んでください。" in html
    assert list(Affiliation.objects.order_by("id").values_list("is_admin", "is_manager")) == before
    assert AuditEvent.objects.count() == events


def test_unknown_staff_action_is_404(region, client_for):
    response = client_for(region.secretariat).post(_url(region.clinic, "staff/delete/"), {})
    assert response.status_code == 404


@pytest.mark.rule("R1.2")
def test_withdrawal_needs_the_confirm_step(region, client_for):
    client = client_for(region.secretariat)
    page = client.get(_url(region.clinic, "withdraw/"))
    assert page.status_code == 200
    assert 'name="confirm"' in page.content.decode()
    response = client.post(_url(region.clinic, "withdraw/"), {})
    assert response.status_code == 400
    assert response.context["form"].errors["confirm"]
    region.clinic.refresh_from_db()
    assert region.clinic.state == FacilityState.ACTIVE


@pytest.mark.rule("R1.2")
def test_withdrawal_ends_access_and_keeps_the_list(region, client_for):
    nurse_session = client_for(region.nurse)
    client = client_for(region.secretariat)
    response = client.post(_url(region.clinic, "withdraw/"), {"confirm": "on"})
    assert response.status_code == 302
    region.clinic.refresh_from_db()
    assert region.clinic.state == FacilityState.LEFT
    rows = Affiliation.objects.filter(facility=region.clinic)
    assert rows.count() == 5
    assert not rows.filter(lost_on__isnull=True).exists()
    assert not UserSession.objects.filter(member=region.nurse, ended_at__isnull=True).exists()
    assert nurse_session.get("/").status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditAction.FACILITY_LEFT, facility_id=region.clinic.pk
    ).exists()
    # Once left, there is nothing more to withdraw and no staff actions are offered.
    page = client.get(_url(region.clinic)).content.decode()
    assert "staff/appoint/" not in page
    again = client.post(_url(region.clinic, "withdraw/"), {"confirm": "on"}, follow=True)
    assert 'class="msg msg-error"' in again.content.decode()


@pytest.mark.parametrize(
    ("left_on", "field"),
    [("2026-13-40", "left_on"), ("9999-01-01", "left_on")],
    ids=["not-a-date", "future"],
)
def test_withdrawal_with_a_bad_date_changes_nothing(region, client_for, left_on, field):
    response = client_for(region.secretariat).post(
        _url(region.clinic, "withdraw/"), {"confirm": "on", "left_on": left_on}
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    region.clinic.refresh_from_db()
    assert region.clinic.state == FacilityState.ACTIVE
    assert not Affiliation.objects.filter(facility=region.clinic, lost_on__isnull=False).exists()


def test_unknown_facility_is_404(region, client_for):
    client = client_for(region.secretariat)
    assert (
        client.get("/console/facilities/00000000-0000-4000-8000-000000000000/").status_code == 404
    )
