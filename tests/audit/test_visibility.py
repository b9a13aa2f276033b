"""Who sees which audit events (renkei.audit.queries.visible_events): the secretariat all of
them, a facility admin those of its facilities and its staff's own facility-less events, a plain
member none."""

from __future__ import annotations

import pytest

from renkei.audit.events import AuditAction
from renkei.audit.queries import visible_events
from renkei.audit.record import record


@pytest.fixture
def events(region):
    def about(facility, actor):
        return record(
            AuditAction.STAFF_REGISTERED,
            actor=actor,
            object_type="member",
            object_id=actor.pk,
            facility=facility,
        )

    return {
        "clinic": about(region.clinic, region.clinic_admin),
        "pharmacy": about(region.pharmacy, region.pharmacist),
        "station": about(region.station, region.visiting_nurse),
        "nurse_signin": record(AuditAction.SIGN_IN, actor=region.nurse),
        "pharmacist_signin": record(AuditAction.SIGN_IN, actor=region.pharmacist),
        "helper_signin": record(AuditAction.SIGN_IN, actor=region.helper),
        "shared_signin": record(AuditAction.SIGN_IN, actor=region.shared_nurse),
        "policy": record(
            AuditAction.POLICY_CHANGED, actor=region.secretariat, object_type="policy"
        ),
    }


def _seen(viewer, events) -> set[str]:
    ids = set(visible_events(viewer).values_list("id", flat=True))
    return {name for name, event in events.items() if event.pk in ids}


@pytest.mark.rule("R2.4")
def test_secretariat_sees_every_event(region, events):
    assert _seen(region.secretariat, events) == set(events)


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("who", ["clinic_admin", "doctor"])
def test_a_facility_admin_sees_its_facility_and_its_staffs_own_events(region, events, who):
    assert _seen(region.cast[who], events) == {"clinic", "nurse_signin", "shared_signin"}


@pytest.mark.rule("R2.4")
def test_an_admin_of_another_facility_sees_only_that_one(region, events):
    assert _seen(region.pharmacist, events) == {"pharmacy", "pharmacist_signin"}


@pytest.mark.rule("R2.4")
@pytest.mark.parametrize("who", ["nurse", "care_manager", "shared_nurse", "helper"])
def test_a_plain_member_sees_nothing(region, events, who):
    assert _seen(region.cast[who], events) == set()


@pytest.mark.rule("R1.2")
def test_an_admin_who_lost_eligibility_sees_nothing(region, events):
    from django.utils import timezone

    from renkei.facilities.models import Affiliation

    Affiliation.objects.filter(member=region.clinic_admin).update(lost_on=timezone.localdate())
    assert _seen(region.clinic_admin, events) == set()


def test_filters_never_widen_what_an_admin_sees(region, events):
    seen = visible_events(region.clinic_admin, facility_id=region.pharmacy.pk)
    assert not seen.exists()
    seen = visible_events(region.clinic_admin, actor_id=region.helper.pk)
    assert not seen.exists()
