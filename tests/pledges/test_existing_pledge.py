"""R2.9 "unless one is already on file": an existing confidentiality pledge is recorded with its
date instead of a new signature, audited; bad input changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.pledges.models import Pledge, PledgeState
from tests.pledges.helpers import pledge_of, pledges_url

pytestmark = pytest.mark.rule("R2.9")


def test_an_existing_pledge_is_recorded_as_on_file(region, client_for):
    client = client_for(region.clinic_admin)
    url = pledges_url(region.clinic, f"form2/{region.care_manager.public_id}/on-file/")
    assert client.get(url).status_code == 200
    response = client.post(url, {"signed_on": "2024-04-01", "note": "人事ファイル保管"})
    assert response.status_code == 302
    pledge = pledge_of(region.care_manager)
    assert pledge.state == PledgeState.ON_FILE
    assert pledge.signed_on == date(2024, 4, 1)
    assert pledge.note == "人事ファイル保管"
    assert pledge.document_id is None
    event = AuditEvent.objects.get(action=AuditAction.PLEDGE_ON_FILE)
    assert event.object_id == str(region.care_manager.public_id)
    page = client.get(pledges_url(region.clinic)).content.decode()
    assert "2024-04-01" in page


@pytest.mark.parametrize("signed_on", ["", (timezone.localdate() + timedelta(days=3)).isoformat()])
def test_without_a_real_date_nothing_is_recorded(region, client_for, signed_on):
    client = client_for(region.clinic_admin)
    url = pledges_url(region.clinic, f"form2/{region.care_manager.public_id}/on-file/")
    response = client.post(url, {"signed_on": signed_on})
    assert response.status_code == 422
    assert Pledge.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.PLEDGE_ON_FILE).exists()


def test_the_secretariat_sees_the_state_but_cannot_record(region, client_for):
    client = client_for(region.secretariat)
    url = pledges_url(region.clinic, f"form2/{region.care_manager.public_id}/on-file/")
    assert client.post(url, {"signed_on": "2024-04-01"}).status_code == 404
    assert Pledge.objects.count() == 0
    page = client.get(pledges_url(region.clinic))
    assert page.status_code == 200
    assert region.care_manager.name in page.content.decode()
