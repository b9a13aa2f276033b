"""The facility admin's view of its facility's audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from renkei.audit.events import AuditAction
from renkei.audit.models import AuditEvent
from renkei.audit.record import record
from renkei.facilities.actions import (
    PersonInput,
    appoint_admin,
    deregister_staff,
    register_staff,
    revoke_admin,
)
from tests.facilities.pages import JAPANESE


def _url(facility) -> str:  # type: ignore[no-untyped-def]
    return f"/facilities/{facility.public_id}/audit/"


def _rows(page: str) -> int:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>")


@pytest.mark.rule("R2.10")
def test_each_action_writes_its_event_with_the_facility(region):
    person = PersonInput("森 新人", "もり しんじん", "nurse", "mori@example.jp")
    newcomer = register_staff(region.clinic_admin, facility_id=region.clinic.pk, person=person)
    appoint_admin(region.doctor, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    revoke_admin(region.doctor, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    deregister_staff(
        region.clinic_admin, facility_id=region.clinic.pk, member_id=newcomer.member_id
    )
    actions = list(
        AuditEvent.objects.filter(facility_id=region.clinic.pk)
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [
        (AuditAction.STAFF_REGISTERED, region.clinic_admin.pk),
        (AuditAction.ADMIN_APPOINTED, region.doctor.pk),
        (AuditAction.ADMIN_REVOKED, region.doctor.pk),
        (AuditAction.STAFF_DEREGISTERED, region.clinic_admin.pk),
    ]


@pytest.mark.rule("R2.10")
def test_the_page_shows_the_facilitys_events_and_hides_others(region, client_for):
    appoint_admin(region.doctor, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    appoint_admin(
        region.visiting_nurse, facility_id=region.station.pk, member_id=region.shared_nurse.pk
    )
    response = client_for(region.clinic_admin).get(_url(region.clinic))
    assert response.status_code == 200
    page = response.content.decode()
    with override("ja"):
        label = str(AuditAction.ADMIN_APPOINTED.label)
    assert JAPANESE.search(label)
    assert label in page
    assert region.nurse.name in page
    assert region.shared_nurse.name not in page  # the station's event
    assert _rows(page) == 1


@pytest.mark.parametrize("viewer", ["doctor", "clinic_admin", "secretariat"])
def test_facility_admins_and_the_secretariat_may_open_it(region, client_for, viewer):
    assert client_for(region.cast[viewer]).get(_url(region.clinic)).status_code == 200


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize(
    "viewer", ["nurse", "care_manager", "shared_nurse", "pharmacist", "helper"]
)
def test_anyone_else_gets_404(region, client_for, viewer):
    assert client_for(region.cast[viewer]).get(_url(region.clinic)).status_code == 404


def test_filters_by_event_and_date(region, client_for):
    appoint_admin(region.doctor, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    revoke_admin(region.doctor, facility_id=region.clinic.pk, member_id=region.nurse.pk)
    client = client_for(region.clinic_admin)
    today = timezone.localdate()

    page = client.get(_url(region.clinic), {"action": int(AuditAction.ADMIN_REVOKED)})
    assert _rows(page.content.decode()) == 1
    page = client.get(_url(region.clinic), {"since": today.isoformat(), "until": today.isoformat()})
    assert _rows(page.content.decode()) == 2
    yesterday = (today - timedelta(days=1)).isoformat()
    page = client.get(_url(region.clinic), {"since": yesterday, "until": yesterday})
    assert "該当する操作記録はありません。" in page.content.decode()
    page = client.get(_url(region.clinic), {"since": today.isoformat(), "until": yesterday})
    assert 'aria-invalid="true"' in page.content.decode()


def test_fifty_events_per_page(region, client_for):
    for i in range(55):
        record(
            AuditAction.STAFF_REGISTERED,
            actor=region.clinic_admin,
            object_type="member",
            object_id=i,
            object_label=f"職員{i}",
            facility=region.clinic,
        )
    client = client_for(region.clinic_admin)
    first = client.get(_url(region.clinic), {"action": int(AuditAction.STAFF_REGISTERED)})
    text = first.content.decode()
    assert _rows(text) == 50
    assert "職員54" in text
    assert f"action={int(AuditAction.STAFF_REGISTERED)}&amp;page=2" in text
    second = client.get(
        _url(region.clinic), {"action": int(AuditAction.STAFF_REGISTERED), "page": 2}
    ).content.decode()
    assert _rows(second) == 5
    assert "職員0<" in second
