"""A facility leaves the network as a whole (R1.2): every current member gets the
loss-of-eligibility date and loses access at once; the list is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from renkei import authz
from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.facilities.models import Affiliation, FacilityState
from tests.facilities.pages import widget


def _url(facility) -> str:  # type: ignore[no-untyped-def]
    return f"/facilities/{facility.public_id}/withdraw/"


@pytest.mark.rule("R1.2")
def test_the_manager_withdraws_the_facility_after_a_confirm_step(region, client_for):
    staff = [region.doctor, region.nurse, region.care_manager, region.clinic_admin]
    clients = {m.pk: client_for(m) for m in staff}
    shared = client_for(region.shared_nurse)
    manager = clients[region.doctor.pk]

    confirm = manager.get(_url(region.clinic))
    assert confirm.status_code == 200
    assert f'value="{timezone.localdate().isoformat()}"' in widget(
        confirm.content.decode(), "id_on"
    )
    region.clinic.refresh_from_db()
    assert region.clinic.state == FacilityState.ACTIVE

    left_on = timezone.localdate()
    response = manager.post(_url(region.clinic), {"on": left_on.isoformat()})
    assert response.status_code == 302
    region.clinic.refresh_from_db()
    assert region.clinic.state == FacilityState.LEFT
    assert region.clinic.left_on == left_on
    rows = Affiliation.objects.filter(facility=region.clinic)
    assert rows.count() == 5  # the list is kept
    assert all(row.lost_on == left_on for row in rows)

    for member in staff:
        refused = clients[member.pk].get("/")
        assert refused.status_code == 302
        assert refused["Location"].startswith("/signin/")
        assert not authz.is_eligible(member)
    # The nurse who also works for the station stays eligible there.
    assert authz.is_eligible(region.shared_nurse)
    assert shared.get("/").status_code == 302  # her sessions ended too; she signs in again

    assert AuditEvent.objects.filter(
        action=AuditAction.FACILITY_LEFT, facility_id=region.clinic.pk
    ).exists()
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.STAFF_DEREGISTERED, facility_id=region.clinic.pk
        ).count()
        == 5
    )

    # The secretariat still sees the kept list, with the dates.
    page = client_for(region.secretariat).get(f"/facilities/{region.clinic.public_id}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "退会" in text
    assert text.count("登録解除済み") == 5


@pytest.mark.rule("R1.2")
def test_the_secretariat_may_withdraw_a_facility(region, client_for):
    response = client_for(region.secretariat).post(
        _url(region.pharmacy), {"on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    region.pharmacy.refresh_from_db()
    assert region.pharmacy.state == FacilityState.LEFT
    assert not authz.is_eligible(region.pharmacist)


@pytest.mark.rule("R1.2")
def test_a_future_date_is_refused(region, client_for):
    client = client_for(region.doctor)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(_url(region.clinic), {"on": tomorrow.isoformat()})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in widget(response.content.decode(), "id_on")
    region.clinic.refresh_from_db()
    assert region.clinic.state == FacilityState.ACTIVE
    assert client.get("/").status_code == 200


@pytest.mark.rule("R1.2")
@pytest.mark.parametrize("actor", ["clinic_admin", "nurse", "pharmacist", "helper"])
def test_only_the_manager_or_the_secretariat_withdraws(region, client_for, actor):
    client = client_for(region.cast[actor])
    assert client.get(_url(region.clinic)).status_code == 404
    assert (
        client.post(_url(region.clinic), {"on": timezone.localdate().isoformat()}).status_code
        == 404
    )
    region.clinic.refresh_from_db()
    assert region.clinic.state == FacilityState.ACTIVE
    assert not Affiliation.objects.filter(lost_on__isnull=False).exists()
