"""The second-factor API (R2.3, R2.10): one's own state and a facility admin's reset."""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.accounts.models import UserSession
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.twofactor.queries import has_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R2.3")]
API = "/api/v1"


def test_a_member_reads_their_own_second_factor_state(region, client_for):
    doctor = client_for(region.doctor).get(f"{API}/me/second-factor").json()
    assert doctor == {
        "authenticator_app": True,
        "passkeys": 0,
        "recovery_codes_left": 0,
        "required": True,
    }
    nurse = client_for(region.nurse).get(f"{API}/me/second-factor").json()
    assert nurse["authenticator_app"] is False
    assert nurse["required"] is False
    assert Client().get(f"{API}/me/second-factor").status_code == 401


@pytest.mark.rule("R2.10")
def test_a_facility_admin_resets_a_doctor_of_the_clinic_over_the_api(region, client_for):
    doctor_client = client_for(region.doctor)
    answer = client_for(region.clinic_admin).post(
        f"{API}/members/{region.doctor.public_id}/second-factor/reset"
    )
    assert answer.status_code == 200
    assert answer.json() == {"sessions_ended": 1}
    assert not has_second_factor(region.doctor)
    assert not UserSession.objects.filter(member=region.doctor, ended_at=None).exists()
    assert doctor_client.get(f"{API}/me/second-factor").status_code == 401
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_RESET).count() == 1


@pytest.mark.parametrize("actor", ["pharmacist", "nurse", "helper"])
def test_others_get_404_and_nothing_changes(region, client_for, actor):
    answer = client_for(region.cast[actor]).post(
        f"{API}/members/{region.doctor.public_id}/second-factor/reset"
    )
    assert answer.status_code == 404
    assert has_second_factor(region.doctor)
    assert not AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_RESET).exists()


def test_an_admin_cannot_reset_themselves_over_the_api(region, client_for):
    answer = client_for(region.clinic_admin).post(
        f"{API}/members/{region.clinic_admin.public_id}/second-factor/reset"
    )
    assert answer.status_code == 400
    assert has_second_factor(region.clinic_admin)
