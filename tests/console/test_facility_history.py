"""The secretariat's facility page: the form-3 user list with its history, registrations and
losses of eligibility from the list's rows, role changes from the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from renkei.facilities import actions
from renkei.facilities.actions import PersonInput


def _history(client, facility):
    response = client.get(f"/console/facilities/{facility.public_id}/")
    assert response.status_code == 200
    return response.context["history"], response.content.decode()


@pytest.mark.rule("R1.2")
def test_history_lists_registrations_and_losses_of_eligibility(region, client_for):
    today = timezone.localdate()
    new = actions.register_staff(
        region.clinic_admin,
        facility_id=region.clinic.pk,
        person=PersonInput("高橋 誠", "たかはし まこと", "helper", "takahashi@example.jp"),
    )
    actions.deregister_staff(
        region.clinic_admin,
        facility_id=region.clinic.pk,
        member_id=region.care_manager.pk,
        lost_on=today,
    )
    history, html = _history(client_for(region.secretariat), region.clinic)
    kinds = [(e.kind, e.name) for e in history]
    assert ("registered", "高橋 誠") in kinds
    assert ("deregistered", region.care_manager.name) in kinds
    assert ("registered", region.care_manager.name) in kinds
    # Every row of the list is there as a registration; only the lost one as a loss.
    assert sum(1 for k, _ in kinds if k == "registered") == 6
    assert [n for k, n in kinds if k == "deregistered"] == [region.care_manager.name]
    lost = next(e for e in history if e.kind == "deregistered")
    assert lost.on == today
    assert lost.by == region.clinic_admin.name
    assert next(e for e in history if e.name == "高橋 誠").number == new.number
    # Newest first: today's changes before the registrations of a month ago.
    assert history[0].on == today
    assert history[-1].on == today - timedelta(days=30)
    assert "履歴" in html
    assert "資格喪失" in html


@pytest.mark.rule("R2.8")
def test_history_shows_admin_appointments_from_the_audit_trail(region, client_for):
    actions.appoint_admin(region.doctor, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    actions.revoke_admin(region.doctor, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    actions.change_manager(
        region.secretariat, facility_id=region.clinic.pk, member_id=region.clinic_admin.pk
    )
    history, html = _history(client_for(region.secretariat), region.clinic)
    timed = [(e.kind, e.name, e.by) for e in history if e.at is not None]
    with translation.override("ja"):
        manager = translation.gettext("Recorded as facility manager")
    assert timed[0] == (manager, region.clinic_admin.name, region.secretariat.audit_label)
    names = [t[1] for t in timed]
    assert names.count(region.nurse.name) == 2
    assert region.nurse.name in html
    # Another facility's changes stay on its own page.
    other, _ = _history(client_for(region.secretariat), region.pharmacy)
    assert all(e.at is None for e in other)
    assert {e.name for e in other} == {region.pharmacist.name}
